"""`privacy`: what Benchmate keeps about you, and a pause on every message it starts.

A pause holds back reminders, nudges and announcements, including ones already
queued; they are dropped rather than saved up, so resuming brings no backlog.
Answers to your own commands still come, and your home page still shows what
is waiting for you.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Context
from bot.router import Router
from bot.ui import Actions, Button, Fields, Heading, Hint, Message, Section
from handlers.profile import PLATFORM_NAMES
from store import privacy

router = Router()

PAUSED_NOTE = (
    "I won't send you reminders, nudges or announcements until you type privacy resume. "
    "Anything that would have reached you meanwhile is dropped, not saved up; "
    "type home to see what is waiting for you."
)
ANONYMOUS_NOTE = (
    "Anonymous answers are kept apart from the note "
    "that you answered, with no name, time or order that leads back to you, so nobody — "
    "admins included — can see who gave them. Results appear only once answering has "
    "closed (event feedback: two weeks after the event; evaluations: four weeks after the "
    "quarter they fell due), from at least 5 answers, comments from at least 10 comments, "
    "and never change after."
)
RESUMED_NOTE = "Welcome back — I'll send you reminders and nudges again."


@router.command("privacy", summary="See what I keep about you, or pause my messages")
async def show_privacy(ctx: Context, args: str) -> None:
    if args.strip():
        ctx.reply("Try privacy, privacy pause or privacy resume.")
        return
    ctx.reply(await privacy_card(ctx))


@router.command("privacy", "pause", summary="Pause every message I start", example="privacy pause")
async def pause_command(ctx: Context, args: str) -> None:
    _pause(ctx, reply=ctx.reply)


@router.command("privacy", "resume", summary="Let my messages reach you again")
async def resume_command(ctx: Context, args: str) -> None:
    _resume(ctx, reply=ctx.reply)


@router.action("privacy.pause")
async def pause_button(ctx: Context, value: str) -> None:
    _pause(ctx, reply=ctx.update)


@router.action("privacy.resume")
async def resume_button(ctx: Context, value: str) -> None:
    _resume(ctx, reply=ctx.update)


def _pause(ctx: Context, reply: Callable[[str], None]) -> None:
    changed = privacy.set_paused(ctx.member, True, ctx.now())
    reply(("Paused. " if changed else "Your messages were already paused. ") + PAUSED_NOTE)


def _resume(ctx: Context, reply: Callable[[str], None]) -> None:
    changed = privacy.set_paused(ctx.member, False, ctx.now())
    reply(RESUMED_NOTE if changed else "Your messages weren't paused, so nothing changed.")


# --- what the member sees -------------------------------------------------------


FEATURES = {
    "mentor": "mentoring",
    "event": "events",
    "nominate": "nominations",
    "pulse": "pulse surveys",
}


def privacy_intro(words: set[str]) -> str:
    """Only the features this deployment has: it never promises what does not exist."""
    used = ", ".join(name for word, name in FEATURES.items() if word in words)
    intro = "This is what I keep about you, besides what you do in features you use"
    intro += f" ({used})." if used else "."
    return f"{intro} {ANONYMOUS_NOTE}"


async def privacy_card(ctx: Context) -> Message:
    member = ctx.member
    held = await privacy.holdings(ctx.session, member, ctx.now())
    waiting = held.messages.get("queued", 0) + held.messages.get("sending", 0)
    pairs = [
        ("Name", member.display_name or "—"),
        ("E-mail", member.email or "—"),
        ("Job title", member.job_title or "—"),
        ("Institution", member.institution.name if member.institution else "—"),
        ("Department", member.department.name if member.department else "—"),
        ("Specialisms", ", ".join(member.specialisms) or "—"),
        ("Timezone", member.timezone or f"{ctx.settings.benchmate_timezone} (default)"),
        ("Platforms", ", ".join(PLATFORM_NAMES.get(p, p.title()) for p in held.platforms)),
        ("Roles", ", ".join(sorted(ctx.roles - {"member"})) or "member"),
        ("My messages to you", "paused" if member.proactive_paused else "on"),
        ("Waiting to be sent", str(waiting)),
        ("Sent in the last 30 days", str(held.messages.get("sent", 0))),
    ]
    toggle = (
        Button(label="Resume my messages", action_id="privacy.resume", style="primary")
        if member.proactive_paused
        else Button(label="Pause my messages", action_id="privacy.pause")
    )
    intro = privacy_intro({word for word, _ in ctx.router.commands})
    text = "What I keep about you\n" + "\n".join(f"{label}: {value}" for label, value in pairs)
    return Message(
        text=text,
        blocks=[
            Heading(text="What I keep about you"),
            Section(text=intro),
            Fields(pairs=pairs),
            Actions(buttons=[toggle]),
            Hint(text="Only you can see this. To change your details, type profile edit."),
        ],
    )
