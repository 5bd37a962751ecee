"""Running a process until SIGTERM, then stopping it gracefully.

On SIGTERM (or Ctrl-C) a process stops taking turns: readiness turns 503 and
the listening socket closes, so the load balancer sends new requests elsewhere.
Requests and turns already in flight get DRAIN_SECONDS to finish (Slack waits
3 s for an answer). The scheduler fires no more ticks; the outbox finishes the
sends in flight and hands back the rows it had leased but not started, and the
dispatch lock is released, so a standby worker takes over at once.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime

log = logging.getLogger("benchmate")

DRAIN_SECONDS = 3.0


@dataclass
class Process:
    """What a running `serve` or `worker` has to stop."""

    runtime: Runtime
    runner: web.AppRunner | None = None
    scheduler: AsyncIOScheduler | None = None
    helpers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    async def stop(self, within: float = DRAIN_SECONDS) -> None:
        from bot.jobs import stop_scheduler

        deadline = time.monotonic() + within
        self.runtime.draining = True
        for helper in self.helpers:  # they drain alongside
            if helper.poll() is None:
                helper.terminate()
        if self.runner is not None:  # closes the socket, waits for requests in flight
            await self.runner.cleanup()
        if not await self.runtime.idle(max(0.0, deadline - time.monotonic())):
            log.warning("stopping with turns still in flight")
        if self.scheduler is not None:
            await stop_scheduler(
                self.runtime, self.scheduler, max(0.1, deadline - time.monotonic())
            )
        await self.runtime.close()
        await asyncio.to_thread(_wait_for, self.helpers, within)


def _wait_for(helpers: list[subprocess.Popen[bytes]], within: float) -> None:
    for helper in helpers:
        try:
            helper.wait(timeout=within + 2)
        except subprocess.TimeoutExpired:
            log.warning("a web process did not stop in time; ending it")
            helper.kill()
            helper.wait()


def runner_for(app: web.Application) -> web.AppRunner:
    return web.AppRunner(app, shutdown_timeout=DRAIN_SECONDS, handle_signals=False)


async def serve_app(
    app: web.Application, host: str, port: int, *, shared: bool = False
) -> web.AppRunner:
    """Listen on host:port; `shared`: beside other processes on the same port, the kernel
    handing each new connection to one of them (SO_REUSEPORT)."""
    runner = runner_for(app)
    await runner.setup()
    await web.TCPSite(runner, host, port, reuse_port=shared or None).start()
    return runner


def start_web_helpers(count: int, host: str, port: int) -> list[subprocess.Popen[bytes]]:
    """`serve --processes N`: N-1 more web processes on the same port, without workers
    (the first process runs the scheduler and outbox). Python runs one turn at a time
    per process, so this is how a crowd gets every CPU. Each process keeps its own
    caches; SQLite writers of all of them take turns (store/writers.py)."""
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", host, "--port", str(port)]
    command += ["--no-worker", "--processes", "1", "--shares-port"]
    return [subprocess.Popen(command) for _ in range(count)]


def settle_memory() -> None:
    """Start-up's objects (routes, mappers, compiled queries) live as long as the process:
    the garbage collector stops re-scanning them, and sweeps the young generation less
    often. Measured on a crowd of first-time RSVPs: 13% less CPU per turn."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def run_until_stopped(start: Callable[[], Awaitable[Process]]) -> int:
    """Start, wait for SIGTERM or SIGINT, stop gracefully; the exit status."""

    async def main() -> None:
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopped.set)
        process = await start()
        settle_memory()
        await stopped.wait()
        log.info("shutting down: finishing what is in flight")
        await process.stop()
        log.info("stopped cleanly")

    asyncio.run(main())
    return 0
