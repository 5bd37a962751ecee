"""Messages the bot starts: into a stored conversation, or a 1:1 chat it opens first."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)


class Messenger:
    def __init__(self, adapter: CloudAdapter, app_id: str | None) -> None:
        self.adapter = adapter
        self.app_id = app_id or ""

    async def send(self, reference: ConversationReference, activities: list[Activity]) -> None:
        async def deliver(turn: TurnContext) -> None:
            # Not turn.send_activity: on a continued conversation it replies to the
            # made-up id of botbuilder's continuation event. A proactive message is a
            # new post (a new thread in a channel), so it goes straight to the Connector.
            client = turn.turn_state[turn.adapter.BOT_CONNECTOR_CLIENT_KEY]
            client.config.retry_policy.retries = 0  # the outbox retries, with back-off
            for activity in activities:
                TurnContext.apply_conversation_reference(activity, reference)
                activity.reply_to_id = None
                await client.conversations.send_to_conversation(activity.conversation.id, activity)

        # CloudAdapter needs the app id here: it picks the credentials for the Connector.
        await self.adapter.continue_conversation(reference, deliver, self.app_id)

    async def open_personal(
        self, seed: ConversationReference, tenant: str
    ) -> ConversationReference:
        """Open a 1:1 chat with the person in `seed` (Teams allows it when the app
        is installed for them or in a team they are in); returns its reference.

        The tenant comes separately: botbuilder-python maps ConversationAccount.tenant_id
        to "tenantID", so the "tenantId" Teams sends never reaches a stored reference.
        """
        parameters = ConversationParameters(
            is_group=False,
            bot=seed.bot,
            members=[ChannelAccount(id=seed.user.id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        opened: list[str] = []

        async def keep(turn: TurnContext) -> None:
            opened.append(turn.activity.conversation.id)

        await self.adapter.create_conversation(
            self.app_id,
            keep,
            parameters,
            channel_id=seed.channel_id,
            service_url=seed.service_url,
        )
        return ConversationReference(
            user=seed.user,
            bot=seed.bot,
            conversation=ConversationAccount(
                id=opened[0], conversation_type="personal", tenant_id=tenant
            ),
            channel_id=seed.channel_id,
            service_url=seed.service_url,
        )
