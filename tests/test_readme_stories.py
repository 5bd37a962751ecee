"""The README's pasteable console stories, run exactly as written there.

The scripts are read out of README.md, so the documentation and the product cannot
drift apart: a story that stops working (an unknown command, a button that is not
there, a form that is refused) fails here.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.test_console import console_cli

README = Path(__file__).resolve().parent.parent / "README.md"
STORY = re.compile(
    r"benchmate console (?P<args>[^\n<]*?) <<'EOF'\n(?P<script>.*?)\nEOF\n", re.DOTALL
)
# What a reader would see if a line of a story did not do what it says.
GOING_WRONG = (
    "Sorry, I don't know",
    "There is no button",
    "Please check the fields marked",
    "This form has no field",
    "type !as",
    "something went wrong",
    "I understand !press",
    "no longer works",
    "can't find that",
)
# Milestones each story must reach, by who it starts as.
REACHED = {
    "priya": [
        "would like you as their mentor",
        "You accepted Priya Shah's request",
        "Agreement saved with 1 objective",
        "It's about time to book your next meeting with Kwame Asante",
        "Monday 30 March is in the diary",
        "Did you meet Kwame Asante on Monday 30 March?",
        "Meeting logged.",
        "The relationship is closed",
        "It's time for your end mentoring evaluation",
    ],
    "gareth": [
        "Sent! “Workshop open afternoon” is on its way to 2 people",
        "You're going to “Workshop open afternoon”",
        "you're on the waitlist — number 1 in line",
        "a place has come up at “Workshop open afternoon”",
        "Reminder: “Workshop open afternoon” is coming up",
        "Saved: 1 person came",
        "Thank you! Your feedback is in",
        "1 came. Feedback is open until Wednesday 25 March",
    ],
}


def stories() -> list[tuple[list[str], str]]:
    found = [
        (shlex.split(match["args"]), match["script"] + "\n")
        for match in STORY.finditer(README.read_text())
    ]
    assert len(found) >= 2, "the README's console section has a story per feature"
    return found


def starts_as(args: list[str]) -> str:
    return args[args.index("--as") + 1]


@pytest.mark.parametrize("args, script", stories(), ids=[starts_as(args) for args, _ in stories()])
def test_a_readme_story_plays_to_its_end(args: list[str], script: str, tmp_path: Path) -> None:
    said = console_cli(args, script, tmp_path / "story.db")
    for trouble in GOING_WRONG:
        assert trouble not in said, f"{trouble!r} in:\n{said}"
    assert "1 mentoring scheme," in said and "1 mentoring schemes" not in said
    for milestone in REACHED[starts_as(args)]:
        assert milestone in said, f"{milestone!r} missing from:\n{said}"
