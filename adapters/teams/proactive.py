"""Messages the bot starts: into a stored conversation, or a 1:1 chat it opens first.

They go through one botframework ConnectorClient per service URL, made once by
the CloudAdapter's own connector factory (the credentials and audience its
`continue_conversation` would use) and kept. `continue_conversation` builds new
clients for every message: new credentials whose MSAL cache is empty (with an app
id, a token request to Entra ID each time), msrest's configuration and retry
set-up (~15 ms of CPU) and a new HTTP session, so a new connection. A kept client
keeps its connections, and its credentials keep the token, renewed by MSAL when it
nears expiry (benchmarks/bench_sender_cpu.py: ~17 ms of CPU a message before, ~3.5 after).
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.aio import ConnectorClient


class Messenger:
    def __init__(self, adapter: CloudAdapter, app_id: str | None) -> None:
        self.adapter = adapter
        self.app_id = app_id or ""
        self._clients: dict[str, ConnectorClient] = {}
        self._opened = AsyncExitStack()

    async def connector(self, service_url: str) -> ConnectorClient:
        """The Connector client for this service URL (one per URL, kept)."""
        client = self._clients.get(service_url)
        if client is not None:
            return client
        # CloudAdapter picks the credentials for the Connector from the app id.
        claims = self.adapter.create_claims_identity(self.app_id)
        factory = self.adapter.bot_framework_authentication.create_connector_factory(claims)
        client = await factory.create(service_url, None)
        if service_url in self._clients:  # made meanwhile by another send: use that one
            return self._clients[service_url]
        client.config.retry_policy.retries = 0  # the outbox retries, with back-off
        await self._opened.enter_async_context(client)
        self._clients[service_url] = client
        return client

    async def send(self, reference: ConversationReference, activities: list[Activity]) -> None:
        # A proactive message is a new post (a new thread in a channel), not a reply.
        client = await self.connector(reference.service_url)
        for activity in activities:
            TurnContext.apply_conversation_reference(activity, reference)
            activity.reply_to_id = None
            await client.conversations.send_to_conversation(activity.conversation.id, activity)

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
        client = await self.connector(seed.service_url)
        opened = await client.conversations.create_conversation(parameters)
        return ConversationReference(
            user=seed.user,
            bot=seed.bot,
            conversation=ConversationAccount(
                id=opened.id, conversation_type="personal", tenant_id=tenant
            ),
            channel_id=seed.channel_id,
            service_url=seed.service_url,
        )

    async def close(self) -> None:
        """Close the kept clients' HTTP sessions (on shutdown: Runtime.close)."""
        clients, self._clients = self._clients, {}
        opened, self._opened = self._opened, AsyncExitStack()
        if clients:
            await opened.aclose()
