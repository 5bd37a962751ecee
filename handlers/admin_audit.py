"""`admin audit`: who did what that matters — role changes, broadcasts, scheme changes,
exports, erasures, outbox retries — newest first, for one member or since a day."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from bot.context import Context
from bot.router import Router
from handlers.people import named_member
from store import audit

router = Router()

SHOWN = 20
USAGE = "Try admin audit, admin audit priya, or admin audit since 2026-03-01."

# How each action reads; an action not listed here reads as its name.
PHRASES = {
    "role.grant": "gave {target} the {role} role",
    "role.revoke": "took the {role} role from {target}",
    "broadcast.send": "sent the announcement “{title}” to {reach} people",
    "scheme.create": "set up the scheme “{name}”",
    "scheme.change": "changed the scheme “{name}”",
    "outbox.retry": "queued undeliverable message {ref} ({kind}) again",
    "privacy.export": "exported the data held about {target}",
    "privacy.erase": "erased {target}",
    "member.merge": "linked two accounts into one, kept as {target}",
    "workspace.approve": "admitted the workspace “{name}” ({platform})",
    "workspace.remove": "removed the workspace “{name}” ({platform})",
}


@router.command(
    "admin",
    "audit",
    role="admin",
    summary="Who did what: role changes, broadcasts, exports, erasures",
    example="admin audit since 2026-03-01",
)
async def show_audit(ctx: Context, args: str) -> None:
    words = args.split()
    member_id: int | None = None
    since: datetime | None = None
    if len(words) == 2 and words[0].lower() == "since":
        since = _day_start(ctx, words[1])
        if since is None:
            ctx.reply(f"I couldn't read “{words[1][:20]}” as a date. {USAGE}")
            return
    elif words:
        who = " ".join(words)
        member = await named_member(ctx, who)
        if member is None:
            return
        member_id = member.id
    found = await audit.entries(ctx.session, member_id=member_id, since=since, limit=SHOWN)
    if not found:
        ctx.reply("Nothing in the audit log matches that yet.")
        return
    lines = [f"Audit log, newest first ({len(found)} shown):"]
    lines += [_line(ctx, entry) for entry in found]
    ctx.reply("\n".join(lines))


def _day_start(ctx: Context, text: str) -> datetime | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day, time(0), tzinfo=ctx.timezone)


def _line(ctx: Context, entry: audit.Shown) -> str:
    when = ctx.local(entry.at).strftime("%-d %b %Y %H:%M")
    return f"• {when} — {entry.actor} {describe(entry)}"


def describe(entry: audit.Shown) -> str:
    facts: dict[str, Any] = {"target": entry.target or "someone", **entry.detail}
    phrase = PHRASES.get(entry.action)
    if phrase is not None:
        try:
            return phrase.format(**facts)
        except (KeyError, IndexError):
            pass  # an older entry without a fact the phrase now wants
    extra = ", ".join(f"{key} {value}" for key, value in entry.detail.items())
    parts = [entry.action, entry.target and f"for {entry.target}", extra and f"({extra})"]
    return " ".join(part for part in parts if part)
