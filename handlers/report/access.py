"""Who may see which report: admins the network or any institution, a lead their own
institution, members nothing here. Decided from the verified member, never from a button."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context
from store import members
from store.models import Institution

LEAD, ADMIN = "lead", "admin"


@dataclass(frozen=True)
class Scope:
    institution: Institution | None  # None: the whole network


async def may_report(ctx: Context) -> bool:
    """Admins and leads may; anyone else is told who can."""
    if ctx.has_role(ADMIN) or await _lead_of(ctx) is not None:
        return True
    ctx.reply(await _who_can(ctx))
    return False


async def scope_for(ctx: Context, typed: str | None) -> Scope | None:
    """The scope this member may see for what they typed; None once a refusal is said."""
    if ctx.has_role(ADMIN):
        if typed is None:
            return Scope(None)
        match = await members.institution_named(ctx.session, typed)
        if match.found is None:
            hint = f" Did you mean {' or '.join(match.nearest)}?" if match.nearest else ""
            ctx.reply(f"I don't know an institution called “{typed[:60]}”.{hint}")
            return None
        return Scope(match.found)
    own = await _lead_of(ctx)
    if own is None:
        ctx.reply(await _who_can(ctx))
        return None
    if typed is not None:
        match = await members.institution_named(ctx.session, typed)
        if match.found is None or match.found.id != own.id:
            admins = await _admin_names(ctx)
            ctx.reply(
                f"As lead for {own.name} you can see its report. Other institutions' reports "
                f"are for network admins ({admins})."
            )
            return None
    return Scope(own)


async def scope_by_id(ctx: Context, institution_id: int | None) -> Scope | None:
    """For a button: the scope it names, if this member may still see it."""
    if ctx.has_role(ADMIN):
        if institution_id is None:
            return Scope(None)
        institution = await ctx.session.get(Institution, institution_id)
        return Scope(institution) if institution else None
    own = await _lead_of(ctx)
    if own is None or own.id != institution_id:
        ctx.reply(await _who_can(ctx))
        return None
    return Scope(own)


async def _lead_of(ctx: Context) -> Institution | None:
    if not ctx.has_role(LEAD):
        return None
    institution_id = members.scope_of(ctx.member, LEAD)
    return await ctx.session.get(Institution, institution_id) if institution_id else None


async def _who_can(ctx: Context) -> str:
    leads = [
        member.display_name
        for member, institution in await members.holders(ctx.session, LEAD)
        if institution is not None and institution.id == ctx.member.institution_id
    ]
    yours = f" Your institution's lead is {' and '.join(leads)}; ask them, or" if leads else " Ask"
    return (
        "Sorry, the impact report is for institutional leads and network admins."
        f"{yours} a network admin ({await _admin_names(ctx)}) to share it or to make you a lead."
    )


async def _admin_names(ctx: Context) -> str:
    admins = await members.members_with_role(ctx.session, ADMIN)
    return ", ".join(admin.display_name for admin in admins) or "none yet"
