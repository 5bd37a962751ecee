"""Long replies through the real Bolt app: every payload within Slack's limits, and
"Show more" brings the rest, a page at a time, wherever the reply was shown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.slack.pages import GONE, MORE_ACTION, NOT_YOURS, Pager
from adapters.slack.render import escape
from adapters.slack.sender import SlackSender, single_token
from bot.clock import FixedClock
from bot.context import Context
from bot.delivery import Target
from bot.root import create_runtime
from bot.router import Router
from bot.runtime import Runtime
from bot.ui import Button, Form, Heading, Hint, Input, Message, Section
from store.overflow import OverflowReply
from tests.conftest import UNREACHABLE, settings_for
from tests.slack_fakes import (
    TEAM,
    USER,
    FakeSlack,
    SlackApp,
    block_action,
    check_message,
    check_modal,
    check_sent,
)
from tests.slack_fixtures import fake_slack_fixture, slack_fixture, slack_runtime_for  # noqa: F401

# 10,000 characters of text, with characters Slack needs escaped, and 200 rows.
LONG_TEXT = " ".join(f"measurement {i} <ok> & done." for i in range(400))[:10_000].strip()
ROWS = [f"Row {i}: Sam Okafor — LC-MS, Leeds & York" for i in range(200)]
DM = {"type": "message", "channel": "D0001", "channel_type": "im", "user": USER, "ts": "1.1"}

report = Router()


def long_report() -> Message:
    return Message(
        text="Network report: " + LONG_TEXT,
        blocks=[
            Heading(text="Network report"),
            Section(text=LONG_TEXT),
            *(
                Section(
                    text=row, button=Button(label="Open", action_id="report.open", value=str(i))
                )
                for i, row in enumerate(ROWS)
            ),
            Hint(text="End of the report."),
        ],
    )


@report.command("report", summary="A very long report")
async def report_command(ctx: Context, args: str) -> None:
    if args == "form":
        ctx.open_form(
            Form(
                form_id="report.form",
                title="A form whose title is far too long for Slack",
                inputs=[Input(name=f"field_{i}", label=f"Field {i}") for i in range(120)],
                state="s" * 2900,
            )
        )
        return
    if args == "short":
        ctx.reply("A short answer.")
        return
    ctx.reply(long_report(), public=args == "public")


@report.action("report.open")
async def open_row(ctx: Context, value: str) -> None:
    ctx.update(long_report())


@report.home_section(99)
async def long_home(ctx: Context) -> list[Any]:
    return [Section(text=f"Home row {i}") for i in range(250)]


@pytest.fixture(name="slack_runtime")  # Slack's runtime with only the routes above
async def long_runtime_fixture(
    database_url: str, clock: FixedClock, fake_slack: FakeSlack
) -> AsyncIterator[Runtime]:
    runtime = slack_runtime_for(database_url, clock, fake_slack, report)
    yield runtime
    await runtime.close()


# --- helpers -----------------------------------------------------------------------------


def page_button(blocks: list[dict[str, Any]], action_id: str = MORE_ACTION) -> dict | None:
    """The page button with this action id, if the page has one."""
    last = blocks[-1]
    if last["type"] != "actions":
        return None
    return next((e for e in last["elements"] if e["action_id"] == action_id), None)


def is_page_buttons(block: dict[str, Any]) -> bool:
    return block["type"] == "actions" and all(
        element["action_id"].startswith(MORE_ACTION) for element in block["elements"]
    )


def content(pages: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every block of every page but the page buttons."""
    return [block for page in pages for block in page if not is_page_buttons(block)]


def assert_whole_report(pages: list[list[dict[str, Any]]]) -> None:
    blocks = content(pages)
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    rows = [text for text in texts if text.startswith("Row ")]
    assert rows == [escape(row) for row in ROWS]  # each row once, in order
    prose = [text for text in texts if text not in rows]
    assert len(prose) > 3 and " ".join(prose) == escape(LONG_TEXT)  # split, never cut
    assert blocks[0]["type"] == "header" and blocks[-1]["type"] == "context"


