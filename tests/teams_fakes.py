"""A local stand-in for the Bot Connector service, Teams activities, and a tiny demo feature.

The bot under test sends its replies to `serviceUrl`; pointing that at this
server captures every outbound Connector call without touching botbuilder.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import FixedClock
from bot.context import Context
from bot.forms import check, with_errors
from bot.inbound import FormSubmission
from bot.root import create_runtime
from bot.router import Router
from bot.runtime import Runtime
from bot.ui import (
    Actions,
    Button,
    Fields,
    Form,
    Heading,
    Input,
    Message,
    Option,
    Section,
    Select,
)
from tests.conftest import settings_for
from tests.helpers import app_for_tests

TENANT = "tenant-1"
BOT = {"id": "28:benchmate-bot", "name": "Benchmate"}


@dataclass
class Call:
    method: str
    path: str
    body: Any

    @property
    def card(self) -> dict[str, Any] | None:
        attachments = (self.body or {}).get("attachments") or []
        return attachments[0]["content"] if attachments else None

    @property
    def text(self) -> str:
        if self.card:
            return " ".join(b.get("text", "") for b in self.card["body"] if "text" in b)
        return (self.body or {}).get("text") or ""


@dataclass
class FakeConnector:
    """Answers the Connector REST calls the bot makes; `fail` scripts error answers."""

    calls: list[Call] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    emails: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # the roster's names, by Teams id
    server: TestServer | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/"))

    def fail(self, status: int, times: int = 1, **headers: str) -> None:
        self.failures.extend([(status, headers)] * times)

    def posts(self) -> list[Call]:
        """Messages sent (new or in reply), in order."""
        return [c for c in self.calls if c.method == "POST" and "/activities" in c.path]

    def updates(self) -> list[Call]:
        return [c for c in self.calls if c.method == "PUT"]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        self.server = TestServer(app)
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _answer(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        self.calls.append(Call(request.method, request.path, body))
        if self.failures:
            status, headers = self.failures.pop(0)
            return web.json_response(
                {"error": {"code": "Failed", "message": "scripted"}},
                status=status,
                headers=headers,
            )
        if "/members/" in request.path:
            member = request.path.rsplit("/", 1)[-1]
            email, name = self.emails.get(member), self.names.get(member)
            if email is None and name is None:
                return web.json_response({"error": {"code": "Forbidden"}}, status=403)
            return web.json_response({"id": member, "name": name, "email": email})
        if request.method == "POST" and request.path.rstrip("/") == "/v3/conversations":
            return web.json_response({"id": f"a:opened-{next(self._ids)}"}, status=201)
        return web.json_response({"id": f"reply-{next(self._ids)}"})


@asynccontextmanager
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@asynccontextmanager
async def teams_client(runtime: Runtime) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(app_for_tests(runtime)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


# --- activities --------------------------------------------------------------------------

_ids = itertools.count(1)


def user(n: int = 1) -> dict[str, str]:
    return {"id": f"29:user-{n}", "aadObjectId": f"aad-{n}", "name": f"Tess Tech{n}"}


def conversation(scope: str) -> dict[str, Any]:
    ids = {
        "personal": "a:personal-1",
        "groupChat": "19:group-1@thread.v2",
        "channel": "19:channel-1@thread.tacv2;messageid=1700000000000",
    }
    return {
        "id": ids[scope],
        "conversationType": scope,
        "tenantId": TENANT,
        **({"isGroup": True} if scope != "personal" else {}),
    }


def activity(service_url: str, scope: str = "personal", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"tenant": {"id": TENANT}}
    if scope == "channel":
        data |= {
            "team": {"id": "19:team-1@thread.tacv2"},
            "channel": {"id": "19:channel-1@thread.tacv2", "name": "General"},
        }
    return {
        "type": "message",
        "id": f"act-{next(_ids)}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": fields.pop("sender", user()),
        "recipient": BOT,
        "conversation": conversation(scope),
        "channelData": data,
        **fields,
    }


def message(
    service_url: str, text: str, scope: str = "personal", mention: bool = False, **fields: Any
) -> dict[str, Any]:
    entities = []
    if mention:
        text = f"<at>Benchmate</at> {text}"
        entities = [{"type": "mention", "text": "<at>Benchmate</at>", "mentioned": BOT}]
    return activity(service_url, scope, text=text, entities=entities, **fields)


def submit(
    service_url: str, value: dict[str, Any], card_id: str = "card-1", scope: str = "personal"
) -> dict[str, Any]:
    return activity(service_url, scope, value=value, replyToId=card_id)


def execute(service_url: str, data: dict[str, Any], card_id: str = "card-1") -> dict[str, Any]:
    value = {
        "action": {"type": "Action.Execute", "verb": data.get("action_id", ""), "data": data},
        "trigger": "manual",
    }
    return activity(
        service_url, type="invoke", name="adaptiveCard/action", value=value, replyToId=card_id
    )


def installed(service_url: str, scope: str = "personal") -> dict[str, Any]:
    return activity(service_url, scope, type="conversationUpdate", membersAdded=[BOT])


# --- a tiny feature to drive cards, forms and the outbox through the adapter -----------

demo = Router()

DEMO_FORM = Form(
    form_id="demo.save",
    title="Tell us about your lab",
    intro="Two minutes, promise.",
    state="s-1",
    inputs=[
        Input(name="lab", label="Lab name", max_length=40),
        Input(name="staff", label="Technicians", kind="number", min_value=1, max_value=500),
        Input(name="opened", label="Opened on", kind="date", required=False),
        Input(
            name="kind",
            label="Kind",
            kind="select",
            options=[Option(label="Wet lab", value="wet"), Option(label="Workshop", value="ws")],
        ),
        Input(
            name="kit",
            label="Kit",
            kind="multi_select",
            required=False,
            options=[Option(label="Lathe", value="lathe"), Option(label="PCR", value="pcr")],
        ),
        Input(name="notes", label="Notes", kind="long_text", required=False, hint="Optional."),
        Input(name="public", label="Show publicly", kind="checkbox", required=False),
    ],
)


@demo.command("card", summary="A card with buttons")
async def _card(ctx: Context, args: str) -> None:
    ctx.reply(
        Message(
            text="Mentor suggestion: Ada *Lovelace*",
            blocks=[
                Heading(text="Mentor suggestion"),
                Fields(
                    pairs=[("Name", "Ada *Lovelace*"), ("Link", "[click](http://evil.example)")]
                ),
                Actions(
                    buttons=[
                        Button(
                            label="Ask Ada", action_id="demo.accept", value="42", style="primary"
                        ),
                        Button(
                            label="Not now", action_id="demo.accept", value="no", style="danger"
                        ),
                    ]
                ),
                Select(
                    action_id="demo.pick",
                    placeholder="Pick a slot",
                    options=[
                        Option(label="Monday", value="mon"),
                        Option(label="Friday", value="fri"),
                    ],
                ),
            ],
        )
    )


@demo.command("shout", summary="A public answer")
async def _shout(ctx: Context, args: str) -> None:
    ctx.reply(f"Hello channel, {args or 'everyone'}!", public=True)


@demo.command("form", summary="Open the demo form")
async def _form(ctx: Context, args: str) -> None:
    ctx.open_form(DEMO_FORM)


@demo.command("ping", summary="Queue a proactive message to yourself")
async def _ping(ctx: Context, args: str) -> None:
    await ctx.notify(ctx.member.id, f"Ping {args}".strip(), key=f"ping:{args}", kind="test")


@demo.action("demo.accept")
async def _accept(ctx: Context, value: str) -> None:
    ctx.update(
        Message(
            text=f"You chose {value}.",
            blocks=[
                Section(text=f"You chose {value}."),
                Actions(buttons=[Button(label="Undo", action_id="demo.accept", value="undo")]),
            ],
        )
    )


@demo.action("demo.pick")
async def _pick(ctx: Context, value: str) -> None:
    ctx.reply(f"Slot {value} it is.")


@demo.form("demo.save")
async def _save(ctx: Context, submitted: FormSubmission) -> None:
    checked = check(DEMO_FORM, submitted.fields)
    if not checked.ok:
        ctx.form_errors(with_errors(DEMO_FORM, submitted.fields, checked.errors))
        return
    ctx.reply(f"Saved {checked.values['lab']} with {checked.values['staff']} technicians.")


def demo_router() -> Router:
    from handlers import build_router

    router = build_router()
    router.include(demo)
    return router


# --- fixtures (imported by the test_teams_* modules) ------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeConnector]:
    async with connector() as started:
        yield started


@pytest.fixture
async def teams_runtime(database_url: str, clock: FixedClock) -> AsyncIterator[Runtime]:
    runtime = create_runtime(settings_for(database_url), router=demo_router(), clock=clock)
    yield runtime
    await runtime.close()


@pytest.fixture
async def client(teams_runtime: Runtime) -> AsyncIterator[TestClient]:
    async with teams_client(teams_runtime) as started:
        yield started
