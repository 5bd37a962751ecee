"""Neutral messages and forms drawn as Adaptive Cards 1.5 (plain dicts, no botbuilder).

Teams renders a subset of Markdown inside TextBlocks and FactSets, so every
string from the neutral model is escaped first: what a member typed shows
exactly as typed, never as a link or bold text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.ui import (
    KEEP_AS_IS,
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

Card = dict[str, Any]
Element = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams refuses bot messages over about 28 KB (the activity, not just the card);
# keep each card well inside that and send long content as several cards.
CARD_BUDGET = 24_000
STYLES = {"primary": "positive", "danger": "destructive"}
SELECT_PREFIX = "select:"  # input id of a neutral Select's choice set

# Only what would form Markdown is escaped: some Teams clients (mobile ones) show a
# backslash as typed, so "Hello! I'm Benchmate (beta)" must go out untouched.
_INLINE = re.compile(r"([\\`*\[\]<>~])")  # emphasis, code, links, tags, strikethrough
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # not inside snake_case
_LINE_START = re.compile(r"^(\s*)([-+#])(?=\s)", re.MULTILINE)  # lists and headings
_NUMBERED = re.compile(r"^(\s*)(\d+)\.(?=\s)", re.MULTILINE)


def escape(text: str) -> str:
    """Make text inert in Teams Markdown (no links, emphasis, lists or headings), escaping
    only the characters that would otherwise form Markdown."""
    text = _UNDERSCORE.sub(r"\\_", _INLINE.sub(r"\\\1", text))
    return _NUMBERED.sub(r"\1\2\\.", _LINE_START.sub(r"\1\\\2", text))


# --- messages -------------------------------------------------------------------


def needs_card(message: Message) -> bool:
    """Plain sections alone read better (and lighter) as a text message."""
    return any(
        not isinstance(block, Section | Hint) or (isinstance(block, Section) and block.button)
        for block in message.blocks
    )


def message_cards(message: Message) -> list[Card]:
    """The message as one card, or several when it is too long for one."""
    body: list[Element] = []
    separate = False
    for block in message.blocks:
        if isinstance(block, Divider):
            separate = True
            continue
        elements = _block(block)
        if separate and elements:
            elements[0]["separator"] = True
            separate = False
        body.extend(elements)
    return [_card(page, message.text) for page in paginate(body)]


def _block(block: object) -> list[Element]:
    match block:
        case Heading(text=text):
            return [_text(text, size="Medium", weight="Bolder", style="heading")]
        case Section(text=text, button=None):
            return [_text(text)]
        case Section(text=text, button=Button() as button):
            return [_text(text), _action_set([button])]
        case Fields(pairs=pairs):
            facts = [{"title": escape(label), "value": escape(value)} for label, value in pairs]
            return [{"type": "FactSet", "facts": facts}]
        case Actions(buttons=buttons):
            return [_action_set(buttons)]
        case Select() as select:
            return _select(select)
        case Image(url=url, alt=alt):
            return [{"type": "Image", "url": url, "altText": alt}]
        case Hint(text=text):
            return [_text(text, size="Small", isSubtle=True)]
    return []


def _select(select: Select) -> list[Element]:
    """A choice set plus a button: Teams has no 'fires on change' select."""
    input_id = SELECT_PREFIX + select.action_id
    choices = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "placeholder": select.placeholder,
        "isMultiSelect": select.multi,
        "style": "compact",
        "choices": [{"title": option.label, "value": option.value} for option in select.options],
    }
    if select.initial:
        choices["value"] = ",".join(select.initial)
    submit = {
        "type": "Action.Submit",
        "title": "Choose",
        "data": {"action_id": select.action_id, "select": input_id},
    }
    return [choices, {"type": "ActionSet", "actions": [submit]}]


def _action_set(buttons: list[Button]) -> Element:
    return {"type": "ActionSet", "actions": [_action(button) for button in buttons]}


def _action(button: Button) -> Element:
    if button.url:
        return {"type": "Action.OpenUrl", "title": button.label, "url": button.url}
    submit: Element = {
        "type": "Action.Submit",
        "title": button.label,
        "data": {"action_id": button.action_id, "value": button.value},
    }
    if button.style:
        submit["style"] = STYLES[button.style]
    if button.confirm is None:
        return submit
    # Adaptive Cards have no confirm dialog: ask on a card that opens in place, with a
    # clear confirm and a clear way back (which changes nothing and says so).
    confirm = button.confirm
    submit["title"] = confirm.confirm
    back = {
        "type": "Action.Submit",
        "title": confirm.deny,
        "data": {"action_id": KEEP_AS_IS, "value": ""},
    }
    return {
        "type": "Action.ShowCard",
        "title": button.label,
        "card": {
            "type": "AdaptiveCard",
            "body": [_text(confirm.title, weight="Bolder"), _text(confirm.text)],
            "actions": [submit, back],
        },
    }


# --- forms ------------------------------------------------------------------------


def form_card(form: Form) -> Card:
    body: list[Element] = [_text(form.title, size="Medium", weight="Bolder", style="heading")]
    if form.intro:
        body.append(_text(form.intro))
    if form.errors:
        body.append(_attention("Please check the fields marked below and send the form again."))
    for field in form.inputs:
        body.extend(_input(field))
        if field.hint:
            body.append(_text(field.hint, size="Small", isSubtle=True, spacing="None"))
        if field.name in form.errors:
            body.append(_attention(form.errors[field.name]))
    submit = {
        "type": "Action.Submit",
        "title": form.submit_label,
        "style": "positive",
        "data": {"form_id": form.form_id, "state": form.state},
    }
    card = _card(body, form.title)
    card["actions"] = [submit]
    return card


def _input(field: Input) -> list[Element]:
    element: Element = {"id": field.name, "label": field.label, "isRequired": field.required}
    if field.required:
        element["errorMessage"] = "Please fill this in."
    if field.placeholder:
        element["placeholder"] = field.placeholder
    initial = field.initial
    match field.kind:
        case "text" | "long_text":
            element.update(type="Input.Text", isMultiline=field.kind == "long_text")
            if field.max_length:
                element["maxLength"] = field.max_length
        case "number":
            element["type"] = "Input.Number"
            if field.min_value is not None:
                element["min"] = field.min_value
            if field.max_value is not None:
                element["max"] = field.max_value
        case "date":
            element["type"] = "Input.Date"
        case "select" | "multi_select":
            element.update(
                type="Input.ChoiceSet",
                isMultiSelect=field.kind == "multi_select",
                style="compact" if field.kind == "select" else "expanded",
                choices=[{"title": o.label, "value": o.value} for o in field.options],
            )
        case "checkbox":
            element.update(type="Input.Toggle", title=field.label, valueOn="true", valueOff="false")
            element.pop("errorMessage", None)
            element["isRequired"] = False  # an unticked box is an answer too
            initial = "true" if initial is True else "false" if initial is False else initial
    if isinstance(initial, list):
        initial = ",".join(initial)
    value = _number(initial) if field.kind == "number" else initial
    if value not in (None, ""):
        element["value"] = value if isinstance(value, float) else str(value)
    return [element]


def _number(value: object) -> float | None:
    """Input.Number takes only a number: text that is not one is left out (its error says why)."""
    try:
        return float(str(value))
    except ValueError:
        return None


# --- shared -------------------------------------------------------------------------


def _text(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": escape(text), "wrap": True, **style}


def _attention(text: str) -> Element:
    return _text(text, color="attention", size="Small", spacing="None")


def _card(body: list[Element], fallback: str) -> Card:
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": "1.5",
        "fallbackText": fallback[:1000],
        "msteams": {"width": "Full"},
        "body": body,
    }


def size_of(element: object) -> int:
    return len(json.dumps(element, ensure_ascii=False).encode())


def paginate(body: list[Element], budget: int = CARD_BUDGET) -> list[list[Element]]:
    """Split card elements into pages of at most `budget` bytes; long text is cut by lines."""
    pages: list[list[Element]] = [[]]
    used = 0
    for element in _pieces(body, budget):
        size = size_of(element)
        if pages[-1] and used + size > budget:
            pages.append([])
            used = 0
        pages[-1].append(element)
        used += size
    return pages


def _pieces(body: list[Element], budget: int) -> list[Element]:
    pieces: list[Element] = []
    for element in body:
        if element.get("type") != "TextBlock" or size_of(element) <= budget:
            pieces.append(element)
            continue
        parts = split_text(element["text"], budget // 2)
        pieces.extend({**element, "text": part} for part in parts)
    return pieces


def split_text(text: str, budget: int) -> list[str]:
    """Text in parts of at most `budget` bytes, cut between lines where it can be."""
    parts: list[str] = []
    chunk: list[str] = []
    for line in _short_lines(text, budget):
        if chunk and size_of("\n".join([*chunk, line])) > budget:
            parts.append("\n".join(chunk))
            chunk = []
        chunk.append(line)
    parts.append("\n".join(chunk))
    return parts


def _short_lines(text: str, limit: int) -> list[str]:
    lines: list[str] = []
    for line in text.split("\n"):
        while size_of(line) > limit:
            lines.append(line[: limit // 8])  # an eighth: safe for 4-byte characters, escaped
            line = line[limit // 8 :]
        lines.append(line)
    return lines
