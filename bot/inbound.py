"""What arrives from a platform, once an adapter has translated it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Identity:
    """One person on one platform: `slack` + team id + user id, `teams` + tenant + AAD id."""

    platform: str
    workspace: str
    user_id: str


@dataclass(frozen=True)
class Profile:
    """What the platform told us about the person, all optional."""

    display_name: str | None = None
    email: str | None = None
    email_verified: bool = False
    timezone: str | None = None


@dataclass(frozen=True)
class Synced:
    """What the adapter learnt of the person for this turn to store, in its own unit of
    work rather than one more of its own: where a direct message reaches them, and
    whether it fetched their profile from the platform just now."""

    conversation: dict[str, Any] | None = None
    profile_fetched: bool = True
    # False: a conversation seen only in a shared chat never replaces a personal one.
    replace: bool = True


@dataclass(frozen=True)
class Address:
    """Where a conversation happens, so a reply or a later message can find it."""

    platform: str
    workspace: str
    conversation_id: str
    is_direct: bool = True
    thread_id: str | None = None


@dataclass(frozen=True)
class Command:
    text: str


@dataclass(frozen=True)
class ButtonPress:
    action_id: str
    value: str = ""
    # Values of inputs on the same card/message (Teams cards, Slack block state).
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HomeOpened:
    """The member opened their dashboard (Slack App Home; `home` elsewhere)."""


@dataclass(frozen=True)
class FormSubmission:
    form_id: str
    fields: dict[str, Any]
    state: str = ""


@dataclass(frozen=True)
class Inbound:
    who: Identity
    where: Address
    what: Command | ButtonPress | FormSubmission | HomeOpened
    profile: Profile = field(default_factory=Profile)
    from_bot: bool = False
    # The platform's own id for this delivery: a retried delivery has one effect.
    delivery_id: str | None = None
    synced: Synced | None = None
    # The person's own workspace when the platform says it differs from `who.workspace`
    # (a Slack Connect guest from another organisation): not a member (bot/admission.py).
    home_workspace: str | None = None
