"""`admin role ...`: network admins grant and revoke roles."""

from __future__ import annotations

from bot.context import Context
from bot.router import Router
from store import members as store
from store.models import ROLES

router = Router()

ROLE_HELP = "Roles are champion (announces events), coordinator (runs a scheme) and admin."
USAGE = "Try: admin role grant priya champion, admin role revoke priya champion, admin role list"


@router.command(
    "admin",
    "role",
    role="admin",
    summary="Grant, revoke or list roles",
    example="admin role grant priya champion",
)
async def manage_roles(ctx: Context, args: str) -> None:
    words = args.split()
    verb = words[0].lower() if words else ""
    if verb == "list":
        await _list_roles(ctx, words[1].lower() if len(words) > 1 else None)
        return
    if verb not in {"grant", "revoke"} or len(words) != 3:
        ctx.reply(f"{USAGE}. {ROLE_HELP}")
        return
    who, role = words[1], words[2].lower()
    if role not in ROLES:
        ctx.reply(f"“{role[:30]}” isn't a role I know. {ROLE_HELP}")
        return
    member = await store.member_by_reference(ctx.session, who, ctx.inbound.who)
    if member is None:
        ctx.reply(
            f"I couldn't find exactly one member called “{who[:60]}”. "
            "Try their e-mail address or @mention them."
        )
        return
    if verb == "grant":
        changed = await store.grant_role(ctx.session, member.id, role, ctx.now(), by=ctx.member.id)
        done = (
            f"{member.display_name} is now a {role}."
            if changed
            else (f"{member.display_name} was already a {role}.")
        )
    else:
        if role == "admin" and await _is_last_admin(ctx, member.id):
            ctx.reply("That would leave the network with no admin. Grant someone else admin first.")
            return
        changed = await store.revoke_role(ctx.session, member.id, role)
        done = (
            f"{member.display_name} is no longer a {role}."
            if changed
            else (f"{member.display_name} wasn't a {role}.")
        )
    ctx.reply(done)


async def _list_roles(ctx: Context, only: str | None) -> None:
    roles = [only] if only in ROLES else list(ROLES)
    lines = []
    for role in roles:
        holders = await store.members_with_role(ctx.session, role)
        names = ", ".join(member.display_name for member in holders) or "nobody yet"
        lines.append(f"{role.title()}s: {names}")
    ctx.reply("\n".join(lines))


async def _is_last_admin(ctx: Context, member_id: int) -> bool:
    admins = await store.members_with_role(ctx.session, "admin")
    return [admin.id for admin in admins] == [member_id]
