"""Quiet hours: 09:00–17:00 on working days in the member's zone, bank holidays skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import jobs
from bot.harness import Harness
from bot.quiet_hours import QuietHours, mark_urgent, zone_named
from bot.runtime import Runtime
from store.models import Member
from tests.helpers import make_member
from tests.outbox_fakes import queue, recording, rows

LONDON = ZoneInfo("Europe/London")
HOURS = QuietHours()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (utc(2026, 3, 2, 10, 0), utc(2026, 3, 2, 10, 0)),  # Monday morning: now
        (utc(2026, 3, 2, 7, 30), utc(2026, 3, 2, 9, 0)),  # too early: 09:00 that day
        (utc(2026, 3, 2, 17, 0), utc(2026, 3, 3, 9, 0)),  # 17:00 is closed: next morning
        (utc(2026, 3, 6, 16, 59), utc(2026, 3, 6, 16, 59)),  # Friday just before five
        (utc(2026, 3, 6, 18, 0), utc(2026, 3, 9, 9, 0)),  # Friday evening: Monday
        (utc(2026, 3, 7, 12, 0), utc(2026, 3, 9, 9, 0)),  # Saturday: Monday
        (utc(2026, 6, 1, 8, 30), utc(2026, 6, 1, 8, 30)),  # 09:30 BST is open
        (utc(2026, 6, 1, 7, 30), utc(2026, 6, 1, 8, 0)),  # 08:30 BST: opens 09:00 BST
        # Christmas Eve evening: Christmas Day (Fri), the weekend, and Monday 28th,
        # the substitute for Boxing Day (a Saturday in 2026), are all skipped.
        (utc(2026, 12, 24, 18, 0), utc(2026, 12, 29, 9, 0)),
        (utc(2026, 12, 25, 10, 0), utc(2026, 12, 29, 9, 0)),
        (utc(2026, 12, 28, 10, 0), utc(2026, 12, 29, 9, 0)),
        (utc(2026, 8, 31, 12, 0), utc(2026, 9, 1, 8, 0)),  # late summer bank holiday
    ],
)
def test_next_allowed_instant_in_london(when: datetime, expected: datetime) -> None:
    assert HOURS.next_allowed(when, LONDON) == expected
    assert HOURS.allows(expected, LONDON)


def test_the_members_own_timezone_counts() -> None:
    new_york = ZoneInfo("America/New_York")
    # 10:00 in London is 05:00 in New York: wait for 09:00 there (14:00 UTC).
    assert HOURS.next_allowed(utc(2026, 3, 2, 10, 0), new_york) == utc(2026, 3, 2, 14, 0)
    assert zone_named("Not/AZone", "Europe/London") == LONDON
    assert zone_named(None, "Europe/London") == LONDON


def test_another_holiday_calendar_can_be_chosen() -> None:
    scotland = QuietHours(subdivision="SCT")
    # 2 January is a bank holiday in Scotland only (a Friday in 2026).
    assert not scotland.allows(utc(2026, 1, 2, 10, 0), LONDON)
    assert HOURS.allows(utc(2026, 1, 2, 10, 0), LONDON)


async def test_a_message_due_on_saturday_is_deferred_to_monday_morning(
    runtime: Runtime, harness: Harness
) -> None:
    priya = await make_member(harness, "priya")
    sender = recording(runtime)
    saturday = utc(2026, 3, 7, 11, 0)
    runtime.clock.set(saturday)  # type: ignore[attr-defined]
    await queue(runtime, "weekend", member_id=priya)

    assert await jobs.deliver_outbox(runtime, saturday) == 1
    row = (await rows(runtime))["weekend"]
    assert (row.status, row.due_at, row.attempts) == ("queued", utc(2026, 3, 9, 9, 0), 0)
    assert sender.sent == []

    runtime.clock.set(utc(2026, 3, 9, 9, 0))  # type: ignore[attr-defined]
    await jobs.deliver_outbox(runtime, runtime.clock.now())
    assert sender.sent == ["weekend"]


async def test_the_recipients_zone_decides_and_urgent_kinds_skip_quiet_hours(
    runtime: Runtime, harness: Harness
) -> None:
    priya = await make_member(harness, "priya")
    sam = await make_member(harness, "sam")
    async with runtime.sessions() as session, session.begin():
        (await session.get(Member, sam)).timezone = "Asia/Tokyo"  # type: ignore[union-attr]
    sender = recording(runtime)
    mark_urgent("test.urgent")
    evening = utc(2026, 3, 2, 19, 0)  # 19:00 in London, 04:00 on Tuesday in Tokyo
    runtime.clock.set(evening)  # type: ignore[attr-defined]
    await queue(runtime, "for-priya", member_id=priya)
    await queue(runtime, "for-sam", member_id=sam)
    await queue(runtime, "urgent", member_id=priya, kind="test.urgent")

    await jobs.deliver_outbox(runtime, evening)
    found = await rows(runtime)
    assert sender.sent == ["urgent"]
    assert found["for-priya"].due_at == utc(2026, 3, 3, 9, 0)
    assert found["for-sam"].due_at == utc(2026, 3, 3, 0, 0)  # 09:00 in Tokyo
    runtime.clock.advance(timedelta(hours=5))  # type: ignore[attr-defined]
    await jobs.deliver_outbox(runtime, runtime.clock.now())
    assert sender.sent == ["urgent", "for-sam"]
