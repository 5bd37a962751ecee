"""The audit log: what matters is recorded in the same unit of work, admins read it,
and the database refuses to change or delete an entry."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot import jobs
from bot.clock import FixedClock
from bot.delivery import PermanentFailure
from bot.harness import Harness
from bot.runtime import Runtime
from store.audit import AuditEntry
from tests.events_network import draft, person
from tests.helpers import make_member
from tests.mentoring_network import member_id, network
from tests.outbox_fakes import queue, recording
from tests.test_mentoring_schemes import CIMS, change_cims


async def entries(harness: Harness) -> list[AuditEntry]:
    async with harness.runtime.sessions() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def test_role_changes_are_recorded_and_shown_to_admins(
    harness: Harness, clock: FixedClock
) -> None:
    alex = await make_member(harness, "alex", "admin")
    dan = await make_member(harness, "dan")
    await harness.say("alex", "admin role grant dan champion")
    await harness.say("alex", "admin role grant dan champion")  # no change: nothing recorded
    clock.advance(timedelta(days=2))
    await harness.say("alex", "admin role revoke dan champion")

    recorded = await entries(harness)
    assert [(e.action, e.actor_id, e.target_id, e.detail) for e in recorded] == [
        ("role.grant", alex, dan, {"role": "champion"}),
        ("role.revoke", alex, dan, {"role": "champion"}),
    ]
    shown = (await harness.say("alex", "admin audit")).text
    assert "4 Mar 2026 10:00 — Alex took the champion role from Dan" in shown
    assert "2 Mar 2026 10:00 — Alex gave Dan the champion role" in shown
    assert shown.index("took") < shown.index("gave")  # newest first


async def test_admins_filter_by_member_or_day(harness: Harness, clock: FixedClock) -> None:
    await make_member(harness, "alex", "admin")
    await make_member(harness, "dan")
    await make_member(harness, "sam")
    await harness.say("alex", "admin role grant dan champion")
    clock.advance(timedelta(days=3))
    await harness.say("alex", "admin role grant sam coordinator")

    about_dan = (await harness.say("alex", "admin audit dan")).text
    assert "Dan" in about_dan and "Sam" not in about_dan
    recent = (await harness.say("alex", "admin audit since 2026-03-04")).text
    assert "Sam the coordinator role" in recent and "Dan" not in recent
    assert (
        "Nothing in the audit log"
        in (await harness.say("alex", "admin audit since 2026-04-01")).text
    )
    assert (
        "couldn't read “yesterday”"
        in (await harness.say("alex", "admin audit since yesterday")).text
    )
    assert (
        "couldn't find exactly one member"
        in (await harness.say("alex", "admin audit nobody-here")).text
    )


async def test_only_admins_read_the_audit_log(harness: Harness) -> None:
    await make_member(harness, "dan", "champion")
    assert "only for network admins" in (await harness.say("dan", "admin audit")).text


async def test_the_command_line_is_recorded_without_an_actor(harness: Harness) -> None:
    dan = await make_member(harness, "dan")
    env = {**os.environ, "DATABASE_URL": harness.runtime.settings.database_url}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot.cli", "roles", "grant", "dan", "admin"],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [entry] = await entries(harness)
    assert (entry.action, entry.actor_id, entry.target_id) == ("role.grant", None, dan)
    shown = (await harness.say("dan", "admin audit")).text
    assert "the command line gave Dan the admin role" in shown


async def test_scheme_changes_are_recorded(harness: Harness) -> None:
    await network(harness)
    await change_cims(harness, cadence_weeks="2")
    [changed] = await entries(harness)
    assert changed.action == "scheme.change" and changed.detail == {"name": CIMS}
    assert changed.actor_id == await member_id(harness, "morgan")


async def test_broadcasts_and_outbox_retries_are_recorded(
    runtime: Runtime, harness: Harness
) -> None:
    dan = await person(harness, "dan", roles=["champion", "admin"])
    await person(harness, "priya")
    preview = await draft(harness, "dan")
    await harness.press("dan", preview.button("Send"))
    [sent] = await entries(harness)
    assert (sent.action, sent.actor_id) == ("broadcast.send", dan)
    assert sent.detail["reach"] == 2 and sent.subject and sent.subject.startswith("event:")

    sender = recording(runtime)
    sender.script["doomed"] = [PermanentFailure("user not found")]
    await queue(runtime, "doomed", member_id=dan)
    await jobs.deliver_outbox(runtime, runtime.clock.now())
    await harness.say("dan", "admin outbox retry 1")
    retried = (await entries(harness))[-1]
    assert retried.action == "outbox.retry" and "ref" in retried.detail
    shown = (await harness.say("dan", "admin audit")).text
    assert "Dan sent the announcement “" in shown and "to 2 people" in shown
    assert f"queued undeliverable message {retried.detail['ref']}" in shown


async def test_an_entry_can_be_neither_changed_nor_deleted(harness: Harness) -> None:
    await make_member(harness, "alex", "admin")
    await make_member(harness, "dan")
    await harness.say("alex", "admin role grant dan champion")
    for statement in (
        update(AuditEntry).values(action="role.revoke"),
        delete(AuditEntry),
    ):
        with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
            async with harness.runtime.sessions() as session, session.begin():
                await session.execute(statement)
    assert [e.action for e in await entries(harness)] == ["role.grant"]
