"""Block Kit rendering: within Slack's limits, member text inert, golden renders."""

from __future__ import annotations

import json

from adapters.slack.modals import pack_metadata, render_modal, submitted_fields, unpack_metadata
from adapters.slack.pages import page_buttons
from adapters.slack.render import (
    MESSAGE_BLOCKS,
    draw_blocks,
    neutral_action_id,
    paginate,
    render_home,
    render_message,
)
from bot.router import CommandRoute
from bot.ui import (
    Actions,
    Button,
    Confirm,
    Divider,
    Fields,
    Form,
    Heading,
    Hint,
    Image,
    Input,
    Message,
    Option,
    Section,
    Select,
)
from handlers.help import help_message
from handlers.profile import router as profile_router
from tests.conftest import Golden
from tests.slack_fakes import check_blocks, check_modal

NASTY = "<!channel> hi <@U999> & <https://evil.example|click me> <!here>"


def all_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def test_member_text_is_inert_everywhere() -> None:
    message = Message(
        text=NASTY,
        blocks=[
            Heading(text=NASTY),
            Section(text=NASTY, button=Button(label=NASTY, action_id="x.y")),
            Fields(pairs=[(NASTY, NASTY)]),
            Hint(text=NASTY),
            Select(action_id="x.pick", placeholder=NASTY, options=[Option(label=NASTY, value="1")]),
        ],
    )
    rendered = render_message(message)
    check_blocks(rendered["blocks"])
    text = all_text(rendered)
    for dangerous in ("<!channel>", "<!here>", "<@U999>", "<https://"):
        assert dangerous not in text
    assert rendered["text"].startswith("&lt;!channel&gt; hi &lt;@U999&gt; &amp; ")
    section = rendered["blocks"][1]["text"]
    assert section["type"] == "plain_text"  # never parsed for formatting


def oversized_blocks() -> list:
    same = [
        Button(label="Request " + "x" * 100, action_id="mentor.request", value=str(i))
        for i in range(40)
    ]
    return [
        Heading(text="H" * 400),
        Section(text=("word " * 2000) + "&" * 50),
        Fields(pairs=[(f"label {i}", "v" * 2500) for i in range(23)]),
        Actions(buttons=same),
        Select(
            action_id="x.pick",
            placeholder="p" * 300,
            options=[Option(label="o" * 90, value=str(i) * 20) for i in range(150)],
        ),
        *[Section(text=f"item {i}") for i in range(60)],
        Heading(text="The end"),
        Image(url="https://example.org/a.png", alt="a" * 3000),
        Divider(),
    ]


def test_oversized_content_is_cut_into_pages_slack_accepts() -> None:
    drawn = draw_blocks(oversized_blocks())
    pages = paginate(drawn, MESSAGE_BLOCKS)
    assert len(pages) > 2
    for page in pages:
        check_blocks(page)  # within 50 blocks and Slack's total of text
        assert len(page) <= MESSAGE_BLOCKS - 1  # room left for the page buttons
    assert [block for page in pages for block in page] == drawn  # nothing lost or repeated
    assert all(page[-1]["type"] != "header" for page in pages)  # a heading goes with its part
    ids = [e["action_id"] for b in drawn if b["type"] == "actions" for e in b["elements"]]
    assert ids[:3] == ["mentor.request", "mentor.request#2", "mentor.request#3"]
    assert neutral_action_id(ids[2]) == "mentor.request"
    fields = [b for b in drawn if "fields" in b]
    assert all(sum(len(f["text"]) for f in b["fields"]) <= 3000 for b in fields)


def test_without_kept_pages_the_first_page_goes_with_a_note() -> None:
    rendered = render_message(Message(text="t" * 50_000, blocks=oversized_blocks()))
    check_blocks(rendered["blocks"])
    assert len(rendered["text"]) <= 3000
    assert "more that did not fit" in rendered["blocks"][-1]["elements"][0]["text"]
    home = render_home(Message(text="home", blocks=[Section(text=str(i)) for i in range(300)]))
    check_blocks(home["blocks"], max_blocks=100)


def test_small_content_is_one_page_without_buttons() -> None:
    drawn = draw_blocks([Section(text=f"item {i}") for i in range(50)])
    assert paginate(drawn, MESSAGE_BLOCKS) == [drawn]
    assert len(paginate(drawn + draw_blocks([Divider()]), MESSAGE_BLOCKS)) == 2


def test_long_section_is_split_not_cut() -> None:
    text = "\n".join(f"line {i} " + "y" * 80 for i in range(100))
    sections = render_message(Message(text="t", blocks=[Section(text=text)]))["blocks"]
    check_blocks(sections)
    assert len(sections) > 1
    assert sum(len(s["text"]["text"]) for s in sections) >= len(text) - len(sections)


