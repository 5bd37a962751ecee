"""Running it for real: one log line per turn, metrics, readiness, a graceful stop,
and settings refused at start-up with a clear message."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from bot import jobs, logs
from bot.app import create_probe_app
from bot.delivery import RetryLater, Sender, Target
from bot.harness import Harness
from bot.root import create_app, create_runtime
from bot.runtime import Runtime
from bot.ui import Message
from tests.conftest import UNREACHABLE, settings_for
from tests.helpers import make_member
from tests.outbox_fakes import fake_time_dispatcher, queue, recording, rows


def turn_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.INFO and hasattr(r, "outcome")]


# --- logs -------------------------------------------------------------------------------


async def test_one_line_per_turn_without_what_was_typed(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await make_member(harness, "priya")
    caplog.clear()
    caplog.handler.addFilter(logs.RequestIdFilter())
    with caplog.at_level(logging.INFO):
        await harness.say("priya", "mentor find my-secret-centrifuge")
        await harness.say("priya", "tell me about my-secret-centrifuge")
        await harness.say("priya", "admin audit")
    found = [(r.platform, r.command, r.outcome) for r in turn_lines(caplog)]  # type: ignore[attr-defined]
    assert found == [
        ("console", "mentor find", "ok"),
        ("console", "unknown", "unknown_command"),
        ("console", "admin audit", "refused"),
    ]
    assert all(r.request_id and r.duration_ms >= 0 for r in turn_lines(caplog))  # type: ignore[attr-defined]
    everything = " ".join(
        logs.formatter("json").format(r) for r in caplog.records if r.levelno <= logging.INFO
    )
    assert "secret-centrifuge" not in everything and "Priya" not in everything


async def test_a_failed_turn_logs_the_reference_the_member_is_given(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(ctx, args):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    harness.runtime.router.command("profile", "explode", summary="x")(broken)
    caplog.handler.addFilter(logs.RequestIdFilter())
    with caplog.at_level(logging.INFO):
        answer = (await harness.say("priya", "profile explode")).text
    [failure] = [r for r in caplog.records if r.levelno == logging.ERROR]
    reference = failure.request_id  # type: ignore[attr-defined]
    assert f"reference: {reference}" in answer
    [line] = turn_lines(caplog)
    assert (line.outcome, line.request_id) == ("error", reference)  # type: ignore[attr-defined]


def test_json_lines_carry_the_request_id_and_the_turn_fields() -> None:
    record = logging.LogRecord("benchmate", logging.INFO, __file__, 1, "turn %s", ("x",), None)
    record.outcome = "ok"
    with logs.request("abc123"):
        logs.RequestIdFilter().filter(record)
    line = json.loads(logs.formatter("json").format(record))
    assert line["message"] == "turn x" and line["level"] == "INFO"
    assert line["request_id"] == "abc123" and line["outcome"] == "ok"
    assert "request_tag" not in line


# --- metrics ----------------------------------------------------------------------------


async def scrape(runtime: Runtime, path: str = "/metrics") -> tuple[int, str]:
    async with TestClient(TestServer(create_app(runtime))) as client:
        response = await client.get(path)
        return response.status, await response.text()


def value(metrics: str, name: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise LookupError(name)


async def test_metrics_count_turns_deliveries_429s_and_the_outbox(
    runtime: Runtime, harness: Harness
) -> None:
    priya = await make_member(harness, "priya")
    await harness.say("priya", "help")
    await harness.say("priya", "frobnicate")
    sender = recording(runtime)
    sender.script["one"] = [RetryLater("rate limit (429)", rate_limited=True)]
    fake_time_dispatcher(runtime, metrics=runtime.metrics)
    await queue(runtime, "one", member_id=priya)
    await queue(runtime, "two", member_id=priya)
    _, before = await scrape(runtime)
    assert value(before, 'benchmate_outbox_messages{state="queued"}') == 2
    assert value(before, "benchmate_outbox_due") == 2
    await jobs.deliver_outbox(runtime, runtime.clock.now())

    status, metrics = await scrape(runtime)
    assert status == 200
    assert value(metrics, 'benchmate_turns_total{outcome="ok",platform="console"}') == 2
    assert (
        value(metrics, 'benchmate_turns_total{outcome="unknown_command",platform="console"}') == 1
    )
    assert value(metrics, 'benchmate_turn_seconds_count{platform="console"}') == 3
    assert value(metrics, 'benchmate_deliveries_total{platform="console",result="sent"}') == 1
    assert value(metrics, 'benchmate_deliveries_total{platform="console",result="retry"}') == 1
    assert value(metrics, 'benchmate_rate_limited_total{platform="console"}') == 1
    assert value(metrics, 'benchmate_outbox_messages{state="queued"}') == 1
    assert value(metrics, "benchmate_turns_in_flight") == 0


# --- readiness --------------------------------------------------------------------------


async def test_ready_only_at_the_migration_head_and_not_while_stopping(runtime: Runtime) -> None:
    status, body = await scrape(runtime, "/readyz")
    assert status == 200 and json.loads(body)["migrations"] == "head"
    async with runtime.engine.begin() as connection:
        head = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    try:
        await set_version(runtime, "0005")
        status, body = await scrape(runtime, "/readyz")
        assert status == 503 and "benchmate db upgrade" in json.loads(body)["reason"]
        await set_version(runtime, None)
        assert (await scrape(runtime, "/readyz"))[0] == 503
    finally:  # the PostgreSQL database is shared by the session's tests
        await set_version(runtime, head)


async def set_version(runtime: Runtime, version: str | None) -> None:
    async with runtime.engine.begin() as connection:
        await connection.execute(text("DELETE FROM alembic_version"))
        if version is not None:
            await connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version}
            )


async def test_not_ready_while_draining_or_when_the_database_is_away(runtime: Runtime) -> None:
    runtime.draining = True
    status, body = await scrape(runtime, "/readyz")
    assert status == 503 and json.loads(body)["reason"] == "shutting down"
    away = create_runtime(settings_for(UNREACHABLE))
    try:
        assert (await scrape(away, "/readyz"))[0] == 503
        status, metrics = await scrape(away)  # metrics still answer, without the outbox
        assert status == 200 and "benchmate_turns_total" in metrics
    finally:
        await away.close()


async def test_a_worker_serves_its_own_probes(runtime: Runtime) -> None:
    async with TestClient(TestServer(create_probe_app(runtime))) as client:
        for path in ("/healthz", "/readyz", "/metrics"):
            assert (await client.get(path)).status == 200
        assert (await client.post("/slack/events")).status in {404, 405}


# --- a graceful stop --------------------------------------------------------------------


class Gate(Sender):
    """A console sender that holds its first send until opened."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.started = asyncio.Event()
        self.open = asyncio.Event()

    async def send(self, target: Target, message: Message) -> None:
        self.started.set()
        await self.open.wait()
        self.sent.append(target.key)


