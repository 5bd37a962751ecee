from __future__ import annotations

from datetime import date

from bot.forms import check, with_errors
from bot.ui import Form, Input, Option


def sample_form() -> Form:
    return Form(
        form_id="x.y",
        title="T",
        inputs=[
            Input(name="name", label="Name"),
            Input(name="notes", label="Notes", kind="long_text", required=False, max_length=10),
            Input(name="count", label="Count", kind="number", min_value=1, max_value=5),
            Input(name="when", label="When", kind="date"),
            Input(
                name="colour",
                label="Colour",
                kind="select",
                options=[Option(label="Red", value="r"), Option(label="Blue", value="b")],
            ),
            Input(
                name="tags",
                label="Tags",
                kind="multi_select",
                required=False,
                options=[Option(label="A", value="a"), Option(label="B", value="b")],
            ),
            Input(name="agree", label="Agree", kind="checkbox", required=False),
        ],
    )


def test_good_values_are_coerced() -> None:
    checked = check(
        sample_form(),
        {
            "name": " Sam ",
            "count": "3",
            "when": "2026-03-14",
            "colour": "b",
            "tags": "a,b",
            "agree": "yes",
        },
    )
    assert checked.ok
    assert checked.values == {
        "name": "Sam",
        "notes": None,
        "count": 3,
        "when": date(2026, 3, 14),
        "colour": "b",
        "tags": ["a", "b"],
        "agree": True,
    }


def test_each_bad_field_gets_its_own_message() -> None:
    checked = check(
        sample_form(),
        {
            "name": "",
            "notes": "far too long here",
            "count": "9",
            "when": "14/03/2026",
            "colour": "green",
            "tags": ["z"],
        },
    )
    assert set(checked.errors) == {"name", "notes", "count", "when", "colour", "tags"}
    assert checked.errors["name"] == "Please fill this in."
    assert "2026-03-14" in checked.errors["when"]


def test_errors_keep_what_was_typed() -> None:
    form = with_errors(
        sample_form(), {"name": "Sam", "count": ""}, {"count": "Please fill this in."}
    )
    initial = {field.name: field.initial for field in form.inputs}
    assert initial["name"] == "Sam" and initial["count"] is None
    assert form.errors == {"count": "Please fill this in."}
