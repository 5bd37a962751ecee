"""Turns in a crowd: readers never wait for writers, writers queue inside the process, and
nothing fails with "database is locked".

On SQLite the runtime here gives SQLite's busy handler only 50 ms: writers of one process
must queue on the process's own writer lock, never meet in the busy handler.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.clock import FixedClock
from bot.context import Context
from bot.core import DATABASE_AWAY
from bot.harness import Harness
from bot.router import Router
from bot.runtime import Runtime
from handlers import build_router
from store.db import is_sqlite, make_engine, make_session_factory, unit_of_work
from store.models import Institution, OutboxMessage
from tests.conftest import settings_for
from tests.events_network import announce, person, rsvp

APOLOGIES = ("something went wrong", DATABASE_AWAY)
probes: list[str] = []
probe_router = Router()


@probe_router.command("probe", summary="reads, lets another writer commit, then writes")
async def probe(ctx: Context, args: str) -> None:
    probes.append(args)
    await ctx.session.scalar(select(func.count(Institution.id)))  # the turn's first read
    if len(probes) == 1:
        await asyncio.create_task(someone_else_writes(ctx.session.bind))  # type: ignore[arg-type]
    await ctx.notify(ctx.member.id, "Hello", key="probe:once", kind="probe")
    ctx.reply("Probed.")


async def someone_else_writes(engine: object) -> None:
    async with unit_of_work(make_session_factory(engine)) as session:  # type: ignore[arg-type]
        session.add(Institution(short_name="other", name="Another writer's institution"))


@pytest.fixture
async def crowd(database_url: str, clock: FixedClock) -> AsyncIterator[Harness]:
    quick = {"busy_seconds": 0.05} if is_sqlite(database_url) else {}
    engine = make_engine(database_url, **quick)
    router = build_router()
    router.include(probe_router)
    runtime = Runtime(
        settings=settings_for(database_url),
        engine=engine,
        sessions=make_session_factory(engine),
        router=router,
        clock=clock,
    )
    probes.clear()
    yield Harness(runtime)
    await runtime.close()


def failed(text: str) -> bool:
    return any(apology in text for apology in APOLOGIES)


async def test_a_crowd_of_writing_turns_all_succeed(crowd: Harness) -> None:
    await person(crowd, "dan", roles=["champion"])
    known = [f"known{n}" for n in range(30)]
    for handle in known:
        await person(crowd, handle)
    event = await announce(crowd, "dan", capacity="10")

    turns = await asyncio.gather(
        *(rsvp(crowd, handle, event, "going") for handle in known),  # writers
        *(crowd.say(f"new{n}", "help") for n in range(30)),  # first sight: writers too
        *(crowd.say(handle, "event list") for handle in known),  # readers
        *(crowd.say(handle, "privacy pause") for handle in known[:10]),  # commands that write
    )
    assert [turn.text for turn in turns if failed(turn.text)] == []
    going = [turn for turn in turns[:30] if "You're going" in turn.text]
    waiting = [turn for turn in turns[:30] if "on the waitlist" in turn.text]
    assert (len(going), len(waiting)) == (10, 20)
    places = sorted(int(t.text.split("number ")[1].split(" ")[0]) for t in waiting)
    assert places == list(range(1, 21))


async def test_a_reading_turn_does_not_wait_for_a_writer(crowd: Harness) -> None:
    await person(crowd, "priya")
    await crowd.say("priya", "help")  # now seen: her next help writes nothing
    holding, done = asyncio.Event(), asyncio.Event()

    async def long_writer() -> None:
        async with unit_of_work(crowd.runtime.sessions) as session:
            session.add(Institution(short_name="slow", name="A slow writer's institution"))
            await session.flush()
            holding.set()
            await done.wait()

    writer = asyncio.create_task(long_writer())
    await holding.wait()
    try:
        turn = await crowd.say("priya", "help")
    finally:
        done.set()
        await writer
    assert "Here is what you can ask me" in turn.text


async def test_a_reading_turn_that_writes_after_another_writer_runs_again(
    crowd: Harness,
) -> None:
    await person(crowd, "priya")
    await crowd.say("priya", "help")

    first = await crowd.say("priya", "probe first")
    assert first.text == "Probed."
    async with crowd.runtime.sessions() as session:
        queued = await session.scalar(select(func.count()).where(OutboxMessage.key == "probe:once"))
    assert queued == 1
    sqlite = is_sqlite(crowd.runtime.settings.database_url)
    # SQLite refused the stale write and the turn ran again as a writer; PostgreSQL's
    # read-committed turn simply went on.
    assert probes == (["first", "first"] if sqlite else ["first"])
    assert ("probe" in crowd.runtime.writing_routes) is sqlite

    again = await crowd.say("priya", "probe again")
    assert again.text == "Probed."
    assert probes[-1] == "again" and probes.count("again") == 1


async def test_a_writer_waits_for_another_process_without_stopping_the_loop(
    crowd: Harness,
) -> None:
    """Another process holds SQLite's write lock: our writer waits for it with asyncio sleeps
    (the loop keeps answering readers meanwhile), then writes once the lock is free."""
    url = crowd.runtime.settings.database_url
    if not is_sqlite(url):
        pytest.skip("PostgreSQL has no database-wide write lock")
    await person(crowd, "priya")
    await crowd.say("priya", "help")
    patient = make_engine(url, busy_seconds=10)  # this runtime's 50 ms would give up
    other_process = sqlite3.connect(make_url(url).database, isolation_level=None)
    try:
        other_process.execute("BEGIN IMMEDIATE")
        other_process.execute("INSERT INTO institutions (short_name, name) VALUES ('x', 'X')")
        writer = asyncio.create_task(someone_else_writes(patient))
        reader = await crowd.say("priya", "help")  # answered while the writer waits
        assert "Here is what you can ask me" in reader.text
        assert not writer.done()
        other_process.execute("COMMIT")
        await writer
    finally:
        other_process.close()
        await patient.dispose()
    async with crowd.runtime.sessions() as session:
        names = set(await session.scalars(select(Institution.short_name)))
    assert {"x", "other"} <= names


async def test_writers_of_two_processes_take_turns_at_the_lock_file(crowd: Harness) -> None:
    """Two engines on one file stand for two processes (`serve --processes 2`, a worker):
    the second writer waits at the lock file while the first writes, without stopping the
    loop, then writes; one kept waiting past its patience hears the database is away."""
    url = crowd.runtime.settings.database_url
    if not is_sqlite(url):
        pytest.skip("PostgreSQL has no database-wide write lock")
    await person(crowd, "priya")
    await crowd.say("priya", "help")  # seen: her next help only reads
    other, impatient = make_engine(url, busy_seconds=10), make_engine(url, busy_seconds=0.05)
    writing, done = asyncio.Event(), asyncio.Event()

    async def first_writer() -> None:
        async with unit_of_work(crowd.runtime.sessions) as session:
            session.add(Institution(short_name="first", name="The first writer's"))
            await session.flush()
            writing.set()
            await done.wait()

    try:
        first = asyncio.create_task(first_writer())
        await writing.wait()
        second = asyncio.create_task(someone_else_writes(other))
        reader = await crowd.say("priya", "help")  # the loop answers meanwhile
        assert "Here is what you can ask me" in reader.text
        assert not second.done()
        with pytest.raises(TimeoutError):
            await someone_else_writes(impatient)
        done.set()
        await first
        await second
    finally:
        await other.dispose()
        await impatient.dispose()
    async with crowd.runtime.sessions() as session:
        names = list(await session.scalars(select(Institution.short_name)))
    assert names.count("first") == 1 and names.count("other") == 1


async def test_turns_that_will_lock_one_row_queue_in_the_process_until_each_commits(
    crowd: Harness,
) -> None:
    """store/row_queue.py: the second waits until the first's transaction ends (not when
    its statement does), then runs; a savepoint ending releases nothing."""
    from store import row_queue

    order: list[str] = []
    first_in, let_first_commit = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with crowd.runtime.sessions() as session, session.begin():
            await row_queue.wait_turn(session, "event", 1)
            async with session.begin_nested():
                await row_queue.wait_turn(session, "event", 1)  # already held: no wait
            first_in.set()
            await let_first_commit.wait()
            order.append("first commits")

    async def second() -> None:
        async with crowd.runtime.sessions() as session, session.begin():
            await row_queue.wait_turn(session, "event", 1)
            order.append("second runs")

    one = asyncio.create_task(first())
    await first_in.wait()
    two = asyncio.create_task(second())
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == [] and not two.done()
    let_first_commit.set()
    await asyncio.gather(one, two)
    assert order == ["first commits", "second runs"]
