"""The mentoring tick: lapse unanswered requests kindly, and prompt evaluations when due.

Safe to re-run at the same instant: each step is a guarded update or an
outbox row with a unique key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import outbox
from bot.runtime import Runtime
from handlers.mentoring import evaluations
from handlers.mentoring.common import add_months
from handlers.mentoring.requests import next_suggestion
from handlers.mentoring.router import router
from store import mentoring as store
from store.mentoring import MentorRequest
from store.models import Member


@router.job("mentoring", every=timedelta(minutes=10))
async def tick(runtime: Runtime, now: datetime) -> int:
    return await expire_requests(runtime, now) + await prompt_evaluations(runtime, now)


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
    done = 0
    async with runtime.sessions() as session, session.begin():
        for stage in ("midpoint", "end"):
            for relationship in await store.due_for_evaluation(session, stage):
                scheme = await store.scheme(session, relationship.scheme_id)
                if scheme is None:
                    continue
                months = (
                    scheme.midpoint_months
                    if stage == "midpoint"
                    else relationship.expected_months or scheme.length_months
                )
                if add_months(relationship.started_at.date(), months) <= now.date():
                    done += await evaluations.prompt(session, relationship, stage, now)
    return done
