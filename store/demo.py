"""`benchmate demo seed`: a small fictional network to try Benchmate with."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import demo_data
from store.audience import audience as reach
from store.events import queries as events
from store.members import grant_role
from store.mentoring import queries as mentoring
from store.mentoring.tags import Weights
from store.models import Department, Institution, Member, PlatformIdentity

DEMO_WORKSPACE = "local"


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
            created_at=now,
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
            await grant_role(session, member.id, role, now)
    await session.flush()
    counts = {"institutions": len(institutions), "members": len(demo_data.MEMBERS)}
    counts.update(await seed_mentoring(session, now, tag_weights))
    counts.update(await seed_events(session, now))
    return counts


async def _handles(session: AsyncSession) -> dict[str, int]:
    """Demo members by console handle."""
    rows = await session.execute(
        select(PlatformIdentity.user_id, PlatformIdentity.member_id).where(
            PlatformIdentity.platform == "console",
            PlatformIdentity.workspace == DEMO_WORKSPACE,
        )
    )
    return dict(rows.all())  # type: ignore[arg-type]


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
        day = (now + timedelta(days=plan["days_from_now"])).astimezone(zone).date()
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
