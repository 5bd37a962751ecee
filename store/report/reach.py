"""Reach: members active on the network, by institution and by platform, month by month.

A member is active in a month when they did something the bot records with a date:
joined, answered or came to an event, asked for or answered a mentoring request,
or logged a meeting. Each member counts once, however many
platforms they use; someone on several is counted once, as "More than one platform".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, distinct, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from store.events.models import EventAttendance, EventRsvp
from store.mentoring.models import Meeting, MentorRequest
from store.models import Institution, Member, PlatformIdentity
from store.report.figures import BEFORE, NOW, Section, Table, pair
from store.report.sql import Windows, by_window, positions

ACTIVE = "Active members"
HOW_ACTIVE = (
    "Members who did something the bot records in the period: joined, answered or came "
    "to an event, asked for or answered a mentoring request, or logged a meeting. "
    "Each person once, on any number of platforms."
)
PLATFORM_NAMES = {
    "slack": "Slack",
    "teams": "Teams",
    "console": "Console",
    "both": "More than one platform",
}


def activity(w: Windows) -> Any:
    """(member_id, at) for every dated thing a member did, in either window."""
    at = "at"
    sources = [
        select(Member.id.label("member_id"), Member.created_at.label(at)).where(
            w.spans(Member.created_at)
        ),
        select(EventRsvp.member_id, EventRsvp.answered_at).where(w.spans(EventRsvp.answered_at)),
        select(EventAttendance.member_id, EventAttendance.recorded_at).where(
            w.spans(EventAttendance.recorded_at)
        ),
        select(MentorRequest.mentee_id, MentorRequest.created_at).where(
            w.spans(MentorRequest.created_at)
        ),
        select(MentorRequest.mentor_id, MentorRequest.answered_at).where(
            w.spans(MentorRequest.answered_at)
        ),
        select(Meeting.logged_by, Meeting.created_at).where(
            w.spans(Meeting.created_at), Meeting.logged_by.is_not(None)
        ),
    ]
    return union_all(*sources).subquery("activity")


async def section(session: AsyncSession, w: Windows) -> Section:
    active, by_place, by_platform = await _active(session, w)
    members = await by_window(
        session,
        select(
            case((Member.created_at < w.start, literal(BEFORE)), else_=literal(NOW)),
            func.count(),
        )
        .where(Member.created_at < w.end, w.member_in_scope(Member.id))
        .group_by(*positions(1)),
    )
    joined_by_end = {
        NOW: members.get(NOW, 0) + members.get(BEFORE, 0),
        BEFORE: members.get(BEFORE, 0),
    }
    figures = [
        pair(active, ACTIVE, HOW_ACTIVE),
        pair(joined_by_end, "Members", "Members on the network by the end of the period."),
    ]
    tables = [
        Table(
            "Active members by institution, month by month",
            tuple(w.period.months()),
            by_place,
            HOW_ACTIVE + " Months in UTC.",
            "line",
        ),
        Table(
            "Active members by platform, month by month",
            tuple(w.period.months()),
            by_platform,
            "As above, by the platforms a member uses: someone on both counts once, "
            "under More than one platform.",
            "line",
        ),
    ]
    return Section("reach", "Reach", figures, tables)


def _platforms() -> Any:
    """Each member's platform group: "both" on more than one, else their one platform."""
    return (
        select(
            PlatformIdentity.member_id,
            case(
                (func.count(distinct(PlatformIdentity.platform)) > 1, literal("both")),
                else_=func.max(PlatformIdentity.platform),
            ).label("platforms"),
        )
        .group_by(PlatformIdentity.member_id)
        .subquery()
    )


Rows = list[tuple[str, tuple[float | None, ...]]]


async def _active(session: AsyncSession, w: Windows) -> tuple[dict[str, float], Rows, Rows]:
    """Active members per window, and per month of this period by institution and by
    platform, from one pass over the activity: each (member, month, window) once, kept
    (a common table used twice), then counted two ways. A member has one institution and
    one platform group, so adding up over the other gives distinct members exactly."""
    done = activity(w)
    base = (
        select(
            done.c.member_id,
            w.month(done.c.at).label("month"),
            w.which(done.c.at).label("window"),
        )
        .where(w.member_in_scope(done.c.member_id))
        .group_by(*positions(1, 2, 3))
        .cte("active_months")
    )
    platforms = _platforms()
    per_window = select(
        literal("window").label("kind"),
        base.c.window.label("a"),
        null().label("b"),
        null().label("c"),
        func.count(distinct(base.c.member_id)).label("n"),
    ).group_by(*positions(1, 2))
    per_month = (
        select(
            literal("month"),
            func.coalesce(Institution.name, "No institution given"),
            platforms.c.platforms,
            base.c.month,
            func.count(),
        )
        .select_from(base)
        .join(Member, Member.id == base.c.member_id)
        .outerjoin(Institution, Institution.id == Member.institution_id)
        .outerjoin(platforms, platforms.c.member_id == base.c.member_id)
        .where(base.c.window == NOW)
        .group_by(*positions(1, 2, 3, 4))
    )
    active: dict[str, float] = {}
    by_place: dict[str, dict[str, float]] = {}
    by_platform: dict[str, dict[str, float]] = {}
    for kind, place, platform, when, count in (
        await session.execute(union_all(per_window, per_month))
    ).all():
        if kind == "window":
            if place:
                active[place] = count
            continue
        for table, name in (
            (by_place, place),
            (by_platform, PLATFORM_NAMES.get(platform, platform or "—")),
        ):
            table.setdefault(name, {})
            table[name][when] = table[name].get(when, 0) + count
    return active, _by_month(w, by_place), _by_month(w, by_platform)


def _by_month(w: Windows, table: dict[str, dict[str, float]]) -> Rows:
    months = w.period.months()
    ordered = sorted(table.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return [(name, tuple(counts.get(month, 0) for month in months)) for name, counts in ordered]
