"""Reminders a day and an hour before, by the clock; changes and cancellations reach
everyone who answered; the calendar file follows each change."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar

from bot import jobs
from bot.clock import FixedClock
from bot.harness import Harness
from bot.root import create_app
from store.models import Channel, OutboxMessage
from tests.events_network import announce, event_fields, person, reload, rows, rsvp
from tests.outbox_fakes import recording


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def statuses(found: list[OutboxMessage]) -> dict[int | None, str]:
    return {row.member_id: row.status for row in found}


async def test_going_members_are_reminded_a_day_and_an_hour_before(
    harness: Harness, clock: FixedClock
) -> None:
    sender = recording(harness.runtime)
    await person(harness, "dan", roles=["champion"])
    priya = await person(harness, "priya")
    nia = await person(harness, "nia", timezone="America/New_York")
    await person(harness, "ben")
    event = await announce(harness, "dan", online_url="https://meet.example/tour")
    for handle in ("priya", "nia"):
        await rsvp(harness, handle, event, "going")
    await rsvp(harness, "ben", event, "maybe")

    await jobs.run_all(harness.runtime, clock.now())
    assert await rows(harness, "event.reminder") == []

    clock.set(at("2026-03-09T14:30"))  # 23.5 hours before 14:00 on Tuesday
    await jobs.run_all(harness.runtime, clock.now())
    day = await rows(harness, f"event.reminder.day:{event.id}:")
    assert sorted(r.member_id for r in day) == sorted([priya, nia])  # not Ben (maybe)
    texts = {r.member_id: r.payload["text"] for r in day}
    assert "is coming up — Tuesday 10 March 2026, 14:00–16:00 GMT" in texts[priya]
    assert "10:00–12:00 EDT" in texts[nia]  # New York is already on summer time
    assert statuses(day) == {priya: "sent", nia: "sent"}
    labels = [b["label"] for b in day[0].payload["blocks"][-1]["buttons"]]
    assert labels == ["Can't go", "Add to calendar", "Join online"]

    await jobs.run_all(harness.runtime, clock.now())  # the same instant again: nothing new
    assert len(await rows(harness, "event.reminder")) == 2

    clock.set(at("2026-03-10T13:05"))
    await jobs.run_all(harness.runtime, clock.now())
    hour = await rows(harness, f"event.reminder.hour:{event.id}:")
    assert sorted(r.member_id for r in hour) == sorted([priya, nia])
    assert "is starting soon" in hour[0].payload["text"]
    assert len([key for key in sender.sent if key.startswith("event.reminder")]) == 4


async def test_an_event_announced_late_skips_the_day_reminder(
    harness: Harness, clock: FixedClock
) -> None:
    recording(harness.runtime)
    await person(harness, "dan", roles=["champion"])
    await person(harness, "priya")
    event = await announce(harness, "dan", day="2026-03-03", starts="09:30", ends="10:30")
    await rsvp(harness, "priya", event, "going")
    await jobs.run_all(harness.runtime, clock.now())
    assert await rows(harness, "event.reminder.day") == []  # the announcement was today
    clock.set(at("2026-03-03T08:45"))
    await jobs.run_all(harness.runtime, clock.now())
    [hour] = await rows(harness, "event.reminder.hour")
    assert hour.status == "sent"  # before office hours, but an hour's notice can't wait


async def test_a_change_tells_everyone_who_answered_and_moves_the_reminders(
    harness: Harness, clock: FixedClock
) -> None:
    recording(harness.runtime)
    await person(harness, "dan", roles=["champion"])
    priya = await person(harness, "priya")
    ben = await person(harness, "ben")
    await person(harness, "quiet")  # told of the event, never answered
    event = await announce(harness, "dan")
    await rsvp(harness, "priya", event, "going")
    await rsvp(harness, "ben", event, "not_going")
    clock.set(at("2026-03-09T14:30"))
    await jobs.run_all(harness.runtime, clock.now())
    assert len(await rows(harness, "event.reminder.day")) == 1

    opened = await harness.say("dan", "event edit")
    assert opened.form is not None and opened.form.form_id == "event.edit"
    saved = await harness.submit(
        "dan", opened.form, event_fields(day="2026-03-12", starts="10:00", ends="12:00")
    )
    assert saved.text.startswith("Saved: the new time is Thursday 12 March, 10:00.")
    assert "told the 2 people" in saved.text
    changed = await rows(harness, f"event.changed:{event.id}:1:")
    assert sorted(r.member_id for r in changed) == sorted([priya, ben])
    assert "Thursday 12 March 2026, 10:00–12:00 GMT" in changed[0].payload["text"]
    unchanged = await harness.submit(
        "dan", opened.form, event_fields(day="2026-03-12", starts="10:00", ends="12:00")
    )
    assert "Nothing changed" in unchanged.text

    clock.set(at("2026-03-11T10:30"))
    await jobs.run_all(harness.runtime, clock.now())
    day = await rows(harness, "event.reminder.day")
    assert len(day) == 2 and "Thursday 12 March" in day[-1].payload["text"]
    assert (await reload(harness, event.id)).sequence == 1


async def test_cancelling_tells_those_who_answered_and_the_channels(
    harness: Harness, clock: FixedClock
) -> None:
    recording(harness.runtime)
    now = clock.now()
    async with harness.runtime.sessions() as session, session.begin():
        hub = Channel(
            platform="console", workspace="local", channel_id="hub", name="hub", created_at=now
        )
        session.add(hub)
        await session.flush()
        hub_id = hub.id
    await person(harness, "dan", roles=["champion"])
    priya = await person(harness, "priya")
    await person(harness, "ben")
    event = await announce(harness, "dan", channels=[str(hub_id)])
    await rsvp(harness, "priya", event, "going")
    clock.set(at("2026-03-09T14:30"))
    await jobs.run_all(harness.runtime, clock.now())
    [reminder] = await rows(harness, "event.reminder.day")
    assert reminder.status == "sent"

    asked = await harness.say("dan", "event cancel")
    assert "I'll tell the 1 person who answered" in asked.text
    done = await harness.press("dan", asked.button("Cancel the event"))
    assert "Cancelled" in done.text
    cancelled = await rows(harness, f"event.cancelled:{event.id}:")
    assert {(r.member_id, r.channel_id) for r in cancelled} == {(priya, None), (None, hub_id)}
    assert "has been cancelled" in cancelled[0].payload["text"]
    assert (
        "already cancelled" in (await harness.press("dan", asked.button("Cancel the event"))).text
    )
    await jobs.run_all(harness.runtime, clock.now())
    assert {r.status for r in await rows(harness, f"event.cancelled:{event.id}:")} == {"sent"}
    clock.set(at("2026-03-10T13:05"))
    await jobs.run_all(harness.runtime, clock.now())
    assert await rows(harness, "event.reminder.hour") == []  # no reminders for a cancelled event


async def test_calendar_file_keeps_its_uid_and_counts_changes(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    event = await announce(harness, "dan", online_url="https://meet.example/tour")
    client = TestClient(TestServer(create_app(harness.runtime)))
    await client.start_server()
    try:
        url = f"/calendar/{event.calendar_token}.ics"
        first = await _entry(client, url)
        assert str(first["uid"]) == event.uid and int(first["sequence"]) == 0
        assert first.decoded("dtstart") == at("2026-03-10T14:00")
        assert first.decoded("dtend") == at("2026-03-10T16:00")
        assert str(first["summary"]) == "Proteomics facility tour"
        assert str(first["status"]) == "CONFIRMED"
        assert "https://meet.example/tour" in str(first["description"])

        opened = await harness.say("dan", "event edit")
        assert opened.form is not None
        await harness.submit("dan", opened.form, event_fields(starts="15:00", ends="17:00"))
        moved = await _entry(client, url)
        assert str(moved["uid"]) == event.uid and int(moved["sequence"]) == 1
        assert moved.decoded("dtstart") == at("2026-03-10T15:00")

        asked = await harness.say("dan", "event cancel")
        await harness.press("dan", asked.button("Cancel the event"))
        gone = await _entry(client, url)
        assert str(gone["status"]) == "CANCELLED" and int(gone["sequence"]) == 2

        assert (await client.get("/calendar/not-a-real-token-at-all.ics")).status == 404
        assert (await client.get("/calendar/..%2Fetc.ics")).status == 404
    finally:
        await client.close()


async def _entry(client: TestClient, url: str):  # type: ignore[no-untyped-def]
    response = await client.get(url)
    assert response.status == 200
    assert response.content_type == "text/calendar"
    calendar = Calendar.from_ical(await response.read())
    [entry] = calendar.walk("VEVENT")
    return entry
