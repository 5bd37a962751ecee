"""The console adapter: every neutral element drawn readably, and a scripted session."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from adapters.console.render import Controls, render_form, render_message
from adapters.console.session import ConsoleSession
from bot.harness import Harness
from bot.runtime import Runtime
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
from tests.mentoring_network import join, network


def test_every_element_is_drawn_as_plain_text() -> None:
    message = Message(
        text="fallback",
        blocks=[
            Heading(text="Suggested mentors"),
            Section(
                text="Sam Okafor, Calderbridge",
                button=Button(label="Request", action_id="mentor.request", value="7"),
            ),
            Fields(pairs=[("Why", "runs an LC-MS facility like you")]),
            Actions(
                buttons=[
                    Button(label="Accept", action_id="mentor.accept", style="primary"),
                    Button(
                        label="Decline",
                        action_id="mentor.decline",
                        style="danger",
                        confirm=Confirm(title="Sure?", text="They will be told kindly."),
                    ),
                    Button(
                        label="Calendar", action_id="event.ics", url="https://example.org/e.ics"
                    ),
                ]
            ),
            Select(
                action_id="event.rsvp",
                placeholder="Your answer",
                options=[
                    Option(label="Going", value="going"),
                    Option(label="Maybe", value="maybe"),
                ],
            ),
            Image(url="https://example.org/chart.png", alt="Attendance chart"),
            Hint(text="Only you can see this."),
            Divider(),
        ],
    )
    controls = Controls()
    text = render_message(message, controls)
    assert "Suggested mentors\n─────" in text
    assert "Sam Okafor, Calderbridge  [1 Request]" in text
    assert "  Why: runs an LC-MS facility like you" in text
    assert "[2* Accept]  [3! Decline]  [Calendar: https://example.org/e.ics]" in text
    assert "[4] Your answer (choose one): 1) Going, 2) Maybe" in text
    assert "[image: Attendance chart] https://example.org/chart.png" in text
    assert "· Only you can see this." in text
    assert "─" * 24 in text
    assert [c.action_id for c in controls.by_number.values()] == [
        "mentor.request",
        "mentor.accept",
        "mentor.decline",
        "event.rsvp",
    ]


def test_a_form_and_its_errors_are_drawn_beside_the_fields() -> None:
    form = Form(
        form_id="x.y",
        title="Log a meeting",
        intro="How did it go?",
        inputs=[
            Input(name="when", label="Date", kind="date"),
            Input(name="happened", label="It happened", kind="checkbox", required=False),
            Input(
                name="objectives",
                label="Objectives",
                kind="multi_select",
                options=[Option(label="Get RSciTech", value="1")],
                initial=["1"],
            ),
            Input(
                name="notes",
                label="Notes",
                kind="long_text",
                required=False,
                hint="Only you see these",
            ),
            Input(name="hours", label="Hours", kind="number"),
            Input(
                name="format",
                label="Format",
                kind="select",
                options=[Option(label="Online", value="online")],
            ),
        ],
        errors={"when": "Please give a date like 2026-03-14."},
    )
    text = render_form(form)
    assert text.startswith("▤ Log a meeting\nHow did it go?")
    assert "  when — Date (a date, YYYY-MM-DD)\n    ⚠ Please give a date like 2026-03-14." in text
    assert "happened — It happened (yes or no, optional)" in text
    assert (
        "objectives — Objectives (choose any, separated by commas): 1=Get RSciTech [now: 1]" in text
    )
    assert "Only you see these" in text and "hours — Hours (a number)" in text
    assert "format — Format (choose one): online=Online" in text


async def test_a_scripted_session_edits_the_profile(runtime: Runtime) -> None:
    out = io.StringIO()
    console = ConsoleSession(runtime, "priya", out=out)
    for line in [
        "help",
        "profile",
        "!press 1",
        "job_title: Mass Spectrometry Technician",
        "specialisms: LC-MS, proteomics",
        "!submit",
        "profile",
    ]:
        await console.say(line)
    text = out.getvalue()
    assert "Here is what you can ask me" in text
    assert "▤ Your profile" in text
    assert text.rstrip().endswith(
        "Only you can see this. Type profile link to join up Slack and Teams."
    )
    last_profile = text.rsplit("Your profile\n", 1)[1]
    assert "Job title: Mass Spectrometry Technician" in last_profile
    assert "Specialisms: lc-ms, proteomics" in last_profile


async def test_a_scripted_form_with_errors_is_shown_again(runtime: Runtime) -> None:
    out = io.StringIO()
    console = ConsoleSession(runtime, "priya", out=out)
    for line in ["profile edit", "display_name: ", "nonsense: 1", "!submit"]:
        await console.say(line)
    text = out.getvalue()
    assert "This form has no field “nonsense”" in text
    assert "⚠ Please fill this in." in text
    assert console.form is not None  # still open to correct


def test_the_console_command_reads_a_script_from_standard_input(tmp_path: Path) -> None:
    script = "help\nprofile edit\njob_title: Workshop Technician\n!submit\nprofile\n"
    said = console_cli(["--as", "dan"], script, tmp_path / "console.db")
    assert "Here is what you can ask me" in said
    assert said.count("Job title: Workshop Technician") == 2  # saved, then shown again


def console_cli(args: list[str], script: str, database: Path) -> str:
    """`benchmate console ARGS < script` in its own process; what it printed."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", *args],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=True,
    )
    return done.stdout


