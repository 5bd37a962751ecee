"""`benchmate console`: interactive in a terminal, one message per line otherwise."""

from __future__ import annotations

import asyncio
import getpass
import sys

from adapters.console.render import render_input
from adapters.console.session import ConsoleSession
from bot.runtime import Runtime

DEFAULT_HANDLE = "priya"  # the demo network's mentee: the richest first experience

WELCOME = (
    "Benchmate console — you are {handle}. Type help to start, !press N to press a button,\n"
    "and quit (or Ctrl-D) to leave. Forms ask for each field in turn."
)


async def run_console(runtime: Runtime, handle: str | None) -> int:
    """Chat as `handle` through the runtime the composition root built (with a settable
    clock, so `!tick` can move it); the runtime is closed at the end."""
    session = ConsoleSession(runtime, (handle or _default_handle()).lstrip("@").lower())
    try:
        if sys.stdin.isatty():
            await _interactive(session)
        else:
            for line in sys.stdin:
                await session.say(line)
    finally:
        await runtime.close()
    return 0


def _default_handle() -> str:
    return DEFAULT_HANDLE or getpass.getuser()


async def _interactive(session: ConsoleSession) -> None:
    print(WELCOME.format(handle=session.handle))
    while True:
        try:
            line = await asyncio.to_thread(input, f"{session.handle}> ")
        except EOFError:
            print()
            return
        if line.strip().lower() in {"quit", "exit"}:
            return
        await session.say(line)
        while session.form is not None:
            await _fill_form(session)


async def _fill_form(session: ConsoleSession) -> None:
    """Prompt for each field; Enter keeps what is there, a lone '-' clears it."""
    form = session.form
    assert form is not None
    print("(Enter keeps the value shown; '-' clears it; '!cancel' drops the form.)")
    for field_ in form.inputs:
        print(render_input(field_))
        if field_.name in form.errors:
            print(f"    ⚠ {form.errors[field_.name]}")
        answer = await asyncio.to_thread(input, f"  {field_.label}: ")
        if answer.strip() == "!cancel":
            await session.say("!cancel")
            return
        if answer.strip() == "-":
            session.draft[field_.name] = ""
        elif answer.strip():
            session.draft[field_.name] = answer.strip()
    await session.say("!submit")
