"""The mentoring tick: lapse unanswered requests kindly, keep each pair's meeting rhythm,
and prompt evaluations when due.

Safe to re-run at the same instant: each step is a guarded update or an
outbox row with a unique key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import outbox
from bot.runtime import Runtime
from handlers.mentoring import evaluations, nudges
from handlers.mentoring.requests import next_suggestion
from handlers.mentoring.router import router
from store.mentoring import queries as store
from store.mentoring.models import STAGES_OF_EVALUATION, MentorRequest
from store.models import Member


@router.job("mentoring", every=timedelta(minutes=10))
async def tick(runtime: Runtime, now: datetime) -> int:
    # Evaluations first: the end of a pair's time stops the booking nudges of that day.
    return (
        await expire_requests(runtime, now)
        + await prompt_evaluations(runtime, now)
        + await meeting_rhythm(runtime, now)
    )


async def meeting_rhythm(runtime: Runtime, now: datetime) -> int:
    """Nudges, "did you meet?", missed cycles and the coordinators' digest (see nudges)."""
    day = now.astimezone(ZoneInfo(runtime.settings.benchmate_timezone)).date()
    async with runtime.sessions() as session, session.begin():
        return await nudges.sweep(session, day, now)


async def expire_requests(runtime: Runtime, now: datetime) -> int:
    zone = ZoneInfo(runtime.settings.benchmate_timezone)
    done = 0
    async with runtime.sessions() as session, session.begin():
        for request_id in await store.lapsed_requests(session, now):
            if not await store.expire_request(session, request_id, now):
                continue
            request = await session.get(MentorRequest, request_id)
            mentee = await session.get(Member, request.mentee_id) if request else None
            if request is None or mentee is None:
                continue
            names = await store.names_of(session, [request.mentor_id])
            opening = (
                f"{names[request.mentor_id]} hasn't been able to answer your request in time, "
                "so I've closed it — mentors are busy people, and it's no reflection on you."
            )
            message = await next_suggestion(
                session, request.scheme_id, mentee, now.astimezone(zone).date(), opening
            )
            await outbox.enqueue(
                session,
                key=f"mentor.expired:{request.id}",
                kind="mentor",
                message=message,
                now=now,
                member_id=mentee.id,
            )
            done += 1
    return done


async def prompt_evaluations(runtime: Runtime, now: datetime) -> int:
    """Both of each pair are asked for the mid-point and end evaluations when due."""
    day = now.astimezone(ZoneInfo(runtime.settings.benchmate_timezone)).date()
    done = 0
    async with runtime.sessions() as session, session.begin():
        for stage in STAGES_OF_EVALUATION:
            pairs = await store.due(session, stage, day)
            invitations = [each for pair in pairs for each in evaluations.prompts(pair, stage)]
            done += await outbox.enqueue_many(session, invitations, now)
            prompted: dict[str, object] = {f"{stage}_prompted_at": now, f"{stage}_due_on": None}
            if stage == "end":  # their time is up: no more "book your next meeting"
                prompted |= {"nudge_due_on": None, "cycle_due_on": None}
            await store.apply_changes(session, {pair.id: prompted for pair in pairs})
    return done
