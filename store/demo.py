"""`benchmate demo seed`: a small fictional network to try Benchmate with."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import demo_data
from store.anonymous import random_key
from store.audience import audience as reach
from store.events import queries as events
from store.events.models import (
    EventAttendance,
    EventDelivery,
    EventFeedback,
    EventFeedbackReceipt,
    EventRsvp,
)
from store.members import grant_role
from store.mentoring import queries as mentoring
from store.mentoring.models import Meeting, MentorRequest, Relationship
from store.mentoring.tags import Weights
from store.models import SCOPED_ROLES, Department, Institution, Member, PlatformIdentity

DEMO_WORKSPACE = "local"


def working_day(day: date) -> date:
    """Hub events happen on working days: never a weekend or a bank holiday (Christmas)."""
    closed = holidays.country_holidays("GB", subdiv="ENG")
    while day.weekday() >= 5 or day in closed:
        day += timedelta(days=1)
    return day


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Member))


async def seed(session: AsyncSession, now: datetime, tag_weights: Weights) -> dict[str, int]:
    """Institutions, departments and members with console handles and roles."""
    departments: dict[tuple[str, str], Department] = {}
    institutions: dict[str, Institution] = {}
    for place in demo_data.INSTITUTIONS:
        institution = Institution(short_name=place["short_name"], name=place["name"])
        session.add(institution)
        institutions[place["short_name"]] = institution
        for name in place["departments"]:
            department = Department(institution=institution, name=name)
            session.add(department)
            departments[place["short_name"], name] = department
    await session.flush()

    for person in demo_data.MEMBERS:
        member = Member(
            display_name=person["display_name"],
            email=person["email"],
            email_verified=True,
            job_title=person["job_title"],
            institution_id=institutions[person["institution"]].id,
            department_id=departments[person["institution"], person["department"]].id,
            specialisms=list(person["specialisms"]),
            timezone=person["timezone"],
            created_at=now - timedelta(days=demo_data.JOINED_DAYS_AGO),
            updated_at=now,
        )
        session.add(member)
        await session.flush()
        session.add(
            PlatformIdentity(
                member_id=member.id,
                platform="console",
                workspace=DEMO_WORKSPACE,
                user_id=person["handle"],
                # What the console calls them (as a platform would); their full name is theirs.
                display_name=person["handle"].title(),
                created_at=now,
            )
        )
        for role in person["roles"]:
            scope = member.institution_id if role in SCOPED_ROLES else None
            await grant_role(session, member.id, role, now, institution_id=scope)
    await session.flush()
    counts = {"institutions": len(institutions), "members": len(demo_data.MEMBERS)}
    counts.update(await seed_mentoring(session, now, tag_weights))
    counts.update(await seed_events(session, now))
    counts.update(await seed_history(session, now, tag_weights))
    return counts


async def _handles(session: AsyncSession) -> dict[str, int]:
    """Demo members by console handle."""
    rows = await session.execute(
        select(PlatformIdentity.user_id, PlatformIdentity.member_id).where(
            PlatformIdentity.platform == "console",
            PlatformIdentity.workspace == DEMO_WORKSPACE,
        )
    )
    return dict(rows.all())


async def seed_mentoring(
    session: AsyncSession, now: datetime, tag_weights: Weights
) -> dict[str, int]:
    """The demo scheme, taking applications now, and everyone's mentoring profile."""
    handles = await _handles(session)
    plan = demo_data.SCHEME
    scheme = mentoring.Scheme(
        name=plan["name"],
        short_name=plan["short_name"],
        coordinator_id=handles.get(plan["coordinator"]),
        opens_on=(now - timedelta(days=14)).date(),
        closes_on=(now + timedelta(days=60)).date(),
        cadence_weeks=plan["cadence_weeks"],
        midpoint_months=plan["midpoint_months"],
        length_months=plan["length_months"],
        request_days=plan["request_days"],
        self_select=plan["self_select"],
        created_at=now,
    )
    session.add(scheme)
    await session.flush()
    profiles = 0
    for person in demo_data.MEMBERS:
        if not person.get("mentoring_role"):
            continue
        member_id = handles[person["handle"]]
        values = {
            "role": person["mentoring_role"],
            "specialisms": list(person["specialisms"]),
            "equipment": list(person.get("equipment", [])),
            "career_stage": person.get("career_stage"),
            "registration_held": list(person.get("registration_held", [])),
            "registration_sought": list(person.get("registration_sought", [])),
            "offer": person.get("offer", ""),
            "looking_for": person.get("looking_for", ""),
            "format": person.get("format") or "either",
            "capacity": int(person.get("capacity") or 0),
            "prefer_other_institution": True,
        }
        await mentoring.save_profile(session, member_id, values, [], now, tag_weights)
        await mentoring.join_scheme(session, scheme.id, member_id, now)
        profiles += 1
    return {"mentoring schemes": 1, "mentoring profiles": profiles}


