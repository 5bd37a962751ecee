"""Announcing an event: the form, the preview and its reach, Send (once), guard rails."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.harness import Harness
from bot.settings import Settings
from bot.ui import Message
from store.models import Channel
from tests.events_network import (
    announce,
    draft,
    event_fields,
    latest_event,
    member_ids,
    person,
    place,
    rows,
)


async def test_audience_by_institution_and_interest_across_platforms(harness: Harness) -> None:
    north, south = await place(harness, "northmoor"), await place(harness, "southby")
    await person(harness, "dan", institution=north, roles=["champion"])
    # Priya uses Slack and Teams: one member, so one announcement.
    priya = await person(
        harness, "priya", institution=north, specialisms=["LC-MS"], platforms=["slack", "teams"]
    )
    oli = await person(harness, "oli", institution=north, specialisms=["mass spectrometry"])
    tess = await person(harness, "tess", institution=north, specialisms=["microscopy"])
    sam = await person(
        harness, "sam", institution=south, specialisms=["lc-ms"], platforms=["teams"]
    )
    await person(harness, "gone", institution=north, specialisms=["lc-ms"], platforms=[])

    preview = await draft(
        harness,
        "dan",
        audience="chosen",
        institutions=[str(north)],
        interests="lc-ms, Mass Spectrometry",
    )
    assert "This will reach 2 people" in preview.text  # priya (twice over) and oli; not sam
    assert "University of Northmoor" in preview.text
    assert await rows(harness, "broadcast:") == []  # nothing goes before Send

    await harness.press("dan", preview.button("Send"))
    assert await member_ids(harness, "broadcast:") == sorted([priya, oli])

    # Interest alone: across institutions and platforms.
    await announce(harness, "dan", title="LC-MS clinic", audience="chosen", interests="lc-ms")
    event = await latest_event(harness)
    assert await member_ids(harness, f"broadcast:{event.id}:") == sorted([priya, sam])
    # The whole network: everyone reachable, once each.
    await announce(harness, "dan", title="Showcase")
    event = await latest_event(harness)
    everyone = await member_ids(harness, f"broadcast:{event.id}:")
    assert len(everyone) == len(set(everyone)) == 5 and tess in everyone


async def test_channels_get_a_post_and_the_preview_counts_them(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    now = harness.runtime.clock.now()
    async with harness.runtime.sessions() as session, session.begin():
        hub = Channel(
            platform="teams", workspace="t-1", channel_id="19:hub", name="hub", created_at=now
        )
        old = Channel(
            platform="slack",
            workspace="T1",
            channel_id="C0",
            name="old",
            active=False,
            created_at=now,
        )
        session.add_all([hub, old])
        await session.flush()
        hub_id = hub.id
    opened = await harness.say("dan", "event new")
    assert opened.form is not None
    channel_input = next(i for i in opened.form.inputs if i.name == "channels")
    assert [o.label for o in channel_input.options] == ["#hub (Teams)"]  # active ones only
    preview = await harness.submit(
        "dan", opened.form, event_fields(audience="chosen", channels=[str(hub_id)])
    )
    assert "This will reach 0 people and 1 channel" in preview.text
    await harness.press("dan", preview.button("Send"))
    [post] = await rows(harness, "broadcast:")
    assert post.channel_id == hub_id and post.member_id is None


async def test_send_twice_sends_once(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    await person(harness, "priya")
    preview = await draft(harness, "dan")
    send = preview.button("Send")
    first = await harness.press("dan", send)
    again = await harness.press("dan", send)
    assert "Sent!" in first.text
    assert "already been sent" in again.text
    assert len(await rows(harness, "broadcast:")) == 2  # dan and priya, once each


async def test_the_form_refuses_bad_input_kindly(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    long = await draft(harness, "dan", description="x" * 10_000, title="y" * 10_000)
    assert "under 3,000 characters" in long.errors["description"]
    assert "under 150 characters" in long.errors["title"]
    past = await draft(harness, "dan", day="2026-03-01")
    assert "in the past" in past.errors["day"]
    backwards = await draft(harness, "dan", starts="16:00", ends="14:00")
    assert "after the start" in backwards.errors["ends"]
    nowhere = await draft(harness, "dan", location="", online_url="")
    assert "online link" in nowhere.errors["location"]
    sneaky = await draft(harness, "dan", online_url="javascript:alert(1)")
    assert "https://" in sneaky.errors["online_url"]
    nobody = await draft(harness, "dan", audience="chosen")
    assert "at least one institution" in nobody.errors["audience"]
    late = await draft(harness, "dan", deadline="2026-03-11")
    assert "on or before the event" in late.errors["deadline"]
    assert long.form is not None and long.form.inputs[1].initial == "x" * 10_000  # nothing lost
    assert await rows(harness, "broadcast:") == []


async def test_only_champions_and_admins_organise(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    await person(harness, "ada", roles=["admin"])
    await person(harness, "priya")
    event = await announce(harness, "dan")
    for command in ("event new", "event edit", "event cancel", "event status", "event attendance"):
        turn = await harness.say("priya", command)
        assert "only for network champions" in turn.text, command
        assert turn.form is None
    # Buttons name the event, but the server decides: a member can't press a champion's button.
    for action in ("event.send", "event.cancel", "event.status", "event.edit", "event.attendance"):
        turn = await harness.press("priya", action, str(event.id))
        assert "only for network champions" in turn.text, action
    # Another champion can't manage Dan's event; an admin can.
    await person(harness, "wei", roles=["champion"])
    assert (
        "can't find that event" in (await harness.press("wei", "event.status", str(event.id))).text
    )
    assert "Delivered" in (await harness.press("ada", "event.status", str(event.id))).text


async def test_network_wide_broadcasts_are_limited_per_day(harness: Harness) -> None:
    harness.runtime.settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=harness.runtime.settings.database_url,
        benchmate_broadcasts_per_day=2,
    )
    north = await place(harness, "northmoor")
    await person(harness, "dan", institution=north, roles=["champion"])
    await announce(harness, "dan", title="One")
    await announce(harness, "dan", title="Two")
    third = await draft(harness, "dan", title="Three")
    assert "the most allowed (2)" in third.text  # warned in the preview
    refused = await harness.press("dan", third.button("Send"))
    assert "can't go to everyone today" in refused.text
    # Targeted announcements are not limited; tomorrow the limit resets.
    await announce(harness, "dan", title="Four", audience="chosen", institutions=[str(north)])
    harness.runtime.clock.advance(timedelta(days=1, minutes=1))  # type: ignore[attr-defined]
    assert "Sent!" in (await harness.press("dan", third.button("Send"))).text


async def test_discard_and_stale_buttons(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    preview = await draft(harness, "dan")
    gone = await harness.press("dan", preview.button("Discard"))
    assert "Nothing was sent" in gone.text
    stale = await harness.press("dan", preview.button("Send"))
    assert "can't find that event" in stale.text
    assert "older message" in (await harness.press("dan", "event.rsvp", "nonsense")).text


async def test_a_draft_can_be_edited_before_sending(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    preview = await draft(harness, "dan")
    opened = await harness.press("dan", preview.button("Edit"))
    assert opened.form is not None and opened.form.form_id == "event.new"
    assert {i.name: i.initial for i in opened.form.inputs}["starts"] == "14:00"
    again = await harness.submit("dan", opened.form, event_fields(title="Renamed tour"))
    assert "Renamed tour" in again.text
    event = await latest_event(harness)
    assert event.title == "Renamed tour" and event.status == "draft"


@pytest.mark.parametrize("text", ["<!channel> *bold* [link](http://evil.example) @here \u202e"])
async def test_typed_text_stays_inert_in_slack_and_teams(harness: Harness, text: str) -> None:
    from adapters.slack.render import render_message
    from adapters.teams.cards import message_cards
    from tests.slack_fakes import check_blocks

    await person(harness, "dan", roles=["champion"])
    await person(harness, "priya", platforms=["slack"])
    await announce(
        harness, "dan", title=text[:100], description=text * 50, online_url="https://x.example/j"
    )
    row = next(r for r in await rows(harness, "broadcast:") if r.member_id)
    message = Message.model_validate(row.payload)
    assert "\u202e" not in (await latest_event(harness)).description  # no hidden reversals
    slack = render_message(message)
    check_blocks(slack["blocks"])
    drawn = str(slack)
    assert "<!channel>" not in drawn and "&lt;!channel&gt;" in drawn
    buttons = [e for b in slack["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == [
        "Going",
        "Maybe",
        "Can't go",
        "Add to calendar",
        "Join online",
    ]
    assert buttons[3]["url"].startswith("http://127.0.0.1:3978/calendar/")
    cards = message_cards(message)
    shown = str([card["body"] for card in cards])  # what Teams draws as Markdown
    assert "[link](http" not in shown and r"\\[link\\](http" in shown
    actions = [
        a
        for card in cards
        for el in card["body"]
        if el["type"] == "ActionSet"
        for a in el["actions"]
    ]
    assert [a["type"] for a in actions][-2:] == ["Action.OpenUrl", "Action.OpenUrl"]


async def test_the_event_forms_fit_slack_modals_and_teams_cards(harness: Harness) -> None:
    from adapters.slack.modals import render_modal
    from adapters.teams.cards import CARD_BUDGET, form_card, size_of
    from tests.slack_fakes import check_modal

    north = await place(harness, "northmoor")
    await person(harness, "ada", institution=north, roles=["admin"])  # admins may announce too
    opened = await harness.say("ada", "event new")
    assert opened.form is not None
    errors = await harness.submit("ada", opened.form, event_fields(title="", starts="2pm"))
    assert errors.form is not None and set(errors.errors) == {"title", "starts"}
    for form in (opened.form, errors.form):
        check_modal(render_modal(form, {"state": form.state}, inline_errors=True))
        assert size_of(form_card(form)) < CARD_BUDGET
    event = await announce(harness, "ada")
    changing = await harness.press("ada", "event.edit", str(event.id))
    assert changing.form is not None and "audience" not in {i.name for i in changing.form.inputs}
    check_modal(render_modal(changing.form, {"state": changing.form.state}))
