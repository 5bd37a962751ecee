"""Everything a running Benchmate shares: settings, database, clock, routes, senders."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.delivery import Sender
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

    @classmethod
    def create(
        cls,
        settings: Settings,
        router: Router | None = None,
        clock: Clock | None = None,
        database_url: str | None = None,
    ) -> Runtime:
        from handlers import build_router  # the composition of every feature

        engine = make_engine(database_url or settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_session_factory(engine),
            router=router or build_router(),
            clock=clock or SystemClock(),
        )

    async def close(self) -> None:
        for sender in self.senders.values():
            close = getattr(sender, "close", None)  # senders that keep HTTP connections
            if close is not None:
                await close()
        await self.engine.dispose()
