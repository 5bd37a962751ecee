"""`admin outbox`: how proactive delivery is going, and a second chance for a failed message.

Admins see counts and, for undeliverable messages, only the kind, the
recipient's name, when it was queued and why it failed — never its content.
"""

from __future__ import annotations

from bot import outbox
from bot.context import Context
from bot.router import Router

router = Router()

SHOWN = 10
USAGE = "Try admin outbox, or admin outbox retry 1 to queue undeliverable message 1 again."


@router.command(
    "admin",
    "outbox",
    role="admin",
    summary="See waiting, failed and undeliverable messages; retry one",
    example="admin outbox",
)
async def outbox_report(ctx: Context, args: str) -> None:
    words = args.split()
    if not words:
        await _report(ctx)
    elif words[0].lower() == "retry" and len(words) == 2:
        await _retry(ctx, words[1])
    else:
        ctx.reply(USAGE)


async def _report(ctx: Context) -> None:
    counts = await outbox.summary(ctx.session, ctx.now())
    lines = ["Outbox: " + ", ".join(f"{label} {count}" for label, count in counts.items())]
    dead = await outbox.latest_dead(ctx.session, SHOWN)
    if dead:
        lines.append("Latest undeliverable:")
        for number, row in enumerate(dead, start=1):
            when = ctx.local(row.created_at).strftime("%-d %b %H:%M")
            lines.append(
                f"{number}. {row.kind} to {row.recipient}, queued {when}: {row.reason} "
                f"(ref {row.ref})"
            )
        lines.append("Type admin outbox retry N (a number or a ref) to queue one again.")
    else:
        lines.append("Nothing is undeliverable.")
    ctx.reply("\n".join(lines))


async def _retry(ctx: Context, which: str) -> None:
    # A number is a line of the list; a ref stays valid however the list moves on.
    dead = await outbox.latest_dead(ctx.session, SHOWN if which.isdigit() else 500)
    chosen = (
        dead[int(which) - 1]
        if which.isdigit() and 1 <= int(which) <= len(dead)
        else next((row for row in dead if row.ref == which.lower()), None)
    )
    if chosen is None:
        ctx.reply(
            f"There's no undeliverable message “{which[:20]}” in the list. "
            "Type admin outbox to see the list."
        )
        return
    if not await outbox.requeue_dead(ctx.session, chosen.row_id, ctx.now()):
        ctx.reply("That message is no longer undeliverable, so nothing changed.")
        return
    await ctx.audit("outbox.retry", detail={"kind": chosen.kind, "ref": chosen.ref})
    ctx.reply(
        f"Queued again: {chosen.kind} to {chosen.recipient} (ref {chosen.ref}). "
        "It goes with the next delivery round, within quiet hours."
    )
