"""Everything a running Benchmate shares: settings, database, clock, routes, senders,
and the one dispatcher that delivers the outbox for this process.

A runtime is built by the composition root (bot/root.py), which gives it the router
of every feature and the platforms' senders; the core only ever receives one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.background import Background
from bot.clock import Clock, SystemClock
from bot.delivery import Sender
from bot.dispatcher import Dispatcher
from bot.metrics import Metrics
from bot.router import Router
from bot.seen import Seen
from bot.settings import Settings
from store.db import make_engine, make_session_factory


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    router: Router
    clock: Clock = field(default_factory=SystemClock)
    senders: dict[str, Sender] = field(default_factory=dict)
    # Outbox rows queued by turns in this process: a hint for the console to deliver now.
    queued_by_turns: int = 0
    # Members whose row this process wrote lately, and routes seen to write (bot/core.py).
    seen: Seen = field(default_factory=Seen)
    writing_routes: set[str] = field(default_factory=set)
    _dispatcher: Dispatcher | None = field(default=None, repr=False)
    metrics: Metrics = field(default_factory=Metrics)
    # Set on SIGTERM: readiness says no, so the load balancer sends turns elsewhere.
    draining: bool = False
    _in_flight: int = 0
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    # Work left for after an answer (bot/background.py).
    background: Background = field(default_factory=Background)

    @classmethod
    def create(
        cls,
        settings: Settings,
        router: Router,
        *,
        clock: Clock | None = None,
        database_url: str | None = None,
    ) -> Runtime:
        engine = make_engine(database_url or settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            router=router,
            clock=clock or SystemClock(),
        )

    @property
    def dispatcher(self) -> Dispatcher:
        """This process's dispatcher, made on first use, so pacing (and a platform's
        Retry-After) carries over from one tick to the next. It reads the senders and
        the features' send-time checks from this runtime."""
        if self._dispatcher is None:
            self._dispatcher = Dispatcher(
                self.sessions,
                self.senders,
                self.clock,
                default_timezone=self.settings.benchmate_timezone,
                checks=self.router.send_checks,
                metrics=self.metrics,
            )
        return self._dispatcher

    @dispatcher.setter
    def dispatcher(self, dispatcher: Dispatcher) -> None:
        """Use another dispatcher (a fake pacer clock in tests, a benchmark's lease)."""
        self._dispatcher = dispatcher

    # --- turns in flight, for a graceful stop --------------------------------------

    def turn_started(self) -> None:
        self._in_flight += 1
        self._idle.clear()
        self.metrics.in_flight.set(self._in_flight)

    def turn_ended(self) -> None:
        self._in_flight -= 1
        self.metrics.in_flight.set(self._in_flight)
        if self._in_flight == 0:
            self._idle.set()

    async def idle(self, within: float) -> bool:
        """Wait until no turn is running, for at most `within` seconds; True if none is."""
        if self._in_flight == 0:
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=within)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        await self.background.drain()
        for sender in self.senders.values():
            await sender.close()
        await self.engine.dispose()
