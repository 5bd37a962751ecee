"""Slack payloads in, the core's Inbound out, plus where the answer has to go."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal

from adapters.slack.modals import element_value, submitted_fields, unpack_metadata
from adapters.slack.render import neutral_action_id, unescape
from bot.inbound import (
    Address,
    ButtonPress,
    Command,
    FormSubmission,
    HomeOpened,
    Identity,
    Inbound,
)
from bot.router import TOP_LEVEL_WORDS

PLATFORM = "slack"
# Adapter-only button: re-run a command where a modal can open (see answer.py).
OPEN_FORM_ACTION = "slack:open"
Surface = Literal["command", "event", "action", "submission", "home"]


@dataclass(frozen=True)
class Origin:
    """Where a request came from, so each kind of response finds its way back."""

    surface: Surface
    user_id: str
    team_id: str
    enterprise_id: str | None = None
    channel_id: str | None = None
    is_direct: bool = False
    response_url: str | None = None
    trigger_id: str | None = None
    # The modal a button was pressed in (its id, hash and title), or the home tab.
    view: dict[str, Any] | None = None
    thread_ts: str | None = None
    command_text: str = ""
    meta: dict[str, Any] | None = None
    # The message a button was pressed in is an ephemeral one (only this person sees it).
    in_ephemeral: bool = False
    # The person's own team, as Slack gives it (Slack Connect: another organisation's).
    user_team: str | None = None

    @property
    def in_modal(self) -> bool:
        return bool(self.view) and self.view.get("type") == "modal"

    @property
    def in_home(self) -> bool:
        return bool(self.view) and self.view.get("type") == "home"

    @property
    def workspace(self) -> str:
        return self.team_id or self.enterprise_id or ""


def identity(origin: Origin) -> Identity:
    return Identity(PLATFORM, origin.workspace, origin.user_id)


def inbound(origin: Origin, what: Any, delivery_id: str | None = None) -> Inbound:
    return Inbound(
        who=identity(origin),
        where=Address(
            PLATFORM,
            origin.workspace,
            origin.channel_id or origin.user_id,
            is_direct=origin.is_direct,
            thread_id=origin.thread_ts,
        ),
        what=what,
        delivery_id=delivery_id,
        # Only beside a workspace of its own (an org-wide Grid install has none).
        home_workspace=origin.user_team if origin.team_id else None,
    )


# --- slash commands and shortcuts ---------------------------------------------


SLACK_TOKEN = re.compile(r"<([^<>]*)>")


def plain_text(text: str) -> str:
    """Slack's markup as typed text: user mentions stay `<@U123>` for the core to resolve,
    links and channel names become their visible text, entities are decoded."""

    def token(found: re.Match[str]) -> str:
        target, _, label = found.group(1).partition("|")
        if target.startswith("@"):
            return f"<{target}>"
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return label or target

    return unescape(SLACK_TOKEN.sub(token, text))


def command_text(command: str, text: str) -> str:
    """`/mentor find x` -> "mentor find x"; `/benchmate help` -> "help"."""
    word = command.lstrip("/").lower()
    text = plain_text(text or "").strip()
    if word in TOP_LEVEL_WORDS:
        return f"{word} {text}".strip()
    return text or "help"


def from_command(body: dict[str, Any]) -> tuple[Origin, Command]:
    channel = body.get("channel_id") or ""
    text = command_text(body.get("command", ""), body.get("text", ""))
    origin = Origin(
        surface="command",
        user_id=body["user_id"],
        team_id=body.get("team_id") or "",
        enterprise_id=body.get("enterprise_id") or None,
        channel_id=channel or None,
        is_direct=channel.startswith("D") or body.get("channel_name") == "directmessage",
        response_url=body.get("response_url"),
        trigger_id=body.get("trigger_id"),
        command_text=text,
        user_team=body.get("user_team") or None,
    )
    return origin, Command(text)


def from_shortcut(body: dict[str, Any], text: str) -> tuple[Origin, Command]:
    user = body.get("user") or {}
    origin = Origin(
        surface="command",
        user_id=user.get("id", ""),
        team_id=_team(body, user),
        enterprise_id=_enterprise(body),
        response_url=body.get("response_url"),
        trigger_id=body.get("trigger_id"),
        is_direct=True,
        command_text=text,
        user_team=user.get("team_id") or None,
    )
    return origin, Command(text)


# --- Events API -------------------------------------------------------------------


def from_message_event(body: dict[str, Any], bot_user_id: str | None) -> tuple[Origin, Command]:
    event = body["event"]
    channel = event.get("channel") or ""
    text = plain_text(_without_mention(event.get("text") or "", bot_user_id)).strip()
    origin = Origin(
        surface="event",
        user_id=event.get("user", ""),
        team_id=body.get("team_id") or event.get("team") or "",
        enterprise_id=body.get("enterprise_id") or None,
        channel_id=channel or None,
        is_direct=event.get("channel_type") == "im" or channel.startswith("D"),
        thread_ts=event.get("thread_ts") if event.get("channel_type") == "im" else None,
        command_text=text,
        user_team=event.get("user_team") or None,
    )
    if not origin.is_direct:
        # In a channel, answer in the thread the mention started (or continues).
        origin = replace(origin, thread_ts=event.get("thread_ts") or event.get("ts"))
    return origin, Command(text)


def _without_mention(text: str, bot_user_id: str | None) -> str:
    """Drop the bot's own @mention; other people's mentions stay for the handler."""
    if bot_user_id:
        return re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text, count=1)
    return re.sub(r"^\s*<@[A-Z0-9]+(\|[^>]*)?>", " ", text, count=1)


def from_home_opened(body: dict[str, Any]) -> tuple[Origin, HomeOpened]:
    event = body["event"]
    origin = Origin(
        surface="home",
        user_id=event.get("user", ""),
        team_id=body.get("team_id") or "",
        enterprise_id=body.get("enterprise_id") or None,
        channel_id=event.get("channel"),
        is_direct=True,
    )
    return origin, HomeOpened()


def is_from_bot(event: dict[str, Any]) -> bool:
    return bool(event.get("bot_id") or event.get("subtype") == "bot_message")


# --- interactivity -------------------------------------------------------------------


def from_block_action(body: dict[str, Any]) -> tuple[Origin, ButtonPress | Command]:
    user = body.get("user") or {}
    action = (body.get("actions") or [{}])[0]
    view = body.get("view") or None
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    origin = Origin(
        surface="action",
        user_id=user.get("id", ""),
        team_id=_team(body, user),
        enterprise_id=_enterprise(body),
        channel_id=channel,
        is_direct=bool(channel and channel.startswith("D")),
        response_url=body.get("response_url"),
        trigger_id=body.get("trigger_id"),
        view=_view_facts(view),
        meta=unpack_metadata(view.get("private_metadata", "")) if view else None,
        in_ephemeral=bool(container.get("is_ephemeral")),
        user_team=user.get("team_id") or None,
    )
    action_id = neutral_action_id(action.get("action_id", ""))
    if action_id == OPEN_FORM_ACTION:
        text = action.get("value", "")
        return replace(origin, command_text=text), Command(text)
    inputs = submitted_fields((body.get("state") or (view or {}).get("state") or {}).get("values"))
    return origin, ButtonPress(action_id, action_value(action), inputs)


def action_value(action: dict[str, Any]) -> str:
    """A button's value; for selects the chosen option value(s), joined by commas."""
    if action.get("type") == "button":
        return action.get("value", "")
    value = element_value(action)
    if isinstance(value, list):
        return ",".join(value)
    return "" if value is None else str(value)


