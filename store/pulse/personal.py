"""What pulse surveys hold about one member: which rounds they answered (never what: the
answers carry no link to anyone) and the surveys they run. On erasure the receipts stay,
pointing at the tombstone, so a round's count of respondents never moves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.pulse.models import PulseReceipt, PulseRound, PulseSurvey

TABLES = ("pulse_surveys", "pulse_receipts")


async def export(session: AsyncSession, member_id: int) -> dict[str, Any]:
    answered = await session.execute(
        select(PulseSurvey.title, PulseRound.number, PulseReceipt.answered_on)
        .join(PulseRound, PulseRound.id == PulseReceipt.round_id)
        .join(PulseSurvey, PulseSurvey.id == PulseRound.survey_id)
        .where(PulseReceipt.member_id == member_id)
        .order_by(PulseReceipt.answered_on)
    )
    runs = await session.scalars(
        select(PulseSurvey.title).where(PulseSurvey.coordinator_id == member_id)
    )
    return {
        # Which surveys you answered; what you said is anonymous and not linked to you.
        "anonymous_surveys_answered": [
            {"survey": title, "round": number, "answered_on": day.isoformat()}
            for title, number, day in answered
        ],
        "surveys_you_run": list(runs),
    }


async def scrub(session: AsyncSession, member_id: int) -> None:
    await session.execute(
        update(PulseSurvey)
        .where(PulseSurvey.coordinator_id == member_id)
        .values(coordinator_id=None)
        .execution_options(synchronize_session=False)
    )
