"""The announcement card: what members see in Slack, Teams or the console.

Every string is plain text; the renderers escape it, so whatever a champion
typed (`<!channel>`, a Markdown link) is shown inert, never acted on.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.settings import Settings
from bot.ui import Actions, Block, Fields, Heading, Hint, Message, Section
from handlers.events.common import (
    calendar_button,
    local_day,
    online_button,
    rsvp_buttons,
    when,
    where,
)
from store.events.models import Event


def facts(event: Event, zone: ZoneInfo) -> Fields:
    pairs = [("When", when(event, zone)), ("Where", where(event))]
    if event.online_url:
        pairs.append(("Online", event.online_url))
    if event.capacity:
        pairs.append(("Places", f"{event.capacity}"))
    if event.rsvp_deadline:
        pairs.append(("Reply by", local_day(event.rsvp_deadline, zone)))
    return Fields(pairs=pairs)


def announcement(
    event: Event, zone: ZoneInfo, settings: Settings, champion: str, *, preview: bool = False
) -> Message:
    """The invitation; in a preview, without the buttons (it is not sent yet)."""
    blocks: list[Block] = [Heading(text=event.title)]
    if event.description:
        blocks.append(Section(text=event.description))
    blocks.append(facts(event, zone))
    blocks.append(Hint(text=f"From {champion}, network champion. Answer here and I'll keep count."))
    if preview:
        blocks.append(
            Hint(text="Members will see Going, Maybe, Can't go and Add to calendar buttons here.")
        )
    else:
        buttons = [*rsvp_buttons(event), calendar_button(settings, event), *online_button(event)]
        blocks.append(Actions(buttons=buttons))
    text = f"{champion} invites you: {event.title}, {when(event, zone)}. Will you come?"
    return Message(text=text, blocks=blocks)


def notice(
    event: Event,
    settings: Settings,
    text: str,
    *answers: str,
    calendar: bool = True,
    online: bool = False,
) -> Message:
    """A short message about an event with buttons to answer, its calendar file and link."""
    buttons = [*rsvp_buttons(event, *answers)] if answers else []
    if calendar:
        buttons.append(calendar_button(settings, event))
    if online:
        buttons += online_button(event)
    blocks: list[Block] = [Section(text=text)]
    if buttons:
        blocks.append(Actions(buttons=buttons))
    return Message(text=text, blocks=blocks)
