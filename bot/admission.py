"""Who may use this deployment (DESIGN.md, "Who may use a deployment").

A deployment serves one network. The core asks here, once per turn and before
it finds or creates a member, whether the workspace or tenant on the inbound is
admitted, and whether the person belongs to it (a Slack Connect guest from
another organisation does not). Admitted without a row: the console, the Teams
tenant in MICROSOFT_APP_TENANT_ID (any tenant in development when none is set),
and the workspace of a single-workspace SLACK_BOT_TOKEN install. Everything
else needs an admin's `admin workspace approve`; an admin's row always wins.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbound import Inbound
from bot.settings import Settings
from store import admissions


def admitted_by_settings(settings: Settings, platform: str, workspace: str) -> bool:
    if platform == "console":
        return True
    if platform == "teams":
        tenant = settings.microsoft_app_tenant_id
        return workspace == tenant if tenant else not settings.is_production
    if platform == "slack":
        # One bot token, no OAuth: every signed request is from the token's own workspace.
        return bool(settings.slack_bot_token) and not (
            settings.slack_client_id and settings.slack_client_secret
        )
    return False


async def is_admitted(
    session: AsyncSession, settings: Settings, platform: str, workspace: str
) -> bool:
    status = await admissions.status_of(session, platform, workspace)
    if status is not None:
        return status == admissions.ADMITTED
    return admitted_by_settings(settings, platform, workspace)


async def refusal(session: AsyncSession, settings: Settings, inbound: Inbound) -> str | None:
    """One friendly line when this inbound may not reach the network, else None."""
    network = settings.benchmate_network_name
    who = inbound.who
    if inbound.home_workspace and inbound.home_workspace != who.workspace:
        return (
            f"Hello! Benchmate here serves {network}, and you're joining from another "
            "organisation, so an admin needs to invite you first."
        )
    if not await is_admitted(session, settings, who.platform, who.workspace):
        return (
            f"Hello! Benchmate here serves {network}; an admin needs to approve your "
            "workspace first."
        )
    return None
