"""The neutral reply model: what a handler says, before any platform draws it.

Every string here is plain text. Adapters escape it for their own markup, so
whatever a member typed is always shown back inert. `Message.text` is always
present: it is the notification text and the fallback where blocks cannot be
drawn.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from store.types import RawJSON

ButtonStyle = Literal["primary", "danger"] | None
InputKind = Literal["text", "long_text", "number", "date", "select", "multi_select", "checkbox"]


class Confirm(BaseModel):
    title: str
    text: str
    confirm: str = "Yes"
    deny: str = "Cancel"


# What a platform without confirm dialogs (Teams) sends when the member chooses `deny`:
# the core answers that nothing changed.
KEEP_AS_IS = "core.keep"


class Option(BaseModel):
    label: str
    value: str


class Button(BaseModel):
    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle = None
    confirm: Confirm | None = None
    url: str | None = None


class Heading(BaseModel):
    kind: Literal["heading"] = "heading"
    text: str


class Section(BaseModel):
    kind: Literal["section"] = "section"
    text: str
    button: Button | None = None


class Fields(BaseModel):
    """Label/value pairs: Slack section fields, a Teams FactSet."""

    kind: Literal["fields"] = "fields"
    pairs: list[tuple[str, str]]


class Actions(BaseModel):
    kind: Literal["actions"] = "actions"
    buttons: list[Button]


class Select(BaseModel):
    kind: Literal["select"] = "select"
    action_id: str
    placeholder: str
    options: list[Option]
    multi: bool = False
    initial: list[str] = Field(default_factory=list)


class Image(BaseModel):
    kind: Literal["image"] = "image"
    url: str
    alt: str


class Hint(BaseModel):
    """A small grey line: hints, timestamps, who can see this."""

    kind: Literal["context"] = "context"  # the wire name, kept in queued messages
    text: str


class Divider(BaseModel):
    kind: Literal["divider"] = "divider"


Block = Annotated[
    Heading | Section | Fields | Actions | Select | Image | Hint | Divider,
    Field(discriminator="kind"),
]


class Message(BaseModel):
    """A reply or a proactive message: its blocks, and the plain text shown where blocks
    are not (notifications, screen readers, the console). Give only the blocks and the
    text is read from them (`fallback_text`)."""

    text: str = ""
    blocks: list[Block] = Field(default_factory=list)

    @model_validator(mode="after")
    def _text_from_blocks(self) -> Message:
        if not self.text:
            self.text = fallback_text(self.blocks)
        return self


def fallback_text(blocks: list[Block]) -> str:
    """What the blocks say, one line each: headings, sections, and each field as
    "  label — value". Buttons, hints, pictures and dividers add nothing."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading | Section):
            lines.append(block.text)
        elif isinstance(block, Fields):
            lines.extend(f"  {label} — {value}" for label, value in block.pairs)
    return "\n".join(lines)


class Input(BaseModel):
    name: str
    label: str
    kind: InputKind = "text"
    required: bool = True
    hint: str | None = None
    placeholder: str | None = None
    options: list[Option] = Field(default_factory=list)
    initial: str | list[str] | bool | None = None
    max_length: int | None = None
    # Free text counted in words: the limit is checked on submit, and shown as a live count
    # where the platform can update a form while it is being typed in (Slack).
    word_limit: int | None = None
    min_value: float | None = None
    max_value: float | None = None


class Form(BaseModel):
    """A form to fill: a Slack modal, a Teams card or dialog, prompts in the console.

    `state` is opaque to adapters and comes back with the submission; it is
    never trusted for who may do what.
    """

    form_id: str
    title: str
    inputs: list[Input]
    submit_label: str = "Save"
    intro: str | None = None
    state: str = ""
    errors: dict[str, str] = Field(default_factory=dict)


def text_message(text: str) -> Message:
    return Message(text=text, blocks=[Section(text=text)])


class Template:
    """A message built once and filled in many times, for sweeps that queue thousands.

    Write `{{name}}` where a value goes (in text or a button value); `fill` returns
    the message as the outbox stores it. Values are put in as plain strings in one
    pass, so a value that itself contains `{{…}}` is left as typed.
    """

    _SLOT = re.compile(r"\{\{(\w+)\}\}")

    def __init__(self, message: Message) -> None:
        self._json = json.dumps(message.model_dump(mode="json"))
        # Split once at the slots: text, name, text, name, …, text.
        self._parts = self._SLOT.split(self._json)

    def fill(self, **values: object) -> RawJSON:
        """The message as JSON text, ready for the outbox without another round of encoding."""
        parts = self._parts[:]
        for at in range(1, len(parts), 2):
            value = values[parts[at]]
            # A number needs no escaping; anything else is escaped as a JSON string's inside.
            parts[at] = str(value) if type(value) is int else json.dumps(str(value))[1:-1]
        return RawJSON("".join(parts))
