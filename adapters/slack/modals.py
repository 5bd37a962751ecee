"""Neutral forms as Slack modals, and submitted modal state back as plain fields.

Each input is an input block whose `block_id` is the input's name, so field
errors (`response_action: errors`) and submitted values key by that name.
`private_metadata` carries the form's opaque state and where to answer.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from typing import Any

from adapters.slack.render import (
    OPTIONS,
    PLACEHOLDER,
    SECTION_TEXT,
    VIEW_BLOCKS,
    chosen_options,
    fit,
    literal,
    plain,
    render_options,
)
from bot.forms import DEFAULT_MAX_LENGTH
from bot.ui import Form, Input

MODAL_TITLE = 24
MODAL_BUTTON = 24
METADATA = 3000
LABEL = 2000
HINT = 2000
INPUT_MAX = 3000
ERROR_TEXT = 2000
PACKED = "z:"


class FormTooLarge(ValueError):
    """The form's state cannot travel in Slack's 3,000-character private_metadata."""


def pack_metadata(meta: dict[str, Any]) -> str:
    """Compact JSON, compressed when long; FormTooLarge when it still cannot fit."""
    text = json.dumps(meta, separators=(",", ":"))
    if len(text) <= METADATA:
        return text
    packed = PACKED + base64.b85encode(zlib.compress(text.encode(), 9)).decode()
    if len(packed) > METADATA:
        raise FormTooLarge(f"form metadata is {len(packed)} characters")
    return packed


def unpack_metadata(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        if text.startswith(PACKED):
            text = zlib.decompress(base64.b85decode(text[len(PACKED) :])).decode()
        meta = json.loads(text)
    except (ValueError, zlib.error):
        return {}
    return meta if isinstance(meta, dict) else {}


def render_modal(
    form: Form, meta: dict[str, Any], *, inline_errors: bool = False
) -> dict[str, Any]:
    """A modal view. With `inline_errors`, errors are drawn under their fields
    (for views.update/open, where `response_action: errors` is not available)."""
    blocks: list[dict[str, Any]] = []
    if form.intro:
        blocks.append({"type": "section", "text": literal(fit(form.intro, SECTION_TEXT))})
    names = {field.name for field in form.inputs}
    if inline_errors:
        stray = [text for name, text in form.errors.items() if name not in names]
        if form.errors:
            note = "Please check the fields marked ⚠ and send the form again."
            blocks.append(_warning(" ".join([note, *stray])))
    for field in form.inputs:
        blocks.append(render_input(field))
        if inline_errors and field.name in form.errors:
            blocks.append(_warning(form.errors[field.name]))
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": plain(form.title, MODAL_TITLE),
        "submit": plain(form.submit_label, MODAL_BUTTON),
        "close": plain("Cancel", MODAL_BUTTON),
        "blocks": blocks[:VIEW_BLOCKS],
        "private_metadata": pack_metadata({**meta, "s": form.state}),
    }


def render_notice_modal(
    title: str, blocks: list[dict[str, Any]], meta: dict[str, Any]
) -> dict[str, Any]:
    """A modal that only shows drawn blocks (a button inside a modal said something)."""
    return {
        "type": "modal",
        "title": plain(title, MODAL_TITLE),
        "close": plain("Done", MODAL_BUTTON),
        "blocks": blocks[:VIEW_BLOCKS],
        "private_metadata": pack_metadata(meta),
    }


def _warning(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [literal("⚠ " + fit(text, ERROR_TEXT))]}


def field_errors(form: Form) -> dict[str, str] | None:
    """Errors for `response_action: errors`, or None when one names no input."""
    names = {field.name for field in form.inputs}
    if not form.errors or any(name not in names for name in form.errors):
        return None
    return {name: fit(text, ERROR_TEXT) for name, text in form.errors.items()}


def render_input(field: Input) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.name,
        "label": plain(field.label, LABEL),
        "optional": not field.required,
        "element": _element(field),
    }
    if field.hint:
        block["hint"] = plain(field.hint, HINT)
    if field.word_limit is not None:
        # Slack sends each pause in typing as a block action: the hint's count follows it.
        block["dispatch_action"] = True
        block["element"]["dispatch_action_config"] = {
            "trigger_actions_on": ["on_character_entered"]
        }
    return block


WORDS_SO_FAR = re.compile(r"([\d,]+) of ([\d,]+) words( — over the limit)?")


def with_live_count(view: dict[str, Any], block_id: str, text: str) -> dict[str, Any] | None:
    """The modal again with the count in one field's hint brought up to date (its typed
    values stay, as Slack keeps input state across views.update); None when it has none."""
    blocks = []
    changed = False
    for block in view.get("blocks") or []:
        hint = (block.get("hint") or {}).get("text", "")
        found = WORDS_SO_FAR.search(hint) if block.get("block_id") == block_id else None
        if found:
            limit = int(found.group(2).replace(",", ""))
            words = len(text.split())
            count = f"{words:,} of {limit:,} words" + (" — over the limit" if words > limit else "")
            block = {
                **block,
                "hint": plain(hint[: found.start()] + count + hint[found.end() :], HINT),
            }
            changed = True
        blocks.append(block)
    if not changed:
        return None
    kept = ("type", "callback_id", "title", "submit", "close", "private_metadata")
    return {**{key: view[key] for key in kept if key in view}, "blocks": blocks}


def _element(field: Input) -> dict[str, Any]:
    element: dict[str, Any] = {"action_id": field.name}
    initial = field.initial
    if field.placeholder and field.kind not in ("checkbox",):
        element["placeholder"] = plain(field.placeholder, PLACEHOLDER)
    if field.kind in ("text", "long_text"):
        limit = min(field.max_length or DEFAULT_MAX_LENGTH[field.kind], INPUT_MAX)
        element.update(type="plain_text_input", max_length=limit)
        if field.kind == "long_text":
            element["multiline"] = True
        if initial not in (None, ""):
            # Slack shows initial values literally; only cut them to fit.
            element["initial_value"] = _as_text(initial)[:limit]
    elif field.kind == "number":
        element.update(type="number_input", is_decimal_allowed=True)
        if field.min_value is not None:
            element["min_value"] = f"{field.min_value:g}"
        if field.max_value is not None:
            element["max_value"] = f"{field.max_value:g}"
        if initial not in (None, ""):
            element["initial_value"] = _as_text(initial)
    elif field.kind == "date":
        element["type"] = "datepicker"
        if initial:
            element["initial_date"] = _as_text(initial)[:10]
    elif field.kind in ("select", "multi_select"):
        options = render_options(field.options[:OPTIONS])
        multi = field.kind == "multi_select"
        element.update(type="multi_static_select" if multi else "static_select")
        element["options"] = options or [{"text": plain("—", 75), "value": "-"}]
        chosen = chosen_options(options, _as_list(initial))
        if chosen and multi:
            element["initial_options"] = chosen
        elif chosen:
            element["initial_option"] = chosen[0]
    elif field.kind == "checkbox":
        option = {"text": plain(field.label, 75), "value": "true"}
        element.update(type="checkboxes", options=[option])
        if initial is True or str(initial).lower() in ("true", "yes", "1"):
            element["initial_options"] = [option]
    return element


def _as_text(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _as_list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def submitted_fields(state_values: dict[str, Any]) -> dict[str, Any]:
    """view.state.values (block_id -> action_id -> element state) as name -> value."""
    fields: dict[str, Any] = {}
    for block_id, actions in (state_values or {}).items():
        for element in actions.values():
            fields[block_id] = element_value(element)
    return fields


def element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        chosen = element.get("selected_option") or {}
        return chosen.get("value")
    if kind in ("multi_static_select", "multi_external_select"):
        return [option["value"] for option in element.get("selected_options") or []]
    if kind == "checkboxes":
        return bool(element.get("selected_options"))
    if kind == "datepicker":
        return element.get("selected_date")
    if kind in ("users_select", "conversations_select", "channels_select"):
        return next((v for k, v in element.items() if k.startswith("selected_")), None)
    return element.get("value")
