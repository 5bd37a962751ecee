"""The mentoring tick: lapse unanswered requests kindly, keep each pair's meeting rhythm,
and prompt evaluations when due.

Safe to re-run at the same instant: each step is a guarded update or an
outbox row with a unique key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import outbox
from bot.outbox import Queued
from bot.runtime import Runtime
from bot.ui import Button, text_message
from handlers.mentoring import evaluations, nudges
from handlers.mentoring.common import card
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
        + await remind_before(runtime, now)
        + await prompt_evaluations(runtime, now)
        + await meeting_rhythm(runtime, now)
        + await seal_evaluations(runtime, now)
    )


REQUEST_REMINDER = timedelta(days=1)  # before a request to a mentor lapses


async def remind_before(runtime: Runtime, now: datetime) -> int:
    """A day before: the mentor of a request about to lapse, and both of a pair meeting
    tomorrow. Each reminder's outbox key makes it once, however often the tick runs."""
    zone = ZoneInfo(runtime.settings.benchmate_timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    queued: list[Queued] = []
    async with runtime.sessions() as session, session.begin():
        expiring = await store.requests_expiring(session, now, REQUEST_REMINDER)
        names = await store.names_of(session, [request.mentee_id for request in expiring])
        for request in expiring:
            by = request.expires_at.astimezone(zone)
            value = str(request.id)
            text = (
                f"A gentle reminder: {names[request.mentee_id]} asked you to be their mentor, "
                f"and the request closes on {by:%A %-d %B at %H:%M}. Either answer is fine."
            )
            message = card(
                text,
                Button(label="Accept", action_id="mentor.accept", value=value, style="primary"),
                Button(label="Decline", action_id="mentor.decline", value=value),
            )
            key = f"mentor.request_reminder:{request.id}"
            queued.append(Queued(key, "mentor", message, member_id=request.mentor_id))
        for pair in await store.meetings_on(session, tomorrow):
            for member_id, other in (
                (pair.mentee_id, pair.mentor_name),
                (pair.mentor_id, pair.mentee_name),
            ):
                text = f"Reminder: you're meeting {other} tomorrow, {tomorrow:%A %-d %B}."
                key = f"meeting.reminder:{pair.id}:{tomorrow}:{member_id}"
                kind = nudges.KIND if member_id == pair.mentee_id else "mentor"
                queued.append(Queued(key, kind, text_message(text), member_id=member_id))
        return await outbox.enqueue_many(session, queued, now)


async def seal_evaluations(runtime: Runtime, now: datetime) -> int:
    """Closed evaluation rounds are sealed: answers shuffled, what is never shown deleted."""
    async with runtime.sessions() as session, session.begin():
        await evaluations.seal_closed(session, now)
    return 0


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
