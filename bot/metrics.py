"""Prometheus metrics for one process: turns, deliveries, rate limits, scheduler lag,
and the outbox's depth by state (read from the database when scraped).

Each runtime has its own registry, so tests and benchmarks start from zero and a
process exposes exactly what it did. No label ever holds a member, a message or
free text: only platforms, outcomes, states and job names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage

# Slack wants an answer within 3 s: the buckets are finest below that.
TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)
# Rows still to deliver, and those given up on; sent rows are counted as deliveries.
OPEN_STATES = ("queued", "sending", "dead")


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.turns = Counter(
            "benchmate_turns",
            "Turns handled, by platform and outcome",
            ["platform", "outcome"],
            registry=r,
        )
        self.turn_seconds = Histogram(
            "benchmate_turn_seconds",
            "Time to answer a turn",
            ["platform"],
            buckets=TURN_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge("benchmate_turns_in_flight", "Turns being answered now", registry=r)
        self.deliveries = Counter(
            "benchmate_deliveries",
            "Proactive messages handled by the dispatcher, by platform and result "
            "(sent, retry, dead, skipped, deferred)",
            ["platform", "result"],
            registry=r,
        )
        self.rate_limited = Counter(
            "benchmate_rate_limited",
            "Sends a platform refused for its rate limit (HTTP 429, Retry-After)",
            ["platform"],
            registry=r,
        )
        self.scheduler_lag = Histogram(
            "benchmate_scheduler_lag_seconds",
            "How late a scheduled job started",
            ["job"],
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.outbox_depth = Gauge(
            "benchmate_outbox_messages", "Outbox rows by state", ["state"], registry=r
        )
        self.outbox_due = Gauge(
            "benchmate_outbox_due", "Queued outbox rows already due", registry=r
        )

    def turn(self, platform: str, outcome: str, seconds: float) -> None:
        self.turns.labels(platform, outcome).inc()
        self.turn_seconds.labels(platform).observe(seconds)

    def delivery(self, platform: str | None, result: str) -> None:
        self.deliveries.labels(platform or "none", result).inc()

    async def read_outbox(self, session: AsyncSession, now: datetime) -> None:
        """Refresh the outbox gauges: a count over the (status, due_at) index."""
        counts = dict(
            (
                await session.execute(
                    select(OutboxMessage.status, func.count())
                    .where(OutboxMessage.status.in_(OPEN_STATES))
                    .group_by(OutboxMessage.status)
                )
            ).all()
        )
        for state in OPEN_STATES:
            self.outbox_depth.labels(state).set(counts.get(state, 0))
        due = await session.scalar(
            select(func.count()).where(
                OutboxMessage.status == "queued", OutboxMessage.due_at <= now
            )
        )
        self.outbox_due.set(due or 0)

    content_type = CONTENT_TYPE_LATEST

    def render(self) -> bytes:
        return generate_latest(self.registry)
