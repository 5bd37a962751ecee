"""A `help` turn through Benchmate's Teams endpoint vs a bare CloudAdapter echo bot.

Both run in this process on loopback HTTP with Bot Framework auth off, and both
send their reply to the same local fake Connector, so the difference is our
work: translation, the core turn (SQLite), the conversation reference, the card.
Requests alternate between the two so both see the same machine state.

    .venv/bin/python benchmarks/bench_teams_turn.py [--n 300]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from adapters.teams import mount
from adapters.teams.endpoint import Credentials
from bot.root import create_runtime
from bot.settings import Settings
from store.migrate import upgrade

TARGET_RATIO = 2.0


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"You said: {turn_context.activity.text}")


def bare_app() -> web.Application:
    adapter = CloudAdapter(
        ConfigurationBotFrameworkAuthentication(Credentials(None, None, "MultiTenant", None))
    )
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, bot) or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def connector_app() -> web.Application:
    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"id": "reply"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    return app


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


_ids = itertools.count(1)


def help_activity(service_url: str) -> dict:
    return {
        "type": "message",
        "id": f"bench-{next(_ids)}",
        "text": "help",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": "29:bench-user", "aadObjectId": "aad-bench", "name": "Bench User"},
        "recipient": {"id": "28:benchmate", "name": "Benchmate"},
        "conversation": {"id": "a:bench-personal", "conversationType": "personal"},
        "channelData": {"tenant": {"id": "bench-tenant"}},
    }


async def one(session: ClientSession, url: str, service_url: str) -> float:
    started = time.perf_counter()
    async with session.post(url, json=help_activity(service_url)) as response:
        await response.read()
        if response.status >= 300:
            raise RuntimeError(f"{url} answered {response.status}")
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(n: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-teams-"))
    database_url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await asyncio.to_thread(upgrade, database_url)
    runtime = create_runtime(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
    ours_app = web.Application()
    mount(ours_app, runtime)
    runners = []
    try:
        connector, service_url = await serve(connector_app())
        ours, ours_url = await serve(ours_app)
        bare, bare_url = await serve(bare_app())
        runners = [connector, ours, bare]
        started = time.perf_counter()
        timings: dict[str, list[float]] = {"ours": [], "bare": []}
        async with ClientSession() as session:
            for _ in range(20):  # warm up: imports, first member, connection pools
                await one(session, ours_url + "/api/messages", service_url)
                await one(session, bare_url + "/api/messages", service_url)
            for _ in range(n):
                timings["ours"].append(await one(session, ours_url + "/api/messages", service_url))
                timings["bare"].append(await one(session, bare_url + "/api/messages", service_url))
        seconds = time.perf_counter() - started
    finally:
        for runner in runners:
            await runner.cleanup()
        await runtime.close()
    figures = {
        name: {
            "p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
        }
        for name, values in timings.items()
    }
    return {"n": n, "seconds": round(seconds, 2), **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300, help="turns per bot")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    result = asyncio.run(run(args.n))
    ours, bare = result["ours"], result["bare"]
    ratio = round(ours["p95_ms"] / bare["p95_ms"], 2)
    print(f"Teams `help` turn over loopback HTTP, {args.n} turns each (auth off, SQLite)")
    print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'Benchmate /api/messages':28}{ours['p50_ms']:>10.2f}{ours['p95_ms']:>10.2f}")
    print(f"{'bare CloudAdapter echo':28}{bare['p50_ms']:>10.2f}{bare['p95_ms']:>10.2f}")
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"p95 ratio {ratio} ({verdict} the {TARGET_RATIO}x target); {result['seconds']} s")
    print(
        json.dumps(
            {
                "bench": "teams_turn",
                "n": args.n,
                "p50_ms": ours["p50_ms"],
                "p95_ms": ours["p95_ms"],
                "baseline_p50_ms": bare["p50_ms"],
                "baseline_p95_ms": bare["p95_ms"],
                "ratio": ratio,
                "seconds": result["seconds"],
            }
        )
    )


if __name__ == "__main__":
    main()
