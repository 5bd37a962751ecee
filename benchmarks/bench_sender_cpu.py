"""CPU per proactive message: the real Slack and Teams outbox senders vs a bare HTTP post.

Each sender delivers `n` messages (one per member, `concurrency` at a time) to local
fakes that run in a process of their own and never rate limit, so the CPU time this
process spends (time.process_time: every thread, msrest's request threads included)
is the sender's own cost per message. The baseline posts the same JSON body with one
shared aiohttp session: the floor for a message over HTTP from Python.

    .venv/bin/python benchmarks/bench_sender_cpu.py [--n 1000] [--concurrency 16]
        [--profile slack|teams]   (cProfile of that sender)  [--sort tottime|cumulative]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.slack.render import render_message
from adapters.slack.sender import SlackSender, single_token
from adapters.teams import install as install_teams
from adapters.teams.outgoing import message_activities
from benchmarks._common import print_table
from benchmarks.bench_broadcast import identity, start_fakes
from bot.delivery import Target
from bot.root import create_runtime
from bot.settings import Settings
from bot.ui import Actions, Button, Fields, Heading, Message, Section

WARM_UP = 50
MESSAGE = Message(
    text="Flow cytometry facilities meeting, Thursday 10:00",
    blocks=[
        Heading(text="Flow cytometry facilities meeting"),
        Section(text="Talks, a tour of the cytometry suite and time to compare notes."),
        Fields(pairs=[("When", "Thursday 10:00–16:00"), ("Where", "Lecture Theatre 2")]),
        Actions(buttons=[Button(label="I'll be there", action_id="event.rsvp", value="1:yes")]),
    ],
)
Send = Callable[[int], Awaitable[None]]


def slack_target(member: int) -> Target:
    found = identity(member, "slack", "", datetime.now(UTC))
    return Target(
        "slack",
        "T1",
        user_id=found["user_id"],
        conversation=found["conversation"],
        key=f"broadcast:1:{member}",
    )


def teams_target(member: int, connector_url: str) -> Target:
    found = identity(member, "teams", connector_url, datetime.now(UTC))
    return Target(
        "teams", found["workspace"], user_id=found["user_id"], conversation=found["conversation"]
    )


async def measure(
    send: Send, n: int, concurrency: int, first: int, profiler: cProfile.Profile | None = None
) -> dict[str, float]:
    """CPU and wall time for `n` sends, `concurrency` at a time, after a warm-up."""
    await _run(send, range(first, first + WARM_UP), concurrency)
    members = range(first + WARM_UP, first + WARM_UP + n)
    if profiler:
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    await _run(send, members, concurrency)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler:
        profiler.disable()
    return {"cpu_ms": round(cpu / n * 1000, 3), "per_second": round(n / wall, 1)}


async def _run(send: Send, members: range, concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(member: int) -> None:
        async with gate:
            await send(member)

    await asyncio.gather(*(one(member) for member in members))


def bare_post(session: ClientSession, url_of: Callable[[int], str], body: Any) -> Send:
    async def send(member: int) -> None:
        async with session.post(url_of(member), json=body) as response:
            await response.read()
            response.raise_for_status()

    return send


def bare_senders(session: ClientSession, slack_url: str, teams_url: str) -> dict[str, Send]:
    """The baseline: each platform's JSON body for MESSAGE, posted as it is."""
    slack_body = {
        "channel": "D1",
        "metadata": {"event_type": "benchmate_outbox", "event_payload": {"key": "k"}},
        **render_message(MESSAGE),
    }
    teams_body = message_activities(MESSAGE)[0].serialize()
    teams_base = teams_url.rstrip("/")
    return {
        "slack": bare_post(session, lambda m: f"{slack_url}chat.postMessage", slack_body),
        "teams": bare_post(
            session,
            lambda m: f"{teams_base}/v3/conversations/a:personal-{m}/activities",
            teams_body,
        ),
    }


async def bench(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    fakes, (slack_url, teams_url, _) = start_fakes(1e9, 1e9)
    folder = tempfile.TemporaryDirectory()
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{folder.name}/cpu.db")  # type: ignore[call-arg]
    runtime = create_runtime(settings)
    install_teams(runtime)  # as `benchmate worker` does: botbuilder, auth off (no app id)
    slack, teams = SlackSender(slack_url, single_token("xoxb-bench")), runtime.senders["teams"]
    ours: dict[str, Send] = {
        "slack": lambda m: slack.send(slack_target(m), MESSAGE),
        "teams": lambda m: teams.send(teams_target(m, teams_url), MESSAGE),
    }
    results: dict[str, dict[str, float]] = {}
    try:
        async with ClientSession() as session:
            bare = bare_senders(session, slack_url, teams_url)
            for number, platform in enumerate(("slack", "teams")):
                first = 1 + number * 2 * (args.n + WARM_UP)  # every message to a new member
                baseline = await measure(bare[platform], args.n, args.concurrency, first)
                profiler = cProfile.Profile() if args.profile == platform else None
                first += args.n + WARM_UP
                figures = await measure(ours[platform], args.n, args.concurrency, first, profiler)
                if profiler:
                    pstats.Stats(profiler).sort_stats(args.sort).print_stats(25)
                results[platform] = {
                    **figures,
                    "baseline_cpu_ms": baseline["cpu_ms"],
                    "baseline_per_second": baseline["per_second"],
                    "ratio": round(figures["cpu_ms"] / baseline["cpu_ms"], 2),
                }
    finally:
        await slack.close()
        await runtime.close()  # closes the Teams sender
        fakes.terminate()
        fakes.join()
        folder.cleanup()
    return results


def report(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    rows = [
        [
            platform,
            f"{r['cpu_ms']:.2f}",
            f"{r['baseline_cpu_ms']:.2f}",
            f"{r['ratio']:.1f}",
            f"{r['per_second']:.0f}",
            f"{r['baseline_per_second']:.0f}",
        ]
        for platform, r in results.items()
    ]
    print_table(
        f"CPU per proactive message: {args.n} messages, {args.concurrency} at a time, "
        "to local fakes in another process (no rate limit)",
        [
            "platform",
            "sender CPU ms/msg",
            "bare post CPU ms/msg",
            "ratio",
            "sender msg/s",
            "bare msg/s",
        ],
        rows,
    )
    print("\nbaseline: the same JSON body posted with one shared aiohttp session.")
    summary: dict[str, Any] = {"bench": "sender_cpu", "n": args.n}
    for platform, r in results.items():
        summary[platform] = {
            "cpu_ms": r["cpu_ms"],
            "baseline_cpu_ms": r["baseline_cpu_ms"],
            "ratio": r["ratio"],
        }
    print(json.dumps(summary))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--profile", choices=["slack", "teams"])
    parser.add_argument("--sort", default="tottime", help="cProfile order: tottime, cumulative")
    args = parser.parse_args()
    report(asyncio.run(bench(args)), args)


if __name__ == "__main__":
    main()
