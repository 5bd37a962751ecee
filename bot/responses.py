"""What the core hands back to an adapter after a turn."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ui import Form, Message


@dataclass(frozen=True)
class Reply:
    message: Message
    # Private replies are seen only by the person who asked (Slack ephemeral);
    # in a direct chat every reply is private anyway.
    private: bool = True


@dataclass(frozen=True)
class Update:
    """Replace the message whose button was pressed."""

    message: Message


@dataclass(frozen=True)
class OpenForm:
    form: Form


@dataclass(frozen=True)
class FormErrors:
    """The submitted form was not accepted: show it again with `form.errors`."""

    form: Form


Response = Reply | Update | OpenForm | FormErrors
