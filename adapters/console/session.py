"""The terminal chat: type as a member, press buttons by number, fill forms line by line.

Scripted use (standard input not a terminal) reads one message per line:
  help                      a command, as typed in Slack or Teams
  !press 1                  press button number 1 of the last reply
  !press 3 2                choose option 2 of select number 3
  name: value               while a form is open, set one field
  !submit  /  !cancel       send or drop the open form
  !as sam                   carry on as another member
  !tick 2026-03-01T09:00Z   move the clock to that instant and run everything then due
  # a comment               ignored

Buttons on messages delivered to other members (`📬 (for Sam) …`) are numbered
too: `!as sam` then `!press N` presses one as Sam.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from adapters.console.render import Controls, render_message, render_responses
from bot import core, jobs
from bot.clock import FixedClock, SettableClock
from bot.delivery import Sender, Target
from bot.inbound import Address, ButtonPress, Command, FormSubmission, Identity, Inbound, Profile
from bot.responses import FormErrors, OpenForm, Response
from bot.runtime import Runtime
from bot.ui import Button, Form, Message, Option, Select

PLATFORM, WORKSPACE = "console", "local"


@dataclass
class ConsoleSender(Sender):
    """Delivers proactive console messages by printing them, marked with who they are for.

    With a session, their buttons join the numbers of the session's last reply, so
    the member they are for can press them after `!as`.
    """

    out: TextIO = field(default_factory=lambda: sys.stdout)
    session: ConsoleSession | None = None
    # The terminal's reader is sitting right there: office hours are for real members.
    ignores_quiet_hours: bool = True

    async def send(self, target: Target, message: Message) -> None:
        current = self.session.handle if self.session else ""
        to = "you" if target.user_id == current else (target.display_name or "channel")
        if to != "you" and target.user_id:
            to += f" @{target.user_id}"  # the handle to `!as`
        controls = self.session.controls if self.session else Controls()
        body = render_message(message, controls, owner=target.user_id)
        self.out.write(f"\n📬 (for {to}) {body}\n")


@dataclass
class ConsoleSession:
    runtime: Runtime
    handle: str
    out: TextIO = field(default_factory=lambda: sys.stdout)
    controls: Controls = field(default_factory=Controls)
    form: Form | None = None
    draft: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sender = ConsoleSender(self.out, self)
        self.runtime.senders.setdefault(PLATFORM, self.sender)

    async def say(self, line: str) -> None:
        """Handle one line typed (or read from a script)."""
        line = line.strip()
        if not line or line.startswith("#"):
            return
        if line.startswith("!"):
            await self._directive(line[1:].split())
        elif self.form is not None and ":" in line:
            name, _, value = line.partition(":")
            self._set_field(name.strip(), value.strip())
        else:
            await self._send(Command(line))

    # --- buttons and forms ----------------------------------------------------

    async def _directive(self, words: list[str]) -> None:
        verb, args = (words[0].lower(), words[1:]) if words else ("", [])
        if verb == "press" and args:
            await self._press(args[0], args[1] if len(args) > 1 else None)
        elif verb == "submit" and self.form is not None:
            form, self.form = self.form, None
            await self._send(FormSubmission(form.form_id, dict(self.draft), form.state))
        elif verb == "cancel":
            self.form = None
            self._print("Form closed; nothing was sent.")
        elif verb == "as" and args:
            self.handle = args[0].lstrip("@").lower()
            closed = " (the open form was closed unsent)" if self.form is not None else ""
            self.form = None
            self._print(f"You are now {self.handle}{closed}.")
        elif verb == "tick":
            await self._tick(args[0] if args else None)
        else:
            self._print("I understand !press N, !submit, !cancel, !as HANDLE and !tick [WHEN].")

    async def _press(self, number: str, choice: str | None) -> None:
        control = self.controls.by_number.get(int(number)) if number.isdigit() else None
        owner = self.controls.owners.get(int(number)) if number.isdigit() else None
        if control is None:
            self._print(f"There is no button {number} on the last message.")
        elif owner is not None and owner != self.handle:
            self._print(f"Button {number} is on {owner}'s message: type !as {owner} first.")
        elif isinstance(control, Button):
            if control.confirm is not None:
                self._print(f"{control.confirm.title}: {control.confirm.text} (confirmed)")
            await self._send(ButtonPress(control.action_id, control.value))
        else:
            await self._send(ButtonPress(control.action_id, _chosen(control, choice)))

    def _set_field(self, name: str, value: str) -> None:
        assert self.form is not None
        known = {field_.name: field_ for field_ in self.form.inputs}
        if name not in known:
            self._print(f"This form has no field “{name}”. Fields: {', '.join(known)}.")
            return
        options = known[name].options
        if options:  # an option may be typed as its value, its label or its number
            value = ",".join(_option_value(options, part.strip()) for part in value.split(","))
        self.draft[name] = value

    # --- turns ----------------------------------------------------------------

    async def _send(self, what: Command | ButtonPress | FormSubmission) -> None:
        inbound = Inbound(
            who=Identity(PLATFORM, WORKSPACE, self.handle),
            where=Address(PLATFORM, WORKSPACE, f"dm-{self.handle}"),
            what=what,
            profile=Profile(display_name=self.handle.title()),
        )
        queued_before = self.runtime.queued_by_turns
        self.show(await core.handle(self.runtime, inbound))
        if self.runtime.queued_by_turns != queued_before:  # someone was told something
            await jobs.deliver_outbox(self.runtime, self.runtime.clock.now())

    def show(self, responses: list[Response]) -> None:
        """A turn's answer; what it sent others follows, numbered on from its buttons."""
        self.controls = Controls()
        for response in responses:
            if isinstance(response, OpenForm | FormErrors):
                self.form = response.form
                self.draft = {
                    f.name: f.initial for f in response.form.inputs if f.initial is not None
                }
        text = render_responses(responses, self.controls)
        if text:
            self._print(text)

    async def _tick(self, when: str | None) -> None:
        """Move the clock to `when` (the lines that follow happen then) and run what is due."""
        try:
            now = _instant(when) if when else None
        except ValueError:
            self._print("Please give the time like !tick 2026-03-02T09:00Z.")
            return
        clock = self.runtime.clock
        if now is not None and isinstance(clock, FixedClock | SettableClock):
            clock.set(now)
        self.controls = Controls()  # what the tick delivers is numbered from 1
        counts = await jobs.run_all(self.runtime, now or clock.now())
        done = ", ".join(f"{name} {count}" for name, count in counts.items() if count)
        self._print(f"Tick done: {done or 'nothing was due'}.")

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def _instant(text: str) -> datetime:
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _option_value(options: list[Option], typed: str) -> str:
    if any(option.value == typed for option in options):
        return typed
    for option in options:
        if option.label.lower() == typed.lower():
            return option.value
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return options[int(typed) - 1].value
    return typed  # the form says what is wrong with it


def _chosen(select: Select, choice: str | None) -> str:
    """Option numbers or values, comma-separated for a multi-select."""
    picked = []
    for part in (choice or "").split(","):
        part = part.strip()
        if part.isdigit() and 1 <= int(part) <= len(select.options):
            picked.append(select.options[int(part) - 1].value)
        elif part:
            picked.append(part)
    return ",".join(picked if select.multi else picked[:1])
