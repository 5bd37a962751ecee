"""`privacy export` and `privacy erase`: a member's right to their data and to be forgotten,
and the same for an admin acting on a member's request.

The export is one JSON file of everything held about the member (each feature adds
its own section), behind a short-lived unguessable link only they are given, with a
readable summary in the chat. Erasure asks first, saying what will happen; the
confirmation button carries only a one-time token bound to the person who asked, so a
forged, replayed or second press erases nothing. Each feature then gives up what it
holds (a partner is told a relationship closed, a place at an event goes to the next
person), and the member row becomes an anonymous tombstone so counts still add up.
Both are recorded in the audit log.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot import files
from bot.context import Context
from bot.router import Router
from bot.ui import Actions, Button, Heading, Hint, Message, Section
from handlers.people import named_member
from store import data_rights as store
from store import members as people
from store.models import Member

router = Router()

EXPORT_LIFETIME = timedelta(hours=24)
ERASE_WHAT = (
    "Erasing deletes your profile, your identities on Slack and Teams, your roles, your "
    "mentoring profile and requests, your private meeting notes, and messages waiting for "
    "you. What the network's counts need — that a meeting happened, that someone came to "
    "an event — stays, with your name replaced by “Former member”. A mentoring partner is "
    "told your relationship has closed, with no reason given. Anonymous answers you gave "
    "stay anonymous: they were never linked to you. This can't be undone."
)
STALE = (
    "That confirmation has expired or was already used, so nothing was erased. "
    "Type privacy erase to start again."
)


# --- export ------------------------------------------------------------------------


@router.command("privacy", "export", summary="Get a file of everything I hold about you")
async def export_command(ctx: Context, args: str) -> None:
    await _export(ctx, ctx.member)


@router.command(
    "admin",
    "privacy",
    role="admin",
    summary="Export or erase a member's data at their request",
    example="admin privacy export priya",
)
async def admin_privacy(ctx: Context, args: str) -> None:
    verb, _, who = args.strip().partition(" ")
    if verb.lower() not in ("export", "erase") or not who.strip():
        ctx.reply("Try admin privacy export priya, or admin privacy erase priya.")
        return
    member = await named_member(ctx, who)
    if member is None:
        return
    if verb.lower() == "export":
        await _export(ctx, member)
    else:
        await _ask(ctx, member, "member")


async def _export(ctx: Context, member: Member) -> None:
    data = await personal_data(ctx, member.id)
    published = await ctx.publish_file(
        json.dumps(data, indent=2, ensure_ascii=False).encode(),
        f"benchmate-export-{ctx.now():%Y-%m-%d}.json",
        files.JSON,
        lifetime=EXPORT_LIFETIME,
        owner_id=member.id,
    )
    await ctx.audit("privacy.export", target=member)
    whose = "your data" if member.id == ctx.member.id else f"{member.display_name}'s data"
    lines = summary(data)
    ctx.reply(
        Message(
            text=f"Here is {whose}: {published.url}\n" + "\n".join(lines),
            blocks=[
                Heading(text=f"Everything I hold — {whose}"),
                Section(text="\n".join(f"• {line}" for line in lines)),
                Actions(
                    buttons=[
                        Button(
                            label="Download (JSON)", action_id="privacy.download", url=published.url
                        )
                    ]
                ),
                Hint(
                    text="Only you can see this. The link works for 24 hours; anyone holding it "
                    "can open the file, so don't share it."
                ),
            ],
        )
    )


async def personal_data(ctx: Context, member_id: int) -> dict[str, Any]:
    data: dict[str, Any] = {"exported_at": ctx.now().isoformat()}
    data |= await store.export_account(ctx.session, member_id)
    for feature in ctx.router.personal_data:
        data[feature.section] = await feature.export(ctx.session, member_id)
    return data


def summary(data: dict[str, Any]) -> list[str]:
    """One readable line per part of the export: what kinds of thing, and how many."""
    lines = []
    profile = data.get("profile") or {}
    lines.append(f"Profile: {profile.get('name') or '—'}, {profile.get('email') or 'no e-mail'}")
    for key, value in data.items():
        if key in ("profile", "exported_at"):
            continue
        counts = _counts(value)
        if counts:
            lines.append(f"{key.replace('_', ' ').capitalize()}: {counts}")
    return lines


def _counted(number: int, key: str) -> str:
    words = key.replace("_", " ")
    if number == 1 and words.endswith("s"):
        words = words[:-1]
    return f"{number} {words}"


def _counts(value: Any) -> str:
    if isinstance(value, list):
        return str(len(value)) if value else ""
    if isinstance(value, dict):
        parts = []
        for key, inner in value.items():
            if isinstance(inner, list) and inner:
                parts.append(_counted(len(inner), key))
            elif isinstance(inner, int) and not isinstance(inner, bool) and inner:
                parts.append(_counted(inner, key))
            elif isinstance(inner, dict) and key == "profile":
                parts.append("a profile")
        return ", ".join(parts)
    return ""


# --- erasure -----------------------------------------------------------------------


@router.command("privacy", "erase", summary="Erase everything I hold about you")
async def erase_command(ctx: Context, args: str) -> None:
    identities = await store.identity_ids(ctx.session, ctx.member.id)
    if len(identities) > 1:
        await _ask_which(ctx)
        return
    await _ask(ctx, ctx.member, "member")


async def _ask_which(ctx: Context) -> None:
    this = await people.identity_for(ctx.session, ctx.inbound.who)
    assert this is not None  # the turn found or made it
    everything = await store.ask_confirmation(
        ctx.session, ctx.member.id, ctx.member.id, "member", ctx.now()
    )
    only_this = await store.ask_confirmation(
        ctx.session, ctx.member.id, ctx.member.id, f"identity:{this.id}", ctx.now()
    )
    here = this.platform.title()
    ctx.reply(
        Message(
            text=f"You use me on more than one platform. Erase everything, or only this "
            f"{here} account?",
            blocks=[
                Heading(text="What should I erase?"),
                Section(
                    text=f"You use me on more than one platform. **Everything** erases you "
                    f"as a member: {ERASE_WHAT}\n**Only this {here} account** forgets this "
                    "account and keeps your membership through the others."
                ),
                Actions(
                    buttons=[
                        Button(
                            label="Erase everything",
                            action_id="privacy.erase",
                            value=everything,
                            style="danger",
                        ),
                        Button(
                            label=f"Only this {here} account",
                            action_id="privacy.erase",
                            value=only_this,
                        ),
                        Button(label="Keep my data", action_id="privacy.keep"),
                    ]
                ),
            ],
        )
    )


async def _ask(ctx: Context, member: Member, scope: str) -> None:
    if await _last_admin(ctx, member):
        ctx.reply(
            "That would leave the network with no admin. Grant someone else admin first, "
            "then erase."
        )
        return
    token = await store.ask_confirmation(ctx.session, ctx.member.id, member.id, scope, ctx.now())
    own = member.id == ctx.member.id
    title = "Erase your data?" if own else f"Erase {member.display_name}'s data?"
    what = ERASE_WHAT if own else ERASE_WHAT.replace("your", "their").replace("you", "them")
    ctx.reply(
        Message(
            text=f"{title} {what}",
            blocks=[
                Heading(text=title),
                Section(text=what),
                Actions(
                    buttons=[
                        Button(
                            label="Yes, erase" + (" my data" if own else " their data"),
                            action_id="privacy.erase",
                            value=token,
                            style="danger",
                        ),
                        Button(
                            label="Keep" + (" my data" if own else " it"), action_id="privacy.keep"
                        ),
                    ]
                ),
                Hint(text="This button works for 15 minutes, once."),
            ],
        )
    )


@router.action("privacy.keep")
async def keep(ctx: Context, value: str) -> None:
    ctx.update("Nothing was erased.")


@router.action("privacy.erase")
async def confirmed(ctx: Context, value: str) -> None:
    confirmation = await store.take_confirmation(ctx.session, value, ctx.member.id, ctx.now())
    if confirmation is None:
        ctx.update(STALE)
        return
    target = await ctx.session.get(Member, confirmation.target_id)
    if target is None or target.erased_at is not None:
        ctx.update("That member's data has already been erased.")
        return
    if confirmation.scope.startswith("identity:"):
        identity_id = int(confirmation.scope.partition(":")[2])
        if await store.erase_identity(ctx.session, target.id, identity_id):
            await ctx.audit("privacy.erase_identity", target=target)
        ctx.update(
            "Done — I've forgotten this account. You're still a member through your others; "
            "type privacy erase there to erase everything."
        )
        return
    if await _last_admin(ctx, target):
        ctx.update("That would leave the network with no admin, so nothing was erased.")
        return
    await ctx.audit("privacy.erase", target=target)
    await erase_member(ctx, target.id)
    if target.id == ctx.member.id:
        ctx.update(
            "Done — your data is erased. If you talk to me again, I'll start afresh "
            "as if we'd never met. Thank you for being part of the network."
        )
    else:
        ctx.update("Done — that member's data is erased, and the erasure is in the audit log.")


async def erase_member(ctx: Context, member_id: int) -> None:
    """Every feature gives up what it holds, then the account becomes a tombstone."""
    for feature in ctx.router.personal_data:
        await feature.erase(ctx, member_id)
    await store.erase_account(ctx.session, member_id, ctx.now())


async def _last_admin(ctx: Context, member: Member) -> bool:
    admins = await people.members_with_role(ctx.session, "admin")
    return [admin.id for admin in admins] == [member.id]
