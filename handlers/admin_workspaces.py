"""`admin workspaces`: which Slack workspaces and Teams tenants may use this deployment.

A deployment serves one network (bot/admission.py). A workspace that installs
the app through Slack's OAuth waits here until an admin approves it; an admin
may also remove one, and its people are then turned away with one friendly line.
"""

from __future__ import annotations

from bot.context import Context
from bot.router import Router
from store import admissions
from store.admissions import ADMITTED, PENDING, REMOVED

router = Router()

USAGE = (
    "Try admin workspaces, admin workspace approve Northmoor or admin workspace remove Northmoor."
)
STATUS_WORDS = {PENDING: "waiting for approval", ADMITTED: "admitted", REMOVED: "removed"}
VERBS = {"approve": ADMITTED, "remove": REMOVED}
PLATFORMS = {"slack", "teams"}


@router.command(
    "admin",
    "workspaces",
    role="admin",
    summary="List the workspaces and tenants admitted or waiting",
    example="admin workspaces",
)
async def list_workspaces(ctx: Context, args: str) -> None:
    rows = await admissions.all_workspaces(ctx.session)
    lines = ["This deployment's own workspaces (from its settings) are always admitted."]
    for row in rows:
        lines.append(
            f"• {_label(row.name, row.workspace)} ({row.platform}): {STATUS_WORDS[row.status]}"
        )
    if any(row.status == PENDING for row in rows):
        lines.append("Approve one with admin workspace approve NAME.")
    elif not rows:
        lines.append("No other workspace has asked to join.")
    ctx.reply("\n".join(lines))


@router.command(
    "admin",
    "workspace",
    role="admin",
    summary="Approve or remove a workspace or tenant",
    example="admin workspace approve Northmoor",
)
async def decide_workspace(ctx: Context, args: str) -> None:
    verb, _, reference = args.strip().partition(" ")
    status = VERBS.get(verb.lower())
    if status is None or not reference.strip():
        ctx.reply(USAGE)
        return
    found = await admissions.find(ctx.session, reference)
    platform, _, given_id = reference.strip().partition(" ")
    if not found and platform.lower() in PLATFORMS and given_id.strip():
        # A tenant or workspace not seen yet, named by its id (Teams tenants ask no one).
        found = [
            admissions.Admission(
                platform=platform.lower(), workspace=given_id.strip(), name="", status=""
            )
        ]
    if len(found) != 1:
        ctx.reply(
            f"I couldn't find exactly one workspace called “{reference.strip()[:60]}”. "
            "Type admin workspaces to see their names."
        )
        return
    [row] = found
    label = _label(row.name, row.workspace)
    if row.status == status:
        ctx.reply(f"{label} is already {STATUS_WORDS[status]} — nothing changed.")
        return
    await admissions.decide(ctx.session, row.platform, row.workspace, status, ctx.now())
    await ctx.audit(
        f"workspace.{verb.lower()}", detail={"platform": row.platform, "name": label[:80]}
    )
    if status == ADMITTED:
        ctx.reply(f"{label} is admitted: its people can now use Benchmate.")
    else:
        ctx.reply(f"{label} is removed: its people will be asked to wait for an admin.")


def _label(name: str, workspace: str) -> str:
    return name or workspace