async def press(
    slack: SlackApp,
    button: dict[str, Any],
    *,
    ephemeral: bool = True,
    user: str = USER,
    channel: str = "C0001",
    view: dict[str, Any] | None = None,
) -> None:
    action = {"type": "button", "action_id": button["action_id"], "value": button["value"]}
    payload = block_action(action, slack.fake.response_url(), view=view)
    payload["user"]["id"] = user
    if view is None:
        payload["container"].update(is_ephemeral=ephemeral, channel_id=channel)
        payload["channel"] = {"id": channel}
    response = await slack.interact(payload)
    assert response.status == 200


async def read_on(slack: SlackApp, first: list[dict[str, Any]], **where: Any) -> list[list]:
    """Press "Show more" until the last page: every page, the first included."""
    pages = [first]
    while (more := page_button(pages[-1])) is not None:
        await press(slack, more, **where)
        shown = last_post(slack)
        assert shown["replace_original"] is True  # the member's own message turns its page
        pages.append(shown["blocks"])
    return pages


def last_post(slack: SlackApp) -> dict[str, Any]:
    return slack.fake.named("response_url")[-1].params


async def first_page(slack: SlackApp, text: str = "report") -> dict[str, Any]:
    response = await slack.command("/benchmate", text)
    assert response.status == 200
    body = await response.json()
    check_message(body)
    return body


# --- messages ---------------------------------------------------------------------------


async def test_long_reply_comes_a_page_at_a_time_and_show_more_brings_the_rest(
    slack: SlackApp,
) -> None:
    body = await first_page(slack)
    assert body["response_type"] == "ephemeral"
    pages = await read_on(slack, body["blocks"])
    assert len(pages) > 3
    assert check_sent(slack.fake) == len(pages) - 1  # every page posted is valid Block Kit
    assert page_button(pages[0], "slack:more#back") is None
    assert page_button(pages[-1], "slack:more#back") is not None
    assert_whole_report(pages)


async def test_pressing_twice_shows_the_same_page_and_back_goes_back(slack: SlackApp) -> None:
    body = await first_page(slack)
    more = page_button(body["blocks"])
    assert more is not None and more["text"]["text"].startswith("Show more (2 of ")
    await press(slack, more)
    await press(slack, more)
    first, second = slack.fake.named("response_url")
    assert first.params == second.params
    back = page_button(second.params["blocks"], "slack:more#back")
    assert back is not None
    await press(slack, back)
    assert last_post(slack)["blocks"] == body["blocks"]


async def test_a_channel_reply_pages_privately_for_whoever_asks(slack: SlackApp) -> None:
    body = await first_page(slack, "report public")
    assert body["response_type"] == "in_channel"
    more = page_button(body["blocks"])
    assert more is not None
    await press(slack, more, ephemeral=False, user="U0002")  # anyone in the channel may read on
    shown = last_post(slack)
    assert (shown["response_type"], shown["replace_original"]) == ("ephemeral", False)
    check_message(shown)
    assert page_button(shown["blocks"], "slack:more#back") is not None


async def test_a_private_reply_is_not_paged_for_someone_else_or_after_it_expired(
    slack: SlackApp, clock: FixedClock
) -> None:
    body = await first_page(slack)
    more = page_button(body["blocks"])
    assert more is not None
    await press(slack, more, user="U0002")
    assert last_post(slack)["text"] == NOT_YOURS
    assert last_post(slack)["replace_original"] is False
    await press(slack, {**more, "value": "made-up-token:2"})
    assert last_post(slack)["text"] == GONE
    clock.advance(timedelta(days=31))
    await press(slack, more)
    assert last_post(slack)["text"] == GONE
    assert check_sent(slack.fake) == 3


