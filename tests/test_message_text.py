"""A reply's plain text (notifications, screen readers, the console) is read from its
blocks unless the handler gives its own."""

from __future__ import annotations

from bot.ui import Actions, Button, Divider, Fields, Heading, Hint, Image, Message, Section


def test_text_is_read_from_the_blocks_that_say_something() -> None:
    message = Message(
        blocks=[
            Heading(text="Mentoring"),
            Section(text="Your mentor is Sam.", button=Button(label="Open", action_id="a.b")),
            Fields(pairs=[("mentor find", "suggest mentors"), ("mentor log", "log a meeting")]),
            Actions(buttons=[Button(label="Find", action_id="mentor.find")]),
            Image(url="https://example.org/chart.png", alt="A chart"),
            Hint(text="Only you can see this."),
            Divider(),
        ]
    )
    assert message.text.splitlines() == [
        "Mentoring",
        "Your mentor is Sam.",
        "  mentor find — suggest mentors",
        "  mentor log — log a meeting",
    ]


def test_a_handlers_own_text_is_kept() -> None:
    message = Message(text="Short version", blocks=[Section(text="The long version")])
    assert message.text == "Short version"


def test_the_text_survives_a_round_trip_through_the_outbox() -> None:
    message = Message(blocks=[Section(text="Hello")])
    again = Message.model_validate_json(message.model_dump_json())
    assert again == message and again.text == "Hello"
