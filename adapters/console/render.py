"""Neutral replies drawn as plain text, with numbered buttons to press."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.responses import FormErrors, OpenForm, Reply, Response, Update
from bot.ui import (
    Actions,
    Button,
    Divider,
    Fields,
    Form,
    Heading,
    Hint,
    Image,
    Input,
    Message,
    Section,
    Select,
)

KIND_HINTS = {
    "text": "text",
    "long_text": "longer text",
    "number": "a number",
    "date": "a date, YYYY-MM-DD",
    "select": "choose one",
    "multi_select": "choose any, separated by commas",
    "checkbox": "yes or no",
}


@dataclass
class Controls:
    """What the last reply (and the messages it sent others) offered, by number.

    A button on a message delivered to another member remembers whose it is, so
    pressing it is done as them (`!as HANDLE` first).
    """

    by_number: dict[int, Button | Select] = field(default_factory=dict)
    owners: dict[int, str] = field(default_factory=dict)

    def add(self, control: Button | Select, owner: str | None = None) -> int:
        number = len(self.by_number) + 1
        self.by_number[number] = control
        if owner is not None:
            self.owners[number] = owner
        return number


def render_responses(responses: list[Response], controls: Controls) -> str:
    parts = []
    for response in responses:
        if isinstance(response, Reply):
            parts.append(render_message(response.message, controls))
        elif isinstance(response, Update):
            parts.append("(updated)\n" + render_message(response.message, controls))
        elif isinstance(response, OpenForm | FormErrors):
            parts.append(render_form(response.form))
    return "\n\n".join(part for part in parts if part)


def render_message(message: Message, controls: Controls, owner: str | None = None) -> str:
    """`owner`: the member a delivered message is for, whose buttons they alone may press."""
    if not message.blocks:
        return message.text
    return "\n".join(_render_block(block, controls, owner) for block in message.blocks)


def _render_block(block: object, controls: Controls, owner: str | None) -> str:
    match block:
        case Heading(text=text):
            return f"{text}\n{'─' * min(len(text), 60)}"
        case Section(text=text, button=None):
            return text
        case Section(text=text, button=Button() as button):
            return f"{text}  {_button(button, controls, owner)}"
        case Fields(pairs=pairs):
            return "\n".join(f"  {label}: {value}" for label, value in pairs)
        case Actions(buttons=buttons):
            return "  ".join(_button(button, controls, owner) for button in buttons)
        case Select() as select:
            number = controls.add(select, owner)
            options = ", ".join(f"{i}) {o.label}" for i, o in enumerate(select.options, 1))
            many = "choose any" if select.multi else "choose one"
            return f"[{number}] {select.placeholder} ({many}): {options}"
        case Image(url=url, alt=alt):
            return f"[image: {alt}] {url}"
        case Hint(text=text):
            return f"· {text}"
        case Divider():
            return "─" * 24
    return ""


def _button(button: Button, controls: Controls, owner: str | None) -> str:
    if button.url:
        return f"[{button.label}: {button.url}]"
    number = controls.add(button, owner)
    marks = {"primary": "*", "danger": "!"}.get(button.style or "", "")
    return f"[{number}{marks} {button.label}]"


def render_form(form: Form) -> str:
    lines = [f"▤ {form.title}"]
    if form.intro:
        lines.append(form.intro)
    if form.errors:
        lines.append("Please check the fields marked ⚠ and send the form again.")
    for field_ in form.inputs:
        lines.append(render_input(field_))
        if field_.name in form.errors:
            lines.append(f"    ⚠ {form.errors[field_.name]}")
    lines.append(
        f"Type “name: value” for each field, then !submit ({form.submit_label}) or !cancel."
    )
    return "\n".join(lines)


def _shown(initial: str | list[str] | bool) -> str:
    if isinstance(initial, bool):
        return "yes" if initial else "no"
    return ", ".join(initial) if isinstance(initial, list) else initial


def render_input(field_: Input) -> str:
    needed = "" if field_.required else ", optional"
    line = f"  {field_.name} — {field_.label} ({KIND_HINTS[field_.kind]}{needed})"
    if field_.options:
        line += ": " + ", ".join(f"{o.value}={o.label}" for o in field_.options)
    if field_.initial not in (None, "", []):
        line += f" [now: {_shown(field_.initial)}]"
    if field_.hint:
        line += f"\n    {field_.hint}"
    return line