async def priya_asks_farah(runtime: Runtime) -> tuple[ConsoleSession, io.StringIO]:
    """A mentee's request sent from the console to a mentor in another institution."""
    harness = Harness(runtime)
    ids = await network(harness)
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    await join(harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms", capacity="1")
    out = io.StringIO()
    console = ConsoleSession(runtime, "priya", out=out)
    for line in ["mentor find", "!press 1", "message: I hope to learn LC-MS validation", "!submit"]:
        await console.say(line)
    return console, out


async def test_what_a_turn_queues_for_someone_else_is_shown_straight_away(
    runtime: Runtime,
) -> None:
    _, out = await priya_asks_farah(runtime)
    assert "📬 (for Farah @farah)" in out.getvalue()


async def test_buttons_on_a_message_for_someone_else_are_pressed_as_them(
    runtime: Runtime,
) -> None:
    console, out = await priya_asks_farah(runtime)
    delivered = out.getvalue().rsplit("📬 (for Farah @farah)", 1)[1]
    assert "[1* Accept]  [2 Decline]" in delivered
    await console.say("!press 2")
    assert "Button 2 is on farah's message: type !as farah first." in out.getvalue()
    for line in ["!as farah", "!press 2"]:
        await console.say(line)
    assert "▤ Decline a request" in out.getvalue()
    for line in ["reason: Full this term", "!submit"]:
        await console.say(line)
    assert "Thanks for letting them know" in out.getvalue()
    assert "📬 (for Priya @priya) Farah isn't able to take on a mentee just now" in out.getvalue()


async def test_a_tick_moves_the_clock_the_following_lines_use(database_url: str) -> None:
    from bot.clock import SettableClock
    from bot.root import create_runtime
    from tests.conftest import settings_for
    from tests.events_network import person

    monday = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    runtime = create_runtime(settings_for(database_url), clock=SettableClock(monday))
    try:
        await person(Harness(runtime), "gareth", roles=["champion"])
        out = io.StringIO()
        console = ConsoleSession(runtime, "gareth", out=out)
        await console.say("!tick 2026-03-12T09:00Z")
        for line in [
            "event new",
            "title: Workshop open afternoon",
            "description: Tea and lathes",
            "day: 2026-03-11",
            "starts: 14:00",
            "ends: 16:00",
            "location: Workshop",
            "!submit",
        ]:
            await console.say(line)
        assert "That's in the past" in out.getvalue()  # the 11th is behind us after the tick
        assert runtime.clock.now() >= datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
    finally:
        await runtime.close()


async def test_the_console_takes_a_mention_of_benchmate_as_teams_does(runtime: Runtime) -> None:
    out = io.StringIO()
    console = ConsoleSession(runtime, "priya", out=out)
    await console.say("@Benchmate help")
    assert "Here is what you can ask me" in out.getvalue()
    assert "I don't know" not in out.getvalue()


def test_a_form_choice_can_be_typed_as_its_label_or_number_and_yes_no_reads_as_words() -> None:
    from adapters.console.session import _option_value

    options = [Option(label="Chloe Simmons", value="17"), Option(label="Sam Taylor", value="21")]
    assert _option_value(options, "Sam Taylor") == "21"
    assert _option_value(options, "chloe simmons") == "17"
    assert _option_value(options, "2") == "21"
    assert _option_value(options, "17") == "17"
    shown = render_form(
        Form(
            form_id="x.y",
            title="T",
            inputs=[Input(name="paused", label="Paused", kind="checkbox", initial=True)],
        )
    )
    assert "[now: yes]" in shown and "True" not in shown
