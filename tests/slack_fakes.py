"""A local stand-in for the Slack Web API, signed Slack requests, and a Block Kit checker.

`FakeSlack` is a real aiohttp server: the adapter's AsyncWebClient reaches it
through SLACK_API_URL, and response_urls point at it too, so tests see every
outbound call without patching slack_sdk.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestServer

SECRET = "test-signing-secret"
TEAM, USER, BOT_USER = "T0001", "U0001", "UBOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None = None


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    queued: dict[str, deque[tuple[int, dict[str, Any], dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    server: TestServer | None = None

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{hook}", self._respond)
        self.server = TestServer(app)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/"))

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def response_url(self, hook: str = "1") -> str:
        return self.url + f"respond/{hook}"

    def respond_next(
        self, method: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self.queued[method].append((status, body, headers or {}))

    def named(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def user(self, user_id: str, name: str, **extra: Any) -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": name.lower(),
            "real_name": name,
            "tz": "Europe/London",
            "profile": {"display_name": name, "real_name": name},
            **extra,
        }

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(await request.post())
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or None
        self.calls.append(Call(method, params, token))
        if self.queued[method]:
            status, body, headers = self.queued[method].popleft()
            return web.json_response(body, status=status, headers=headers)
        return web.json_response(self._answer(method, params))

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "B0001", "team_id": TEAM}
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + params.get("users", "X")[1:]}}
        if method.startswith("views."):
            return {"ok": True, "view": {"id": "V0001", **params.get("view", {})}}
        return {"ok": True, "ts": "1700000000.000100", "channel": params.get("channel")}

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", await request.json()))
        return web.Response(text="ok")


# --- signed requests -------------------------------------------------------------


def signed(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """Slack's v0 request signature over `v0:<timestamp>:<body>`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def command_body(command: str, text: str, response_url: str, **extra: str) -> tuple[str, str]:
    fields = {
        "token": "legacy",
        "team_id": TEAM,
        "team_domain": "uni",
        "channel_id": "C0001",
        "channel_name": "technicians",
        "user_id": USER,
        "user_name": "priya",
        "command": command,
        "text": text,
        "api_app_id": "A0001",
        "response_url": response_url,
        "trigger_id": "trigger-1",
        **extra,
    }
    return urlencode(fields), "application/x-www-form-urlencoded"


def interaction_body(payload: dict[str, Any]) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def block_action(
    action: dict[str, Any], response_url: str, view: dict[str, Any] | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": USER, "team_id": TEAM},
        "team": {"id": TEAM, "domain": "uni"},
        "api_app_id": "A0001",
        "trigger_id": "trigger-2",
        "actions": [{"block_id": "b1", "action_ts": "1", **action}],
    }
    if view is None:
        payload["container"] = {"type": "message", "channel_id": "C0001", "is_ephemeral": True}
        payload["channel"] = {"id": "C0001"}
        payload["response_url"] = response_url
    else:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    return payload


def view_submission(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    state = {name: {name: element} for name, element in values.items()}
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "uni"},
        "user": {"id": USER, "team_id": TEAM},
        "api_app_id": "A0001",
        "trigger_id": "trigger-3",
        "view": {**view, "id": "V0001", "hash": "h1", "state": {"values": state}},
    }


def event_body(event: dict[str, Any], event_id: str = "Ev0001") -> tuple[str, str]:
    body = {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "event": event,
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }
    return json.dumps(body), "application/json"


# --- Block Kit limits, checked independently of the renderer ------------------------------


# Slack refuses blocks holding more than about 12,000 characters of text in all
# (`msg_blocks_too_long`; not in the reference: slackapi/bolt-js#2509).
TOTAL_TEXT = 12_000


def check_blocks(blocks: list[dict[str, Any]], max_blocks: int = 50) -> None:
    """Assert the blocks are within Slack's limits."""
    assert 0 < len(blocks) <= max_blocks, f"{len(blocks)} blocks"
    assert text_length(blocks) <= TOTAL_TEXT, f"{text_length(blocks)} characters of text"
    action_ids: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            for item in block.get("fields", []):
                assert len(item["text"]) <= 2000
            if "accessory" in block:
                action_ids.append(_check_element(block["accessory"]))
        elif kind == "header":
            assert block["text"]["type"] == "plain_text" and len(block["text"]["text"]) <= 150
        elif kind == "actions":
            assert 0 < len(block["elements"]) <= 25
            action_ids.extend(_check_element(element) for element in block["elements"])
        elif kind == "context":
            assert 0 < len(block["elements"]) <= 10
            assert all(len(element["text"]) <= 3000 for element in block["elements"])
        elif kind == "input":
            assert len(block["label"]["text"]) <= 2000
            action_ids.append(_check_element(block["element"]))
        else:
            assert kind in ("divider", "image"), kind
    assert len(action_ids) == len(set(action_ids)), "action_ids must be unique"


def text_length(value: Any) -> int:
    """All the `text` strings in some blocks, added up."""
    if isinstance(value, list):
        return sum(text_length(item) for item in value)
    if isinstance(value, dict):
        return sum(
            len(item) if key == "text" and isinstance(item, str) else text_length(item)
            for key, item in value.items()
        )
    return 0


def _check_element(element: dict[str, Any]) -> str:
    assert len(element["action_id"]) <= 255
    if element["type"] == "button":
        assert len(element["text"]["text"]) <= 75
        assert len(element.get("value", "")) <= 2000
    if "options" in element:
        assert 0 < len(element["options"]) <= 100
        for option in element["options"]:
            assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150
    return element["action_id"]


def check_modal(view: dict[str, Any]) -> None:
    assert view["type"] == "modal"
    assert len(view["title"]["text"]) <= 24
    for key in ("submit", "close"):
        if key in view:
            assert len(view[key]["text"]) <= 24
    assert len(view.get("private_metadata", "")) <= 3000
    check_blocks(view["blocks"], max_blocks=100)


def check_message(payload: dict[str, Any]) -> None:
    """A message body (chat.*, a response_url post, an ack): fallback text and blocks."""
    assert 0 < len(payload["text"]) <= 3000
    check_blocks(payload["blocks"])


def check_sent(fake: FakeSlack) -> int:
    """Every message and view the adapter sent to the fake is one Slack accepts; how many."""
    checked = 0
    for call in fake.calls:
        if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            check_message(call.params)
        elif call.method == "response_url" and "blocks" in call.params:
            check_message(call.params)
        elif call.method in ("views.open", "views.push", "views.update"):
            check_modal(call.params["view"])
        elif call.method == "views.publish":
            assert call.params["view"]["type"] == "home"
            check_blocks(call.params["view"]["blocks"], max_blocks=100)
        else:
            continue
        checked += 1
    return checked


# --- fixtures (import them into a test module to use them) ---------------------------------


@dataclass
class SlackApp:
    """Our aiohttp app with Slack mounted, its runtime, and the fake Web API."""

    client: Any
    runtime: Any
    fake: FakeSlack

    async def post(self, body: str, content_type: str, **headers: str) -> Any:
        return await self.client.post(
            "/slack/events",
            data=body.encode(),
            headers={"Content-Type": content_type, **signed(body), **headers},
        )

    async def command(self, command: str, text: str = "") -> Any:
        return await self.post(*command_body(command, text, self.fake.response_url()))

    async def interact(self, payload: dict[str, Any]) -> Any:
        return await self.post(*interaction_body(payload))

    async def event(self, event: dict[str, Any], event_id: str = "Ev0001", **headers: str) -> Any:
        return await self.post(*event_body(event, event_id), **headers)