async def seed_events(session: AsyncSession, now: datetime) -> dict[str, int]:
    """The demo's upcoming hub events, already announced (nothing is queued to send)."""
    handles = await _handles(session)
    places = dict((await session.execute(select(Institution.short_name, Institution.id))).all())
    zone = ZoneInfo("Europe/London")
    for plan in demo_data.EVENTS:
        day = working_day((now + timedelta(days=plan["days_from_now"])).astimezone(zone).date())
        starts = datetime.combine(day, time(plan["start_hour"]), tzinfo=zone)
        chosen = plan["audience"]
        audience = {
            "network": not chosen["institutions"] and not chosen["interests"],
            "institutions": [places[short] for short in chosen["institutions"]],
            "interests": list(chosen["interests"]),
            "channels": [],
        }
        event = events.new_event(
            handles[plan["champion"]],
            now,
            title=plan["title"],
            description=plan["description"],
            starts_at=starts,
            ends_at=starts + timedelta(hours=plan["duration_hours"]),
            location=plan["location"],
            online_url=plan["online_url"],
            capacity=plan["capacity"],
            audience=audience,
            network_wide=audience["network"],
        )
        event.status, event.sent_at = "sent", now
        event.checkin_code = events.new_checkin_code()
        event.reach = len(await reach(session, audience))
        session.add(event)
    await session.flush()
    return {"events": len(demo_data.EVENTS)}


async def seed_history(
    session: AsyncSession, now: datetime, tag_weights: Weights
) -> dict[str, int]:
    """The network's past: events held with answers, attendance and anonymous feedback, and
    mentoring pairs with their meetings, so the impact report has a story to tell."""
    handles = await _handles(session)
    zone = ZoneInfo("Europe/London")
    everyone = list(handles.values())
    for plan in demo_data.PAST_EVENTS:
        day = working_day((now - timedelta(days=plan["days_ago"])).astimezone(zone).date())
        starts = datetime.combine(day, time(14), tzinfo=zone)
        event = events.new_event(
            handles[plan["champion"]],
            starts - timedelta(days=14),
            title=plan["title"],
            description="",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            location=plan["location"],
            online_url="",
            capacity=None,
            audience={"network": True, "institutions": [], "interests": [], "channels": []},
            network_wide=True,
        )
        event.status, event.sent_at, event.reach = (
            "sent",
            starts - timedelta(days=14),
            len(everyone),
        )
        session.add(event)
        await session.flush()
        session.add_all(EventDelivery(event_id=event.id, member_id=m) for m in everyone)
        session.add_all(
            EventRsvp(
                event_id=event.id,
                member_id=handles[h],
                answer="going",
                answered_at=starts - timedelta(days=7),
            )
            for h in plan["going"]
        )
        answered = len(plan["feedback"])
        session.add_all(
            EventAttendance(
                event_id=event.id,
                member_id=handles[h],
                how="checkin",
                recorded_at=starts,
            )
            for h in plan["came"]
        )
        session.add_all(
            EventFeedbackReceipt(event_id=event.id, member_id=handles[h])
            for h in plan["came"][:answered]
        )
        session.add_all(
            EventFeedback(id=random_key(), event_id=event.id, score=score, comment=None)
            for score in plan["feedback"]
        )
    scheme_id = await session.scalar(select(mentoring.Scheme.id))
    for plan in demo_data.PAST_PAIRS:
        ago = lambda days: now - timedelta(days=days)  # noqa: E731
        request = MentorRequest(
            scheme_id=scheme_id,
            mentee_id=handles[plan["mentee"]],
            mentor_id=handles[plan["mentor"]],
            status="accepted",
            created_at=ago(plan["asked"]),
            expires_at=ago(plan["asked"] - 3),
            answered_at=ago(plan["started"]),
        )
        session.add(request)
        await session.flush()
        pair = Relationship(
            scheme_id=scheme_id,
            mentor_id=request.mentor_id,
            mentee_id=request.mentee_id,
            request_id=request.id,
            status="closed" if plan.get("closed") else "active",
            started_at=ago(plan["started"]),
            last_meeting_on=ago(min(plan["meetings"])).date(),
            closed_at=ago(plan["closed"]) if plan.get("closed") else None,
            exit_reason=plan.get("exit_reason"),
            stall_reported_at=ago(plan["stalled"]) if plan.get("stalled") else None,
        )
        session.add(pair)
        await session.flush()
        session.add_all(
            Meeting(
                relationship_id=pair.id,
                held_on=ago(days).date(),
                happened=True,
                objectives_reviewed=[],
                logged_by=request.mentee_id,
                created_at=ago(days),
            )
            for days in plan["meetings"]
        )
        await session.flush()
        await mentoring.refresh_open_places(session, request.mentor_id, tag_weights)
    return {"past events": len(demo_data.PAST_EVENTS), "mentoring pairs": len(demo_data.PAST_PAIRS)}
