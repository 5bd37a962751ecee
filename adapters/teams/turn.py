"""One Teams turn: translate, remember the conversation, ask the core, answer in Teams."""

from __future__ import annotations

import logging
from http import HTTPStatus

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity
from msrest.serialization import Model

from adapters.teams.cards import form_card, message_cards
from adapters.teams.directory import Directory, person_key, reference_of
from adapters.teams.outgoing import CARD_TYPE, form_activity, message_activities
from adapters.teams.proactive import Messenger
from adapters.teams.translate import (
    PERSONAL,
    PLATFORM,
    Incoming,
    channel_id_of,
    execute_inbound,
    identity_of,
    inbound_for,
    message_inbound,
    scope_of,
    tenant_of,
)
from bot import core
from bot.background import QUIET_WAIT_SECONDS
from bot.inbound import Command
from bot.responses import FormErrors, OpenForm, Reply, Response, Update
from bot.runtime import Runtime
from bot.ui import Message
from store import conversations

log = logging.getLogger(__name__)

SENT_PRIVATELY = "I've sent my answer to you in a private chat with me."
CANNOT_DM = "I couldn't message you privately. Please open a chat with Benchmate and ask me there."
CHANNEL_WELCOME = (
    "Hello everyone! I'm Benchmate, the technician network's assistant. "
    "Mention me with a command to start, for example: @Benchmate help"
)
MESSAGE_INVOKE = "application/vnd.microsoft.activity.message"


