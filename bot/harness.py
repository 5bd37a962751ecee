"""A neutral test harness: inbound in, neutral replies out, no platform involved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import core
from bot.inbound import Address, ButtonPress, Command, FormSubmission, Identity, Inbound, Profile
from bot.responses import FormErrors, OpenForm, Reply, Response, Update
from bot.runtime import Runtime
from bot.ui import Actions, Button, Form, Message, Section


@dataclass
class Turn:
    responses: list[Response]

    @property
    def messages(self) -> list[Message]:
        return [r.message for r in self.responses if isinstance(r, Reply | Update)]

    @property
    def text(self) -> str:
        return "\n".join(message.text for message in self.messages)

    @property
    def form(self) -> Form | None:
        forms = [r.form for r in self.responses if isinstance(r, OpenForm | FormErrors)]
        return forms[-1] if forms else None

    @property
    def errors(self) -> dict[str, str]:
        return self.form.errors if self.form else {}

    @property
    def buttons(self) -> list[Button]:
        found: list[Button] = []
        for message in self.messages:
            for block in message.blocks:
                if isinstance(block, Actions):
                    found.extend(block.buttons)
                elif isinstance(block, Section) and block.button:
                    found.append(block.button)
        return found

    def button(self, label: str) -> Button:
        for button in self.buttons:
            if button.label == label:
                return button
        raise LookupError(f"no button {label!r} in {[b.label for b in self.buttons]}")


class Harness:
    """Talk to the bot as console members: `await h.say("priya", "help")`."""

    def __init__(self, runtime: Runtime, platform: str = "console", workspace: str = "local"):
        self.runtime = runtime
        self.platform = platform
        self.workspace = workspace
        self._deliveries = 0

    def inbound(self, handle: str, what: Any, **extra: Any) -> Inbound:
        return Inbound(
            who=Identity(self.platform, self.workspace, handle),
            where=Address(self.platform, self.workspace, f"dm-{handle}"),
            what=what,
            profile=extra.pop("profile", Profile(display_name=handle.title())),
            **extra,
        )

    async def send(self, inbound: Inbound) -> Turn:
        return Turn(await core.handle(self.runtime, inbound))

    async def say(self, handle: str, text: str, **extra: Any) -> Turn:
        return await self.send(self.inbound(handle, Command(text), **extra))

    async def press(self, handle: str, button: Button | str, value: str = "") -> Turn:
        if isinstance(button, Button):
            return await self.press(handle, button.action_id, button.value)
        return await self.send(self.inbound(handle, ButtonPress(button, value)))

    async def submit(
        self, handle: str, form: Form | str, fields: dict[str, Any], state: str | None = None
    ) -> Turn:
        if isinstance(form, Form):
            state = form.state if state is None else state
            form = form.form_id
        return await self.send(self.inbound(handle, FormSubmission(form, fields, state or "")))
