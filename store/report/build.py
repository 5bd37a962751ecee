"""The whole report for one period and scope: each section's figures beside the last period's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Institution
from store.report import events, mentoring, reach, recognition, voice
from store.report.figures import Report
from store.report.period import Period
from store.report.sql import Windows

NETWORK = "the network"


async def build(
    session: AsyncSession,
    period: Period,
    *,
    zone: ZoneInfo,
    now: datetime,
    institution: Institution | None,
    evaluation_questions: Mapping[str, str],
) -> Report:
    """Events, Mentoring, Recognition, Voice and Reach, in a fixed number of queries."""
    dialect = session.get_bind().dialect.name
    w = Windows.of(period, zone, now, institution.id if institution else None, dialect)
    sections = [
        await events.section(session, w, now),
        await mentoring.section(session, w, evaluation_questions),
        await recognition.section(session, w),
        await voice.section(session, w),
        await reach.section(session, w),
    ]
    scope = institution.name if institution else NETWORK
    return Report(scope, period, period.previous(), sections)