async def test_stopping_finishes_the_send_in_flight_and_hands_back_the_rest(
    runtime: Runtime, harness: Harness
) -> None:
    priya = await make_member(harness, "priya")
    gate = Gate()
    runtime.senders["console"] = gate
    dispatcher = fake_time_dispatcher(runtime, lanes=1)
    for number in range(5):
        await queue(runtime, f"note:{number}", member_id=priya)
    running = asyncio.create_task(jobs.deliver_outbox(runtime, runtime.clock.now()))
    await gate.started.wait()
    stopping = asyncio.create_task(dispatcher.stop(within=5))
    await asyncio.sleep(0)
    gate.open.set()
    assert await stopping is True
    await running
    after = await rows(runtime)
    sent = [key for key, row in after.items() if row.status == "sent"]
    assert sent == gate.sent and len(sent) >= 1
    handed_back = [row for row in after.values() if row.status != "sent"]
    assert handed_back and all(
        (row.status, row.lease_owner, row.attempts) == ("queued", None, 0) for row in handed_back
    )
    assert await jobs.deliver_outbox(runtime, runtime.clock.now()) == 0  # stopped: no more


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sigterm_stops_serve_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.db",
        "BENCHMATE_LOG_FORMAT": "json",
    }
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, check=True, timeout=120
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_ready(port, server)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
    lines = [json.loads(line) for line in server.stderr.read().splitlines() if line.startswith("{")]
    messages = [line["message"] for line in lines]
    assert "stopped cleanly" in messages
    assert not [line for line in lines if line["level"] == "ERROR"]


def test_serve_in_two_processes_shares_the_port_and_stops_as_one(tmp_path: Path) -> None:
    """`serve --processes 2`: a second web process on the same port (a crowd gets both
    CPUs), which answers while the first is paused, and stops with it."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.db"}
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, check=True, timeout=120
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--processes", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_ready(port, server)
        [helper] = children_of(server.pid)
        server.send_signal(signal.SIGSTOP)  # only the second process can answer now
        # New connections, each handed to a process by the kernel; the second process
        # may still be starting on a busy machine, so keep trying (for up to a minute).
        answered = any(ready_once(port) for _ in range(120))
        server.send_signal(signal.SIGCONT)
        assert answered
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert not Path(f"/proc/{helper}").exists() or "Z" in stat_of(helper)
    finally:
        server.send_signal(signal.SIGCONT)
        if server.poll() is None:
            server.kill()
    assert "in 2 processes" in server.stdout.read()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and stat_of(int(entry.name)).split()[1:2] == [str(pid)]:
            found.append(int(entry.name))
    return found


def stat_of(pid: int) -> str:
    """/proc/PID/stat after the command name: state, parent pid, …"""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1]
    except OSError:
        return ""


def ready_once(port: int) -> bool:
    """One new connection to /readyz (the kernel picks the process for each connection)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=0.5) as answer:
            return answer.status == 200
    except OSError:
        return False


def wait_ready(port: int, process: subprocess.Popen[str], tries: int = 300) -> bool:
    """Poll /readyz (at most `tries` times, 0.1 s apart) while the process lives."""
    for _ in range(tries):
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            pass
        subprocess.run(["sleep", "0.1"], check=True)
    return False


# --- settings ---------------------------------------------------------------------------


def test_absurd_retention_is_refused_at_start_up_with_a_clear_message(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    for name, given in [
        ("BENCHMATE_RETAIN_OUTBOX_DAYS", "-5"),
        ("BENCHMATE_RETAIN_CLOSED_NOTES_DAYS", "99999"),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "worker"],
            env={**env, name: given},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        assert (
            "Benchmate can't start" in done.stderr and name in done.stderr and given in done.stderr
        )
        assert "Traceback" not in done.stderr