def test_modal_fits_slack_and_round_trips_its_state() -> None:
    form = Form(
        form_id="event.announce",
        title="Announce a hub event to the whole network",
        submit_label="Send to everyone who follows",
        intro="<!channel> intro",
        state="s" * 2500,
        inputs=[
            Input(name="title", label="Title", max_length=5000, initial="<@U1> talk"),
            Input(name="when", label="When", kind="date", initial="2026-03-14"),
            Input(name="seats", label="Seats", kind="number", min_value=1, max_value=500),
            Input(
                name="where",
                label="Where",
                kind="select",
                options=[Option(label=str(i), value=str(i)) for i in range(150)],
                initial="3",
            ),
            Input(
                name="who",
                label="Who",
                kind="multi_select",
                options=[Option(label="a", value="a"), Option(label="b", value="b")],
                initial=["b"],
            ),
            Input(name="agree", label="I agree", kind="checkbox", initial=True, required=False),
        ],
        errors={"title": "Too long", "elsewhere": "Something else"},
    )
    view = render_modal(form, {"c": "C1", "r": "https://hooks.slack.test/x"}, inline_errors=True)
    check_modal(view)
    assert "<!channel>" not in all_text(view["blocks"])
    meta = unpack_metadata(view["private_metadata"])
    assert meta == {"c": "C1", "r": "https://hooks.slack.test/x", "s": "s" * 2500}
    select = next(b for b in view["blocks"] if b.get("block_id") == "where")["element"]
    assert select["initial_option"]["value"] == "3"
    warnings = [b for b in view["blocks"] if b["type"] == "context"]
    assert len(warnings) == 2  # the stray error at the top, the title's under its field


def test_big_state_is_compressed_under_the_metadata_limit() -> None:
    packed = pack_metadata({"s": "abc" * 3000})
    assert len(packed) <= 3000 and packed.startswith("z:")
    assert unpack_metadata(packed) == {"s": "abc" * 3000}


def test_submitted_values_by_input_name() -> None:
    values = {
        "name": {"n": {"type": "plain_text_input", "value": "Sam"}},
        "when": {"w": {"type": "datepicker", "selected_date": "2026-03-14"}},
        "where": {"x": {"type": "static_select", "selected_option": {"value": "3"}}},
        "who": {"y": {"type": "multi_static_select", "selected_options": [{"value": "a"}]}},
        "agree": {"z": {"type": "checkboxes", "selected_options": []}},
    }
    assert submitted_fields(values) == {
        "name": "Sam",
        "when": "2026-03-14",
        "where": "3",
        "who": ["a"],
        "agree": False,
    }


def test_golden_help_message(golden: Golden) -> None:
    # A fixed list of commands, so the golden file does not move as features land.
    async def unused(ctx: object, args: str) -> None:
        return None

    routes = [
        CommandRoute("help", None, unused, None, "Show what I can do for you", "help mentor"),
        CommandRoute("profile", None, unused, None, "See your profile", "profile"),
        CommandRoute("mentor", "find", unused, None, "Suggest mentors <&>", "mentor find lc-ms"),
    ]
    golden("slack_help", render_message(help_message(routes, welcome=True)))


def test_golden_profile_modal_with_errors(golden: Golden) -> None:
    assert "profile.edit" in profile_router.forms
    form = Form(
        form_id="profile.edit",
        title="Your profile",
        inputs=[
            Input(name="display_name", label="Name", initial="Priya <b>", max_length=100),
            Input(
                name="institution",
                label="Institution",
                kind="select",
                required=False,
                options=[Option(label="Uni of Leeds & York", value="1")],
                initial="1",
            ),
            Input(
                name="specialisms",
                label="Specialisms",
                kind="long_text",
                required=False,
                hint="Separate them with commas",
            ),
        ],
        state="v1",
        errors={"display_name": "Please fill this in."},
    )
    golden("slack_profile_modal", render_modal(form, {"c": "C0001"}, inline_errors=True))


def test_golden_card_with_buttons(golden: Golden) -> None:
    message = Message(
        text="Mentor suggestions",
        blocks=[
            Heading(text="Mentors for LC-MS"),
            Section(
                text="Sam Okafor — Leeds & York",
                button=Button(
                    label="Request", action_id="mentor.request", value="12", style="primary"
                ),
            ),
            Section(
                text="Ana Silva — Sheffield",
                button=Button(label="Request", action_id="mentor.request", value="14"),
            ),
            Actions(
                buttons=[
                    Button(
                        label="Leave scheme",
                        action_id="mentor.leave",
                        style="danger",
                        confirm=Confirm(title="Leave?", text="You can rejoin later."),
                    ),
                    Button(
                        label="Guide", action_id="mentor.guide", url="https://example.org/guide"
                    ),
                ]
            ),
            Hint(text="Only you can see this."),
        ],
    )
    golden("slack_mentor_card", render_message(message))


def test_typed_slack_markup_becomes_command_text() -> None:
    from adapters.slack.translate import command_text

    typed = "request <@U123|sam> about <https://x.org|x.org> in <#C1|lab> &lt;b&gt; &amp; <!here>"
    expected = "mentor request <@U123> about x.org in #lab <b> & @here"
    assert command_text("/mentor", typed) == expected
    assert command_text("/benchmate", "") == "help"
    assert command_text("/benchmate", "profile edit") == "profile edit"


def test_golden_page_buttons(golden: Golden) -> None:
    golden("slack_page_buttons", {"blocks": [page_buttons("TOKEN", 2, 3)]})
