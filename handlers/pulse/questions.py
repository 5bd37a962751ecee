"""A survey's questions: typed one per line when setting it up, shown as form inputs when
answering, and described in words in the preview and the results.

    scale: How supported do you feel in your PDR? | Not at all | Fully
    likely: How likely are you to recommend a technician-led event to a colleague?
    choice: Which would help your career most? | Training | Mentoring | Time for CPD
    multi: Which events did you go to this term? | Careers talk | Facility tour
    text: Anything else you'd like the network to know?
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.ui import Input, Option

MAX_QUESTIONS = 10
TEXT_LIMIT = 2000
PROMPT_MAX = 300
OPTION_MAX = 80
MAX_OPTIONS = 10
KINDS = {
    "scale": "a 1–5 scale",
    "likely": "0–10, how likely",
    "choice": "one choice",
    "multi": "any number of choices",
    "text": "free text (optional)",
}
ALIASES = {"nps": "likely", "single": "choice", "multiple": "multi", "comment": "text"}
SCALE_LOW, SCALE_HIGH = "Strongly disagree", "Strongly agree"
EXAMPLE = (
    "scale: I have time for my own development | Strongly disagree | Strongly agree\n"
    "likely: How likely are you to recommend a technician-led event to a colleague?\n"
    "choice: Which would help your career most? | Training | Mentoring | Time for CPD\n"
    "text: Anything else you'd like the network to know?"
)


@dataclass(frozen=True)
class Parsed:
    questions: list[dict[str, Any]]
    error: str | None


def parse(typed: str) -> Parsed:
    """Questions from the set-up form's lines, or the first problem in plain words."""
    lines = [line.strip() for line in (typed or "").splitlines() if line.strip()]
    if not lines:
        return Parsed([], "Please add at least one question — one per line, like the example.")
    if len(lines) > MAX_QUESTIONS:
        return Parsed([], f"Up to {MAX_QUESTIONS} questions, please (there are {len(lines)}).")
    questions = []
    for number, line in enumerate(lines, start=1):
        question, problem = _one(line, number)
        if problem:
            return Parsed([], f"Line {number}: {problem}")
        questions.append(question)
    if sum(q["kind"] == "text" for q in questions) > 1:
        return Parsed([], "One free-text question at most, please.")
    return Parsed(questions, None)


def _one(line: str, number: int) -> tuple[dict[str, Any], str | None]:
    kind, colon, rest = line.partition(":")
    kind = ALIASES.get(kind.strip().lower(), kind.strip().lower())
    if not colon or kind not in KINDS:
        return {}, "start with scale:, likely:, choice:, multi: or text:."
    parts = [part.strip() for part in rest.split("|")]
    prompt, extras = parts[0], [p for p in parts[1:] if p]
    if not prompt:
        return {}, "the question itself is missing."
    if len(prompt) > PROMPT_MAX:
        return {}, f"please keep a question under {PROMPT_MAX} characters."
    question: dict[str, Any] = {"key": f"q{number}", "kind": kind, "prompt": prompt}
    if kind in ("choice", "multi"):
        if len(extras) < 2:
            return {}, "give at least two options after the question, separated by |."
        if len(extras) > MAX_OPTIONS or any(len(o) > OPTION_MAX for o in extras):
            return {}, f"up to {MAX_OPTIONS} options of up to {OPTION_MAX} characters each."
        if len({o.lower() for o in extras}) < len(extras):
            return {}, "two options are the same."
        question["options"] = extras
    elif kind == "scale":
        if len(extras) not in (0, 2) or any(len(o) > OPTION_MAX for o in extras):
            return {}, "a scale takes two labels (lowest | highest), or none."
        question["low"], question["high"] = extras or (SCALE_LOW, SCALE_HIGH)
    elif extras:
        return {}, f"{kind}: questions take no options."
    return question, None


def as_lines(questions: list[dict[str, Any]]) -> str:
    """The questions typed back, to edit a draft."""
    lines = []
    for q in questions:
        extras = q.get("options") or ([q["low"], q["high"]] if q["kind"] == "scale" else [])
        lines.append(" | ".join([f"{q['kind']}: {q['prompt']}", *extras]))
    return "\n".join(lines)


def choices(question: dict[str, Any]) -> list[Option]:
    """A question's answers as options; values are what is stored and counted."""
    kind = question["kind"]
    if kind == "scale":
        labels = {1: question.get("low", SCALE_LOW), 5: question.get("high", SCALE_HIGH)}
        return [
            Option(label=f"{n} — {labels[n]}" if n in labels else str(n), value=str(n))
            for n in range(1, 6)
        ]
    if kind == "likely":
        return [
            Option(
                label={0: "0 — Not at all likely", 10: "10 — Extremely likely"}.get(n, str(n)),
                value=str(n),
            )
            for n in range(11)
        ]
    return [
        Option(label=label, value=str(n))
        for n, label in enumerate(question.get("options") or [], 1)
    ]


def label_of(question: dict[str, Any], value: str) -> str:
    for option in choices(question):
        if option.value == value:
            return option.label
    return value


def as_input(question: dict[str, Any], initial: Any = None) -> Input:
    kind = question["kind"]
    if kind == "text":
        return Input(
            name=question["key"],
            label=question["prompt"],
            kind="long_text",
            required=False,
            max_length=TEXT_LIMIT,
            hint=f"Optional, up to {TEXT_LIMIT:,} characters. Please don't name anyone.",
            initial=initial,
        )
    return Input(
        name=question["key"],
        label=question["prompt"],
        kind="multi_select" if kind == "multi" else "select",
        options=choices(question),
        hint="Choose any that apply." if kind == "multi" else None,
        initial=initial,
    )


def described(question: dict[str, Any]) -> str:
    """ "How supported…? (a 1–5 scale: Not at all … Fully)" for the preview."""
    kind = question["kind"]
    if kind == "scale":
        return f"{question['prompt']} (1 {question['low']} … 5 {question['high']})"
    if kind in ("choice", "multi"):
        return f"{question['prompt']} ({KINDS[kind]}: {', '.join(question['options'])})"
    return f"{question['prompt']} ({KINDS[kind]})"


def minutes(questions: list[dict[str, Any]]) -> int:
    return max(
        1, round(len(questions) * 0.4 + (1.5 if any(q["kind"] == "text" for q in questions) else 0))
    )
