"""Everything a running Benchmate shares: settings, database, clock, routes, senders,
and the one dispatcher that delivers the outbox for this process.

A runtime is built by the composition root (bot/root.py), which gives it the router
of every feature and the platforms' senders; the core only ever receives one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.delivery import Sender
from bot.dispatcher import Dispatcher
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
            )
        return self._dispatcher

    @dispatcher.setter
    def dispatcher(self, dispatcher: Dispatcher) -> None:
        """Use another dispatcher (a fake pacer clock in tests, a benchmark's lease)."""
        self._dispatcher = dispatcher

    async def close(self) -> None:
        for sender in self.senders.values():
            await sender.close()
        await self.engine.dispose()