class TeamsBot(ActivityHandler):
    def __init__(self, runtime: Runtime, directory: Directory, messenger: Messenger) -> None:
        self.runtime = runtime
        self.directory = directory
        self.messenger = messenger

    # --- activities -----------------------------------------------------------------

    async def on_message_activity(self, turn: TurnContext) -> None:
        incoming = message_inbound(turn.activity)
        if incoming is None:
            return
        responses = await self._ask_core(turn, incoming)
        await self._answer(turn, incoming, responses)

    async def on_invoke_activity(self, turn: TurnContext) -> InvokeResponse | None:
        # botbuilder 4.17.1 bug: the ActivityHandler.on_adaptive_card_invoke route
        # serialises the body twice and answers 500, so Action.Execute is answered
        # here, with the model object as the body (serialised once, by the adapter).
        if turn.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn)
        incoming = execute_inbound(turn.activity)
        if incoming is None:
            return _invoke(MESSAGE_INVOKE, "That button no longer works.")
        responses = await self._ask_core(turn, incoming)
        card = next((r for r in responses if isinstance(r, Update | FormErrors)), None)
        rest = [r for r in responses if r is not card]
        await self._answer(turn, incoming, rest)
        if isinstance(card, Update):
            return _invoke(CARD_TYPE, message_cards(card.message)[0])
        if isinstance(card, FormErrors):
            return _invoke(CARD_TYPE, form_card(card.form))
        return _invoke(MESSAGE_INVOKE, "Done.")

    async def on_conversation_update_activity(self, turn: TurnContext) -> None:
        activity = turn.activity
        bot_id = activity.recipient.id
        if any(member.id == bot_id for member in activity.members_added or []):
            await self._installed(turn)
        if any(member.id == bot_id for member in activity.members_removed or []):
            await self._removed(activity)

    # --- installs -------------------------------------------------------------------

    async def _installed(self, turn: TurnContext) -> None:
        """Added to a personal chat, a group chat or a team: remember it and say hello."""
        await self._observe(turn, install=True)
        if scope_of(turn.activity) != PERSONAL:
            await self._send(turn, message_activities(Message(text=CHANNEL_WELCOME)))
            return
        incoming = Incoming(inbound_for(turn.activity, Command("help"), PERSONAL), PERSONAL)
        responses = await core.handle(self.runtime, incoming.inbound)
        await self._answer(turn, incoming, responses)

    async def _removed(self, activity: Activity) -> None:
        tenant = tenant_of(activity)
        try:
            if scope_of(activity) == PERSONAL:
                await conversations.mark_unreachable(
                    self.runtime.sessions,
                    identity_of(activity),
                    "Benchmate was removed from their Teams",
                    self.runtime.clock.now(),
                )
                who = identity_of(activity)
                self.directory.forget(person_key(who.workspace, who.user_id))
            else:
                await conversations.deactivate_channel(
                    self.runtime.sessions, PLATFORM, tenant, channel_id_of(activity)
                )
        except Exception:
            log.exception("could not record that Benchmate was removed")

    # --- the core -------------------------------------------------------------------

    async def _ask_core(self, turn: TurnContext, incoming: Incoming) -> list[Response]:
        """The person's conversation reference is stored by the turn itself (one write,
        and the core turns away a tenant it does not admit before storing anything);
        channels and the roster are seen to after the answer, off its path."""
        inbound = incoming.inbound
        if inbound.from_bot:
            return await core.handle(self.runtime, inbound)
        inbound = self.directory.fold_into_turn(turn, inbound)
        responses = await core.handle(self.runtime, inbound)
        self.runtime.background.start(self._observe_later(turn), "seeing to a Teams person")
        return responses

    async def _observe_later(self, turn: TurnContext) -> None:
        await self.runtime.idle(within=QUIET_WAIT_SECONDS)  # after a crowd, not in it
        await self._observe(turn)

    async def _observe(self, turn: TurnContext, install: bool = False) -> None:
        try:
            if not await core.admits(self.runtime, PLATFORM, tenant_of(turn.activity)):
                return  # nothing of an unknown tenant's people is kept
            if install:
                await self.directory.observe_install(turn)
            else:
                await self.directory.observe(turn)
        except Exception:  # the turn itself still gets its (friendly) answer
            log.exception("could not store the Teams conversation reference")

    async def _answer(
        self, turn: TurnContext, incoming: Incoming, responses: list[Response]
    ) -> None:
        """Send each response; a failed send is logged, never retried by Teams (no doubles)."""
        private: list[Activity] = []
        try:
            for response in responses:
                activities, replace = _draw(response, incoming)
                if replace:
                    await self._replace(turn, incoming.card_id, activities)  # type: ignore[arg-type]
                elif _is_private(response) and incoming.scope != PERSONAL:
                    private.extend(activities)
                else:
                    await self._send(turn, activities)
            if private:
                await self._send_privately(turn, private)
        except Exception:
            log.exception("could not answer in Teams")

    async def _send(self, turn: TurnContext, activities: list[Activity]) -> None:
        for activity in activities:
            await turn.send_activity(activity)

    async def _replace(self, turn: TurnContext, card_id: str, activities: list[Activity]) -> None:
        first, *more = activities
        first.id = card_id
        await turn.update_activity(first)
        await self._send(turn, more)

    async def _send_privately(self, turn: TurnContext, activities: list[Activity]) -> None:
        """Teams has no 'only you can see this': private answers go to the 1:1 chat."""
        activity = turn.activity
        try:
            stored = await conversations.conversation_of(
                self.runtime.sessions, identity_of(activity)
            )
            if stored and stored.get("scope") == PERSONAL:
                reference = reference_of(stored)
            else:
                seed = TurnContext.get_conversation_reference(activity)
                reference = await self.messenger.open_personal(seed, tenant_of(activity))
                await self.directory.remember_personal(activity, reference)
            await self.messenger.send(reference, activities)
        except Exception:
            log.exception("could not open a private Teams chat")
            await self._send(turn, message_activities(Message(text=CANNOT_DM)))
            return
        await self._send(turn, message_activities(Message(text=SENT_PRIVATELY)))


def _draw(response: Response, incoming: Incoming) -> tuple[list[Activity], bool]:
    """The activities for one response, and whether they replace the pressed card."""
    can_replace = incoming.card_id is not None
    if isinstance(response, Reply):
        return message_activities(response.message), False
    if isinstance(response, Update):
        return message_activities(response.message), can_replace
    if isinstance(response, FormErrors):
        return [form_activity(response.form)], can_replace
    if isinstance(response, OpenForm):
        return [form_activity(response.form)], False
    return [], False


def _is_private(response: Response) -> bool:
    return isinstance(response, OpenForm | FormErrors) or (
        isinstance(response, Reply) and response.private
    )


class _InvokeAnswer(Model):
    """botbuilder's AdaptiveCardInvokeResponse types `value` as a dict, so a message answer
    (a string) fails to serialise and the turn answers 400. The same shape, any value."""

    _attribute_map = {
        "status_code": {"key": "statusCode", "type": "int"},
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "object"},
    }

    def __init__(self, *, status_code: int, type: str, value: object) -> None:
        super().__init__()
        self.status_code, self.type, self.value = status_code, type, value


def _invoke(kind: str, value: object) -> InvokeResponse:
    body = _InvokeAnswer(status_code=200, type=kind, value=value)
    return InvokeResponse(status=HTTPStatus.OK, body=body)
