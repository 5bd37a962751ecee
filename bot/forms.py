"""Checking a submitted form against its definition, one error per field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.ui import Form, Input

DEFAULT_MAX_LENGTH = {"text": 200, "long_text": 3000}


@dataclass(frozen=True)
class Checked:
    values: dict[str, Any]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def check(form: Form, submitted: dict[str, Any]) -> Checked:
    """Coerce each field to its type; collect a friendly error for each bad one."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in form.inputs:
        try:
            values[field.name] = _coerce(field, submitted.get(field.name))
        except ValueError as problem:
            errors[field.name] = str(problem)
    return Checked(values, errors)


def with_errors(form: Form, submitted: dict[str, Any], errors: dict[str, str]) -> Form:
    """The same form again, keeping what was typed, with errors beside the fields."""
    inputs = [
        field.model_copy(update={"initial": submitted[field.name]})
        if submitted.get(field.name) not in (None, "", [])
        else field
        for field in form.inputs
    ]
    return form.model_copy(update={"inputs": inputs, "errors": errors})


def _coerce(field: Input, raw: Any) -> Any:
    if field.kind == "checkbox":
        return _as_bool(raw)
    if field.kind == "multi_select":
        chosen = _as_list(raw)
        _check_options(field, chosen)
        if field.required and not chosen:
            raise ValueError("Please choose at least one.")
        return chosen
    text = "" if raw is None else str(raw).strip()
    if not text:
        if field.required:
            raise ValueError("Please fill this in.")
        return None
    if field.kind == "number":
        return _as_number(field, text)
    if field.kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError("Please give a date like 2026-03-14.") from None
    if field.kind == "select":
        _check_options(field, [text])
        return text
    limit = field.max_length or DEFAULT_MAX_LENGTH[field.kind]
    if len(text) > limit:
        raise ValueError(f"Please keep this under {limit:,} characters (it has {len(text):,}).")
    if field.word_limit is not None and (words := word_count(text)) > field.word_limit:
        raise ValueError(
            f"This has {words:,} words and the limit is {field.word_limit:,}: please trim "
            f"{words - field.word_limit:,}. Your text is kept here."
        )
    return text


def word_count(text: str | None) -> int:
    return len((text or "").split())


def words_hint(field: Input, text: str | None = None) -> str:
    """The hint of a field with a word limit: its count so far against the limit."""
    count = word_count(text if text is not None else str(field.initial or ""))
    return f"{count:,} of {field.word_limit:,} words" + (
        " — over the limit" if field.word_limit is not None and count > field.word_limit else ""
    )


def _as_number(field: Input, text: str) -> float | int:
    try:
        number = float(text)
    except ValueError:
        raise ValueError("Please give a number.") from None
    if field.min_value is not None and number < field.min_value:
        raise ValueError(f"Please give at least {field.min_value:g}.")
    if field.max_value is not None and number > field.max_value:
        raise ValueError(f"Please give at most {field.max_value:g}.")
    return int(number) if number.is_integer() else number


def _check_options(field: Input, chosen: list[str]) -> None:
    allowed = {option.value for option in field.options}
    if any(value not in allowed for value in chosen):
        raise ValueError("Please choose from the list.")


def _as_list(raw: Any) -> list[str]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return [str(value) for value in raw]


def _as_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, list):
        return bool(raw)
    return str(raw or "").strip().lower() in {"true", "yes", "y", "1", "on", "checked"}
