"""Bot Framework activities from Teams, translated into the core's Inbound."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from adapters.teams.cards import SELECT_PREFIX
from bot.inbound import (
    Address,
    ButtonPress,
    Command,
    FormSubmission,
    Identity,
    Inbound,
    Profile,
)
from bot.sanitise import clean_profile

PLATFORM = "teams"
PERSONAL, GROUP, CHANNEL = "personal", "groupChat", "channel"
NO_TENANT = "default"  # the Agents Playground and the Emulator may send none
FORM_KEYS = {"form_id", "state"}
_AT = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Incoming:
    """One translated activity and what the reply needs to know about it."""

    inbound: Inbound
    scope: str
    # The activity id of the card whose button was pressed: an Update replaces it.
    card_id: str | None = None


def scope_of(activity: Activity) -> str:
    kind = getattr(activity.conversation, "conversation_type", None) or PERSONAL
    return kind if kind in (GROUP, CHANNEL) else PERSONAL


def tenant_of(activity: Activity) -> str:
    # channelData first: botbuilder-python reads conversation "tenantID", Teams sends "tenantId".
    tenant = None
    if isinstance(activity.channel_data, dict):
        tenant = (activity.channel_data.get("tenant") or {}).get("id")
    return tenant or getattr(activity.conversation, "tenant_id", None) or NO_TENANT


def identity_of(activity: Activity) -> Identity:
    sender = activity.from_property
    user_id = getattr(sender, "aad_object_id", None) or sender.id
    return Identity(PLATFORM, tenant_of(activity), user_id)


def profile_of(activity: Activity) -> Profile:
    return clean_profile(Profile(display_name=activity.from_property.name or None))


def channel_id_of(activity: Activity) -> str:
    """The channel or group chat itself, not the thread a message sits in."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    channel = (data.get("channel") or {}).get("id")
    return channel or activity.conversation.id.split(";messageid=")[0]


def channel_name_of(activity: Activity) -> str:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    return (data.get("channel") or {}).get("name") or activity.conversation.name or ""


def message_inbound(activity: Activity) -> Incoming | None:
    """A typed command or an Action.Submit; None for what is not meant for us."""
    scope = scope_of(activity)
    value = activity.value if isinstance(activity.value, dict) else None
    if value:
        what = submission(value)
        if what is None:
            return None
        return Incoming(inbound_for(activity, what, scope), scope, activity.reply_to_id)
    text, mentioned = command_text(activity)
    if scope != PERSONAL and not mentioned:
        return None  # in shared chats Benchmate answers only when @mentioned
    return Incoming(inbound_for(activity, Command(text), scope), scope)


def execute_inbound(activity: Activity) -> Incoming | None:
    """An Action.Execute (`adaptiveCard/action` invoke): its data, inputs merged in."""
    action = (activity.value or {}).get("action") or {}
    data = action.get("data") if isinstance(action.get("data"), dict) else {}
    what = submission({"action_id": action.get("verb") or "", **data})
    if what is None:
        return None
    scope = scope_of(activity)
    return Incoming(inbound_for(activity, what, scope), scope, activity.reply_to_id)


def submission(value: dict[str, Any]) -> ButtonPress | FormSubmission | None:
    """Card data: {"form_id", "state", inputs...} or {"action_id", "value"[, "select"]}."""
    if value.get("form_id"):
        fields = {key: item for key, item in value.items() if key not in FORM_KEYS}
        return FormSubmission(str(value["form_id"]), fields, str(value.get("state") or ""))
    if not value.get("action_id"):
        return None
    chosen = value.get("value", "")
    if value.get("select"):
        chosen = value.get(str(value["select"]), "")
    inputs = {
        key: item
        for key, item in value.items()
        if key not in {"action_id", "value", "select"} and not key.startswith(SELECT_PREFIX)
    }
    return ButtonPress(str(value["action_id"]), str(chosen or ""), inputs)


def command_text(activity: Activity) -> tuple[str, bool]:
    """The text with Benchmate's @mention removed, and whether it was there.

    botbuilder's TurnContext.remove_recipient_mention uses the bot's name as a
    regular expression and removes it anywhere in the text, so we remove the
    mention's own `<at>…</at>` text instead. Other people's mentions become
    their plain names.
    """
    text = activity.text or ""
    mentioned = False
    for entity in activity.entities or []:
        if entity.type != "mention":
            continue
        props = entity.additional_properties or {}
        if (props.get("mentioned") or {}).get("id") != activity.recipient.id:
            continue
        mentioned = True
        tag = props.get("text") or f"<at>{(props.get('mentioned') or {}).get('name', '')}</at>"
        text = text.replace(tag, " ", 1)
    bot_name = (activity.recipient.name or "").strip().lower()
    if bot_name and any(name.strip().lower() == bot_name for name in _AT.findall(text)):
        mentioned = True  # a client that sent the <at> tag without its entity
        text = _AT.sub(lambda m: " " if m.group(1).strip().lower() == bot_name else m[0], text)
    text = _AT.sub(lambda m: m.group(1), text).replace("\u00a0", " ").replace("&nbsp;", " ")
    return " ".join(text.split()).lstrip("/").strip(), mentioned


def inbound_for(activity: Activity, what: Any, scope: str) -> Inbound:
    tenant = tenant_of(activity)
    conversation = activity.conversation.id
    return Inbound(
        who=identity_of(activity),
        where=Address(
            PLATFORM,
            tenant,
            channel_id_of(activity) if scope == CHANNEL else conversation,
            is_direct=scope == PERSONAL,
            thread_id=conversation if scope == CHANNEL else None,
        ),
        what=what,
        profile=profile_of(activity),
        from_bot=(activity.from_property.role or "") == "bot",
        delivery_id=delivery_id(activity),
    )


def delivery_id(activity: Activity) -> str | None:
    """Teams resends a delivery with the same activity id; ids are unique per conversation."""
    if not activity.id:
        return None
    key = f"{activity.conversation.id}|{activity.id}"
    return key if len(key) <= 200 else hashlib.sha256(key.encode()).hexdigest()
