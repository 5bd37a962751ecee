"""`benchmate`: serve, worker, console, demo seed, db upgrade, tick, roles."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime

from pydantic import ValidationError

from bot import logs, root
from bot.clock import Clock
from bot.settings import Settings, get_settings, settings_problem

log = logging.getLogger("benchmate")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        settings = get_settings()
    except ValidationError as problem:
        print(settings_problem(problem), file=sys.stderr)
        return 2
    # In a terminal chat, a line per turn would be noise: only warnings there.
    quiet = args.run is _console
    logs.configure(settings.log_format, logging.WARNING if quiet else logging.INFO)
    return int(args.run(args, settings) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="benchmate", description=__doc__)
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="run the web server (and the worker)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--no-worker", action="store_true", help="leave scheduling to workers")
    serve.add_argument(
        "--processes",
        type=int,
        help="web processes sharing the port, one per CPU is a good start "
        "(default: WEB_CONCURRENCY, else 1)",
    )
    serve.add_argument("--shares-port", action="store_true", help=argparse.SUPPRESS)
    serve.set_defaults(run=_serve)

    commands.add_parser("worker", help="run the scheduler and outbox only").set_defaults(
        run=_worker
    )

    console = commands.add_parser("console", help="chat with Benchmate in the terminal")
    console.add_argument("--as", dest="handle", help="your member handle, e.g. priya")
    console.add_argument("--demo", action="store_true", help="seed the demo network if empty")
    console.add_argument(
        "--now", type=_instant, help="start the clock at this instant, e.g. 2026-03-02T09:00Z"
    )
    console.set_defaults(run=_console)

    demo = commands.add_parser("demo", help="the demo network").add_subparsers()
    seed = demo.add_parser("seed", help="seed a demo network into an empty database")
    seed.set_defaults(run=_demo_seed)

    db = commands.add_parser("db", help="the database").add_subparsers()
    db.add_parser("upgrade", help="apply migrations up to head").set_defaults(run=_db_upgrade_said)

    tick = commands.add_parser("tick", help="run everything due at an instant, once")
    tick.add_argument("--now", type=_instant, help="ISO-8601, e.g. 2026-03-02T09:00:00Z")
    tick.set_defaults(run=_tick)

    roles = commands.add_parser("roles", help="grant or revoke a role").add_subparsers()
    for verb in ("grant", "revoke"):
        command = roles.add_parser(verb, help=f"{verb} ROLE to MEMBER (handle or e-mail)")
        command.add_argument("member")
        command.add_argument("role", choices=["champion", "coordinator", "admin"])
        command.set_defaults(run=_roles, verb=verb)
    for module in root.platform_modules():
        if hasattr(module, "add_cli"):
            module.add_cli(commands)  # e.g. `slack manifest`, `teams package`
    return parser


def _instant(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# --- commands ---------------------------------------------------------------------


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.lifecycle import Process, run_until_stopped, serve_app, start_web_helpers

    host, port = args.host or settings.host, args.port or settings.port
    processes = max(1, args.processes or settings.web_concurrency)
    shared = processes > 1 or args.shares_port

    async def start() -> Process:
        runtime = root.serving_runtime(settings)
        app = root.create_app(runtime)
        process = Process(runtime, runner=await serve_app(app, host, port, shared=shared))
        if not args.no_worker:
            from bot.jobs import start_scheduler

            process.scheduler = start_scheduler(runtime)
        if args.shares_port:  # one of another `serve`'s web processes: it says the rest
            return process
        process.helpers = start_web_helpers(processes - 1, host, port)
        more = f" in {processes} processes" if processes > 1 else ""
        listening = f"Benchmate is listening on http://{host}:{port}{more}"
        print(f"{listening}  (health: /healthz)", flush=True)
        print("Chat in the terminal with: make console", flush=True)
        return process

    return run_until_stopped(start)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import create_probe_app
    from bot.jobs import start_scheduler
    from bot.lifecycle import Process, run_until_stopped, serve_app

    async def start() -> Process:
        runtime = root.serving_runtime(settings)
        process = Process(runtime, scheduler=start_scheduler(runtime))
        port = settings.benchmate_metrics_port
        if port:  # /healthz, /readyz and /metrics for the worker too
            process.runner = await serve_app(create_probe_app(runtime), settings.host, port)
        print("Benchmate worker running: scheduler and outbox.", flush=True)
        return process

    return run_until_stopped(start)


def _console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import SettableClock

    clock = SettableClock(args.now)
    if args.demo:
        _demo_seed(args, settings, quiet=True, clock=clock)
    else:
        _db_upgrade(args, settings)
    # The console's clock runs on from `--now`, and `!tick` moves it.
    return asyncio.run(root.run_console(root.create_runtime(settings, clock=clock), args.handle))


def _demo_seed(
    args: argparse.Namespace, settings: Settings, quiet: bool = False, clock: Clock | None = None
) -> int:
    from bot.clock import SystemClock
    from store import demo
    from store.db import make_engine, make_session_factory

    async def seed() -> int:
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine)() as session, session.begin():
                if not await demo.is_empty(session):
                    if not quiet:
                        print("The database already has members; the demo network was not added.")
                    return 0
                counts = await root.seed_demo(session, (clock or SystemClock()).now())
        finally:
            await engine.dispose()
        said = ", ".join(f"{v} {k if v != 1 else k.removesuffix('s')}" for k, v in counts.items())
        print("Seeded a demo network: " + said)
        return 0

    _db_upgrade(args, settings)
    return asyncio.run(seed())


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from store.migrate import upgrade

    upgrade(settings.database_url)
    return 0


def _db_upgrade_said(args: argparse.Namespace, settings: Settings) -> int:
    _db_upgrade(args, settings)
    print("The database schema is up to date.")
    return 0


def _tick(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import FixedClock, SystemClock
    from bot.jobs import run_all

    async def tick() -> dict[str, int]:
        clock = FixedClock(args.now) if args.now else SystemClock()
        runtime = root.serving_runtime(settings, clock=clock)
        try:
            return await run_all(runtime, clock.now())
        finally:
            await runtime.close()

    counts = asyncio.run(tick())
    print("Tick: " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    return 0


def _roles(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import SystemClock
    from store import audit
    from store.db import make_engine, make_session_factory
    from store.members import grant_role, member_by_handle, revoke_role

    async def change() -> int:
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine)() as session, session.begin():
                member = await member_by_handle(session, args.member)
                if member is None:
                    print(f"No single member matches “{args.member}”.", file=sys.stderr)
                    return 1
                now = SystemClock().now()
                if args.verb == "grant":
                    changed = await grant_role(session, member.id, args.role, now)
                else:
                    changed = await revoke_role(session, member.id, args.role)
                if changed:  # from the shell: no member acted, so no actor
                    await audit.record(
                        session,
                        f"role.{args.verb}",
                        at=now,
                        actor_id=None,
                        target_id=member.id,
                        detail={"role": args.role},
                    )
        finally:
            await engine.dispose()
        state = "now" if args.verb == "grant" else "no longer"
        note = "" if changed else " (no change)"
        print(f"{member.display_name} is {state} {args.role}{note}.")
        return 0

    return asyncio.run(change())


if __name__ == "__main__":
    sys.exit(main())