async def test_a_long_reply_in_a_dm_pages_in_place(slack: SlackApp) -> None:
    assert (await slack.event({**DM, "text": "report"}, "Ev1")).status == 200
    [post] = slack.fake.named("chat.postMessage")
    more = page_button(post.params["blocks"])
    assert more is not None
    await press(slack, more, ephemeral=False, channel="D0001")
    assert last_post(slack)["replace_original"] is True
    assert check_sent(slack.fake) == 2


async def test_proactive_long_message_goes_with_its_pages(
    slack: SlackApp, clock: FixedClock
) -> None:
    sender = SlackSender(
        slack.fake.api_url, single_token("xoxb-test"), Pager(slack.runtime.sessions, clock)
    )
    await sender.send(Target("slack", TEAM, user_id=USER), long_report())
    [post] = slack.fake.named("chat.postMessage")
    pages = await read_on(slack, post.params["blocks"], ephemeral=False, channel="D0001")
    assert_whole_report(pages)
    more = page_button(post.params["blocks"])
    assert more is not None
    await press(slack, more, ephemeral=False, channel="D0001", user="U0002")
    assert last_post(slack)["text"] == NOT_YOURS  # a DM's pages are its reader's alone
    assert check_sent(slack.fake) == len(pages) + 1


# --- views -----------------------------------------------------------------------------


async def test_long_app_home_pages_within_the_view(slack: SlackApp) -> None:
    event = {"type": "app_home_opened", "user": USER, "channel": "D0001", "tab": "home"}
    assert (await slack.event(event, "Ev9")).status == 200
    [publish] = slack.fake.named("views.publish")
    pages = [publish.params["view"]["blocks"]]
    assert 50 < len(pages[0]) <= 100  # a view holds up to 100 blocks
    while (more := page_button(pages[-1])) is not None:
        await press(slack, more, view={"id": "VHOME", "type": "home", "title": {"text": ""}})
        pages.append(slack.fake.named("views.publish")[-1].params["view"]["blocks"])
    texts = [b["text"]["text"] for b in content(pages)]
    assert texts == ["Hello Priya!", *(f"Home row {i}" for i in range(250))]
    assert check_sent(slack.fake) == len(pages)


async def test_long_update_inside_a_modal_pages_within_the_modal(slack: SlackApp) -> None:
    modal = {"id": "V0001", "hash": "h1", "type": "modal", "title": {"text": "Reports"}}
    await press(slack, {"action_id": "report.open", "value": "3"}, view=modal)
    [update] = slack.fake.named("views.update")
    view = update.params["view"]
    assert view["title"]["text"] == "Reports"
    more = page_button(view["blocks"])
    assert more is not None
    await press(slack, more, view=modal)
    second = slack.fake.named("views.update")[-1].params["view"]
    assert second["blocks"] != view["blocks"]
    assert check_sent(slack.fake) == 2


async def test_oversized_form_still_opens_as_a_valid_modal(slack: SlackApp) -> None:
    body = await slack.command("/benchmate", "report form")
    assert body.status == 200
    [opened] = slack.fake.named("views.open")
    check_modal(opened.params["view"])  # title cut to 24, 100 blocks, state packed under 3,000
    assert check_sent(slack.fake) == 1


# --- without a database ------------------------------------------------------------------


async def test_pages_that_cannot_be_kept_leave_a_trimmed_first_page(clock: FixedClock) -> None:
    runtime = create_runtime(settings_for(UNREACHABLE), clock=clock)
    try:
        drawn = await Pager(runtime.sessions, clock).message(long_report(), TEAM, USER)
    finally:
        await runtime.close()
    check_message(drawn)
    assert page_button(drawn["blocks"]) is None
    assert "did not fit" in drawn["blocks"][-1]["elements"][0]["text"]


async def test_only_long_replies_are_kept(slack: SlackApp) -> None:
    await first_page(slack, "report short")
    async with slack.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OverflowReply)) == 0
    await first_page(slack)
    async with slack.runtime.sessions() as session:
        kept = await session.scalar(select(OverflowReply))
    assert (kept.platform, kept.workspace, kept.reader) == ("slack", TEAM, USER)
