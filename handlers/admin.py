"""`admin role ...`: network admins grant and revoke roles."""

from __future__ import annotations

from bot.context import Context
from bot.router import Router
from handlers.people import named_member
from store import members as store
from store.models import ROLES, SCOPED_ROLES, Institution, Member

router = Router()

ROLE_HELP = (
    "Roles are champion (announces events), coordinator (runs a scheme), "
    "lead (sees one institution's impact report) and admin."
)
USAGE = (
    "Try: admin role grant priya champion, admin role grant priya lead Northmoor, "
    "admin role revoke priya champion, admin role list"
)


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
    scoped = len(words) >= 3 and words[2].lower() in SCOPED_ROLES
    if verb not in {"grant", "revoke"} or len(words) < 3 or (len(words) > 3 and not scoped):
        ctx.reply(f"{USAGE}. {ROLE_HELP}")
        return
    who, role, where = words[1], words[2].lower(), " ".join(words[3:])
    if role not in ROLES:
        ctx.reply(f"“{role[:30]}” isn't a role I know. {ROLE_HELP}")
        return
    member = await named_member(ctx, who)
    if member is None:
        return
    detail = {"role": role}
    if verb == "grant" and scoped:
        institution = await _institution_to_lead(ctx, member, where)
        if institution is None:
            return
        detail["institution"] = institution.name
        changed = await store.grant_role(
            ctx.session, member.id, role, ctx.now(), by=ctx.member.id, institution_id=institution.id
        )
        done = (
            f"{member.display_name} is now the {role} for {institution.name}: they can see its "
            "impact report and get its monthly digest."
            if changed
            else f"{member.display_name} was already the {role} for {institution.name}."
        )
    elif verb == "grant":
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
    if changed:
        await ctx.audit(f"role.{verb}", target=member, detail=detail)
    ctx.reply(done)


async def _institution_to_lead(ctx: Context, member: Member, typed: str) -> Institution | None:
    """The institution named after the role, or else the member's own; None once explained."""
    if not typed:
        if member.institution is None:
            ctx.reply(
                f"Which institution will {member.display_name} lead? "
                f"Try: admin role grant {member.display_name.split(' ')[0].lower()} lead Northmoor"
            )
        return member.institution
    match = await store.institution_named(ctx.session, typed)
    if match.found is None:
        hint = f" Did you mean {' or '.join(match.nearest)}?" if match.nearest else ""
        ctx.reply(f"I don't know an institution called “{typed[:60]}”.{hint}")
    return match.found


async def _list_roles(ctx: Context, only: str | None) -> None:
    roles = [only] if only in ROLES else list(ROLES)
    lines = []
    for role in roles:
        holders = await store.holders(ctx.session, role)
        names = (
            ", ".join(
                f"{member.display_name} ({institution.name})"
                if institution
                else member.display_name
                for member, institution in holders
            )
            or "nobody yet"
        )
        lines.append(f"{role.title()}s: {names}")
    ctx.reply("\n".join(lines))


async def _is_last_admin(ctx: Context, member_id: int) -> bool:
    admins = await store.members_with_role(ctx.session, "admin")
    return [admin.id for admin in admins] == [member_id]
