"""The Bolt app: Slack requests in, one core turn each, answers out.

Bolt runs with `process_before_response=True`: each listener runs the turn and
then acks with the answer (a slash command's reply, a modal's errors), so a
quick turn costs one HTTP round trip and no 10 ms ack polling. A turn that is
still running near Slack's 3-second deadline is acked empty and answered later
through the response_url.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from dataclasses import replace
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import translate
from adapters.slack.answer import Answer, Hooks
from adapters.slack.manifest import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH, SHORTCUTS
from adapters.slack.modals import with_live_count
from adapters.slack.oauth import DatabaseInstallationStore, SignedStateStore
from adapters.slack.pages import MORE_ACTION, Pager
from adapters.slack.profiles import Profiles, conversation_of
from adapters.slack.render import LINK_ACTION, neutral_action_id
from adapters.slack.translate import Origin
from bot import core
from bot.core import apology
from bot.inbound import ButtonPress, Command, FormSubmission, HomeOpened, Inbound, Synced
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)

# Slack waits 3 s for an ack; leave room for the HTTP round trip.
ACK_BUDGET_SECONDS = 2.5
LATE_FORM = "Sorry — that took me too long, so your form was not saved. Please try again."
What = Command | ButtonPress | FormSubmission | HomeOpened


class SlackConfigError(RuntimeError):
    """Slack credentials are incomplete where they must not be (production)."""


def api_url(settings: Settings) -> str:
    return settings.slack_api_url.rstrip("/") + "/"


def uses_oauth(settings: Settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def is_configured(settings: Settings) -> bool:
    return bool(settings.slack_bot_token or uses_oauth(settings))


def check_credentials(settings: Settings) -> None:
    """Production refuses an HTTP endpoint it cannot verify (DESIGN.md, Environment)."""
    if not settings.is_production:
        return
    if settings.slack_client_id and not settings.slack_client_secret:
        raise SlackConfigError("SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is missing.")
    if not settings.slack_signing_secret and not settings.slack_app_token:
        raise SlackConfigError(
            "A Slack token is set but SLACK_SIGNING_SECRET is missing: the /slack/events "
            "endpoint cannot check that requests come from Slack. Set SLACK_SIGNING_SECRET "
            "(Basic Information > App Credentials), or unset the Slack tokens."
        )


class SlackAdapter:
    def __init__(self, runtime: Runtime, store: DatabaseInstallationStore | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.store = store
        self.profiles = Profiles(runtime)
        self.pages = Pager(runtime.sessions, runtime.clock)
        self.hooks = Hooks()
        self.pending: set[asyncio.Future[Any]] = set()
        self.socket: Any = None
        secret = self.settings.slack_signing_secret
        self.verifier = SignatureVerifier(secret) if secret else None  # None: Socket Mode
        self.bolt = self._build()
        _register(self.bolt, self)

    def _build(self) -> AsyncApp:
        settings = self.settings
        if uses_oauth(settings):
            client = AsyncWebClient(base_url=api_url(settings))
            self.store = self.store or DatabaseInstallationStore(self.runtime)
            oauth = AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                scopes=BOT_SCOPES,
                redirect_uri=settings.public_url + REDIRECT_PATH,
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
                installation_store=self.store,
                state_store=SignedStateStore(settings.slack_client_secret or ""),
            )
            return AsyncApp(
                client=client,
                signing_secret=settings.slack_signing_secret or "",
                oauth_settings=oauth,
                process_before_response=True,
            )
        client = AsyncWebClient(token=settings.slack_bot_token, base_url=api_url(settings))
        return AsyncApp(
            client=client,
            signing_secret=settings.slack_signing_secret or "",
            process_before_response=True,
        )

    # --- HTTP ----------------------------------------------------------------------

    async def handle_events(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not self._signed(body, request.headers):
            # Nothing of an unsigned request is parsed or logged: one short line, no body.
            log.info("rejected an unsigned Slack request (%d bytes)", len(body))
            return web.Response(status=401, text="invalid signature")
        response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    def _signed(self, body: bytes, headers: Any) -> bool:
        """Slack's signature over the raw body, checked before anything reads the body."""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        if self.verifier is None or not timestamp.isdigit() or not signature:
            return False
        try:
            return self.verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
        except (ValueError, UnicodeError):
            return False

    async def handle_oauth(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        assert flow is not None
        bolt_request = await to_bolt_request(request)
        if request.path == flow.install_path:
            response = await flow.handle_installation(bolt_request)
        else:
            response = await flow.handle_callback(bolt_request)
        return await to_aiohttp_response(response)

    # --- lifecycle -----------------------------------------------------------------

    async def on_startup(self, app: web.Application) -> None:
        if self.store is not None:
            try:
                await self.store.load()
            except Exception:  # the database may be away; Bolt loads again on demand
                log.exception("could not load Slack installations")
        if self.settings.slack_app_token:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self.socket = AsyncSocketModeHandler(self.bolt, self.settings.slack_app_token)
            await self.socket.connect_async()
            log.info("Slack Socket Mode connected")

    async def on_cleanup(self, app: web.Application) -> None:
        if self.socket is not None:
            await self.socket.close_async()
        await self.drain()
        await self.hooks.close()

    async def drain(self) -> None:
        """Wait for answers still being delivered after their ack (tests, shutdown)."""
        while self.pending:
            await asyncio.gather(*list(self.pending), return_exceptions=True)

    # --- one request -----------------------------------------------------------------

    async def run(
        self,
        ack: Any,
        client: AsyncWebClient,
        origin: Origin,
        what: What,
        delivery_id: str | None = None,
    ) -> None:
        """One turn, acked with its answer when ready in time, else acked now and answered late."""
        work = asyncio.ensure_future(self._work(client, origin, what, delivery_id))
        done, _ = await asyncio.wait({work}, timeout=ACK_BUDGET_SECONDS)
        if work not in done:
            await ack()
            self._keep(self._late(work, origin))
            return
        try:
            body = work.result()
        except Exception:  # never let Bolt answer 404/500 for us
            log.exception("Slack turn failed")
            body = None
        await (ack(body) if body else ack())

    async def _work(
        self, client: AsyncWebClient, origin: Origin, what: What, delivery_id: str | None
    ) -> dict[str, Any] | None:
        inbound = translate.inbound(origin, what, delivery_id)
        # A button: crowds press at once (an announcement's Going), so their profiles
        # follow the answer (adapters/slack/profiles.py). Someone starting a conversation
        # is greeted by name.
        pressed = origin.surface == "action"
        if not pressed:
            inbound = await self._with_profile(inbound, client, origin)
        responses = await core.handle(self.runtime, inbound)
        if pressed:
            self.profiles.sync_later(inbound.who, client, conversation_of(origin))
        try:
            return await Answer(client, origin, self.pages, self.hooks).deliver(responses)
        except Exception:  # after the turn: never let Bolt turn this into a 404/500
            reference = secrets.token_hex(4)
            log.exception("answering on Slack failed [ref %s]", reference)
            if origin.surface == "command":
                return {"response_type": "ephemeral", "text": apology(reference)}
            return None

    async def _with_profile(
        self, inbound: Inbound, client: AsyncWebClient, origin: Origin
    ) -> Inbound:
        """With the profile fetched now when new or stale, for the turn to store itself."""
        try:
            profile = await self.profiles.fetch_if_stale(inbound.who, client)
        except Exception:  # the database is away: the core will say so kindly
            log.warning("profile check failed for %s", inbound.who, exc_info=True)
            return inbound
        if profile is None:
            return inbound
        return replace(inbound, profile=profile, synced=Synced(conversation_of(origin)))

    async def turn_page(
        self, ack: Any, body: dict[str, Any], value: str, client: AsyncWebClient
    ) -> None:
        """A long reply's "Show more" or "Back": the page it names (no core turn needed)."""
        try:
            origin, _ = translate.from_block_action(body)
            page = await self.pages.page(value, origin.user_id)
            await Answer(client, origin, self.pages, self.hooks).show_page(page)
        except Exception:  # never let Bolt answer 404/500 for us
            log.exception("showing a page of a long reply failed")
        await ack()

    async def count_words(
        self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        view = body["view"]
        updated = with_live_count(view, action.get("block_id", ""), action.get("value") or "")
        if updated is None:
            return
        try:
            await client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
        except Exception:  # a newer keystroke won the race (hash_conflict): it counts instead
            log.info("live word count skipped", exc_info=True)

    async def _late(self, work: asyncio.Future[Any], origin: Origin) -> None:
        """The ack went out empty; what it would have carried goes by response_url."""
        try:
            body = await work
            if not body or not origin.response_url:
                return
            text = body.get("text") or LATE_FORM
            await self.hooks.to(origin.response_url).send_dict(
                {"response_type": "ephemeral", "text": text, "blocks": body.get("blocks", [])}
            )
        except Exception:
            log.exception("late Slack answer failed")

    def _keep(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)


def _register(app: AsyncApp, adapter: SlackAdapter) -> None:
    @app.command(re.compile(r"^/.+"))
    async def on_command(ack: Any, body: dict, client: AsyncWebClient) -> None:
        origin, what = translate.from_command(body)
        await adapter.run(ack, client, origin, what)

    @app.shortcut(re.compile(".+"))
    async def on_shortcut(ack: Any, body: dict, client: AsyncWebClient) -> None:
        text = {callback: words for _, callback, words, _ in SHORTCUTS}.get(body.get("callback_id"))
        if text is None:
            await ack()
            return
        origin, what = translate.from_shortcut(body, text)
        await adapter.run(ack, client, origin, what)

    @app.event("app_mention")
    async def on_mention(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
        if translate.is_from_bot(body["event"]):
            await ack()
            return
        origin, what = translate.from_message_event(body, context.bot_user_id)
        await adapter.run(ack, client, origin, what, body.get("event_id"))

    @app.event("message")
    async def on_message(ack: Any, body: dict, client: AsyncWebClient, context: Any) -> None:
        event = body["event"]
        if (
            event.get("channel_type") != "im"
            or event.get("subtype")
            or translate.is_from_bot(event)
        ):
            await ack()  # edits, joins, bots and channel chatter are not commands
            return
        origin, what = translate.from_message_event(body, context.bot_user_id)
        await adapter.run(ack, client, origin, what, body.get("event_id"))

    @app.event("app_home_opened")
    async def on_home(ack: Any, body: dict, client: AsyncWebClient) -> None:
        if body["event"].get("tab") != "home":
            await ack()
            return
        origin, what = translate.from_home_opened(body)
        await adapter.run(ack, client, origin, what, body.get("event_id"))

    @app.action(re.compile(".+"))
    async def on_action(ack: Any, body: dict, client: AsyncWebClient) -> None:
        action = (body.get("actions") or [{}])[0]
        action_id = neutral_action_id(action.get("action_id", ""))
        if action_id == LINK_ACTION:
            await ack()  # a link button: Slack opened the page, nothing to do
            return
        if action.get("type") == "plain_text_input" and body.get("view"):
            await ack()  # typing in a modal field with a word limit: its live count
            await adapter.count_words(body, action, client)
            return
        if action_id == MORE_ACTION:
            await adapter.turn_page(ack, body, action.get("value", ""), client)
            return
        origin, what = translate.from_block_action(body)
        await adapter.run(ack, client, origin, what)

    @app.view_submission(re.compile(".+"))
    async def on_submission(ack: Any, body: dict, client: AsyncWebClient) -> None:
        origin, what = translate.from_view_submission(body)
        await adapter.run(ack, client, origin, what)

    @app.view_closed(re.compile(".*"))
    async def on_closed(ack: Any) -> None:
        await ack()

    if adapter.store is not None:
        app.event("tokens_revoked")(app.default_tokens_revoked_event_listener())
        app.event("app_uninstalled")(app.default_app_uninstalled_event_listener())
