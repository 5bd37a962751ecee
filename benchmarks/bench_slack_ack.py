"""Slack ack latency: signed `/benchmate help` over loopback HTTP, ours vs bare Bolt.

Three servers run in this process on loopback, each behind its own aiohttp
site: Benchmate (the real app: signature check, a database turn on SQLite,
Block Kit reply in the ack), a bare Bolt app whose listener only acks (Bolt's
defaults), and the same bare app with `process_before_response=True`. Requests
alternate between them so they share the machine's conditions. Target: our
p95 at most 2x the bare Bolt app's.

Run: .venv/bin/python benchmarks/bench_slack_ack.py [--n 400]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too

from benchmarks._common import percentile, print_json, print_table
from bot.root import create_app, create_runtime
from bot.settings import Settings
from store.migrate import upgrade

SECRET = "bench-secret"
TOKEN = "xoxb-bench"


async def fake_web_api() -> tuple[web.AppRunner, str]:
    """auth.test and users.info: all the Web API a `/benchmate help` needs."""

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "team_id": "T1"})
        user = {"id": "U1", "name": "priya", "real_name": "Priya Shah", "tz": "Europe/London"}
        return web.json_response({"ok": True, "user": user})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    return await serve(app)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def slack_settings(database_url: str, api: str) -> Settings:
    """Benchmate's settings with Slack served and its Web API at `api` (a fake)."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=api + "/api/",
    )


def bare_bolt(api_url: str, process_before_response: bool) -> web.Application:
    bolt = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=api_url),
        signing_secret=SECRET,
        process_before_response=process_before_response,
    )

    @bolt.command("/benchmate")
    async def only_ack(ack):  # type: ignore[no-untyped-def]
        await ack()

    return mounted(bolt)


def mounted(bolt: AsyncApp) -> web.Application:
    """A bare Bolt app behind aiohttp at /slack/events, as a baseline to measure beside."""

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


def signed_command(
    command: str, text: str, user: str, response_url: str = "http://127.0.0.1:9/unused"
) -> tuple[bytes, dict[str, str]]:
    """A slash command as Slack sends it, signed now with SECRET."""
    body = urlencode(
        {
            "team_id": "T1",
            "channel_id": "D1",
            "user_id": user,
            "command": command,
            "text": text,
            "response_url": response_url,
            "trigger_id": "t",
        }
    )
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    return body.encode(), headers


async def timed_post(http: ClientSession, url: str, user: str) -> float:
    body, headers = signed_command("/benchmate", "help", user)
    start = time.perf_counter()
    async with http.post(url + "/slack/events", data=body, headers=headers) as response:
        await response.read()
        assert response.status == 200, response.status
    return (time.perf_counter() - start) * 1000


async def run(n: int, warmup: int) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="bench_slack_"))
    database_url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await asyncio.to_thread(upgrade, database_url)
    api_runner, api = await fake_web_api()
    runtime = create_runtime(slack_settings(database_url, api))
    servers = {
        "benchmate": await serve(create_app(runtime)),
        "bare bolt (defaults)": await serve(bare_bolt(api + "/api/", False)),
        "bare bolt (process_before_response)": await serve(bare_bolt(api + "/api/", True)),
    }
    samples: dict[str, list[float]] = {name: [] for name in servers}
    started = time.perf_counter()
    async with ClientSession() as http:
        for index in range(warmup + n):
            for name, (_, url) in servers.items():
                took = await timed_post(http, url, "U1")
                if index >= warmup:
                    samples[name].append(took)
    seconds = time.perf_counter() - started
    for runner, _ in [*servers.values(), (api_runner, "")]:
        await runner.cleanup()
    await runtime.close()

    figures = {
        name: {"p50_ms": round(percentile(v, 50), 2), "p95_ms": round(percentile(v, 95), 2)}
        for name, v in samples.items()
    }
    ours, bare = figures["benchmate"], figures["bare bolt (defaults)"]
    fast_bare = figures["bare bolt (process_before_response)"]
    ratio = round(ours["p95_ms"] / bare["p95_ms"], 2)
    ratio_fast = round(ours["p95_ms"] / fast_bare["p95_ms"], 2)

    print_table(
        f"Signed /benchmate help over loopback HTTP, {n} requests each (after {warmup} warm-up)",
        ["server", "p50 ms", "p95 ms", "benchmate p95 / this p95"],
        [
            [name, f["p50_ms"], f["p95_ms"], round(ours["p95_ms"] / f["p95_ms"], 2)]
            for name, f in figures.items()
        ],
    )
    verdict = "met" if ratio <= 2 else "MISSED"
    print(f"target: benchmate p95 <= 2x bare Bolt (defaults) p95 -> {ratio}x ({verdict})")
    return {
        "bench": "slack_ack",
        "n": n,
        "p50_ms": ours["p50_ms"],
        "p95_ms": ours["p95_ms"],
        "seconds": round(seconds, 2),
        "ratio": ratio,
        "baseline_p50_ms": bare["p50_ms"],
        "baseline_p95_ms": bare["p95_ms"],
        "ratio_vs_process_before_response": ratio_fast,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args()
    print_json(asyncio.run(run(args.n, args.warmup)))


if __name__ == "__main__":
    main()