def from_view_submission(body: dict[str, Any]) -> tuple[Origin, FormSubmission]:
    user = body.get("user") or {}
    view = body["view"]
    meta = unpack_metadata(view.get("private_metadata", ""))
    origin = Origin(
        surface="submission",
        user_id=user.get("id", ""),
        team_id=_team(body, user),
        enterprise_id=_enterprise(body),
        channel_id=meta.get("c"),
        is_direct=bool(meta.get("d")),
        response_url=meta.get("r"),
        trigger_id=body.get("trigger_id"),
        view=_view_facts(view),
        meta=meta,
        user_team=user.get("team_id") or None,
    )
    fields = submitted_fields((view.get("state") or {}).get("values") or {})
    return origin, FormSubmission(view.get("callback_id", ""), fields, str(meta.get("s", "")))


def _view_facts(view: dict[str, Any] | None) -> dict[str, Any] | None:
    if not view:
        return None
    title = (view.get("title") or {}).get("text", "")
    return {
        "id": view.get("id"),
        "hash": view.get("hash"),
        "type": view.get("type"),
        "title": title,
    }


def _team(body: dict[str, Any], user: dict[str, Any]) -> str:
    return (body.get("team") or {}).get("id") or user.get("team_id") or ""


def _enterprise(body: dict[str, Any]) -> str | None:
    return (body.get("enterprise") or {}).get("id") or None
