"""`benchmate demo seed`: a small fictional network to try Benchmate with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import demo_data
from store.members import grant_role
from store.models import Department, Institution, Member, PlatformIdentity

DEMO_WORKSPACE = "local"


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(Member))


async def seed(session: AsyncSession, now: datetime) -> dict[str, int]:
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
                display_name=person["display_name"],
                created_at=now,
            )
        )
        for role in person["roles"]:
            await grant_role(session, member.id, role, now)
    await session.flush()
    return {"institutions": len(institutions), "members": len(demo_data.MEMBERS)}
