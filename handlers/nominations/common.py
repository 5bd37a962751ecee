"""What every part of the nominations story shares: who manages a drive, which phase a
drive is in, counting words, dates and kinds of message."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.core import refusal
from bot.ids import as_id
from bot.ui import Actions, Button, Message, Section
from store.nominations import queries as store
from store.nominations.models import Drive

# Outbox kinds (none urgent: all wait for office hours).
ANNOUNCE = "nominate.announce"
CONSENT = "nominate.consent"
ANSWERED = "nominate.answered"
FEEDBACK = "nominate.feedback"
REMIND = "nominate.remind"
REVIEW = "nominate.review"
CERTIFICATE = "nominate.certificate"

STALE = "That button is from an older message and no longer works. Type nominate to start again."
NOT_YOURS = "I can't find that drive among the ones you look after. Type nominate status."
MAX_PICK = 10


def excerpt(text: str, words: int = 40) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def day(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%A %-d %B %Y}"


# --- phases ---------------------------------------------------------------------------------


def phase(drive: Drive, now: datetime) -> str:
    """draft · nominating · review · submitting (the review is over) · closed."""
    if drive.status in ("draft", "closed"):
        return drive.status
    if now < drive.internal_deadline:
        return "nominating"
    if now < drive.review_until:
        return "review"
    return "submitting"


# --- who manages a drive ----------------------------------------------------------------------


def may_open_drives(ctx: Context) -> bool:
    """Coordinators and admins set up drives; checked on the server, never from a button."""
    return ctx.has_role("coordinator") or ctx.has_role("admin")


def may_manage(ctx: Context, drive: Drive) -> bool:
    """A drive is its coordinator's, and every admin's."""
    return ctx.has_role("admin") or drive.coordinator_id == ctx.member.id


async def managed(ctx: Context, value: str) -> Drive | None:
    """The drive a button or form names, only if the asker manages it."""
    drive = await store.drive(ctx.session, as_id(value))
    if drive is None or not may_manage(ctx, drive):
        ctx.reply(NOT_YOURS if may_open_drives(ctx) else refusal("coordinator"))
        return None
    return drive


async def pick_managed(
    ctx: Context, args: str, action_id: str, verb: str, statuses: tuple[str, ...]
) -> Drive | None:
    """The asker's one drive (narrowed by words of its title), or buttons to choose one."""
    found = [
        drive
        for drive in await store.drives_managed(
            ctx.session, None if ctx.has_role("admin") else ctx.member.id
        )
        if drive.status in statuses
    ]
    if not found and not may_open_drives(ctx):
        ctx.reply(refusal("coordinator"))
        return None
    words = args.strip().lower()
    if words:
        found = [drive for drive in found if words in drive.title.lower()] or found
    if len(found) == 1:
        return found[0]
    if not found:
        ctx.reply(f"You have no drives to {verb} just now. Type nominate new to open one.")
        return None
    question = f"Which drive would you like to {verb}?"
    buttons = [
        Button(label=drive.title[:60], action_id=action_id, value=str(drive.id))
        for drive in found[:MAX_PICK]
    ]
    ctx.reply(Message(blocks=[Section(text=question), Actions(buttons=buttons)]))
    return None
