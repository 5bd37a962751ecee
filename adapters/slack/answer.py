"""The core's responses delivered to the right Slack surface.

`Answer.deliver` makes whatever Web API calls a response needs (a modal, a
response_url post, views.publish) and returns the body for `ack()`, if any: a
slash command's reply travels in its ack, a modal's field errors in
`response_action: errors`. Every message is drawn by the pager, so a long one
goes as its first page with a "Show more" button (`show_page` answers it).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientError, ClientSession
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.modals import (
    FormTooLarge,
    field_errors,
    render_modal,
    render_notice_modal,
)
from adapters.slack.pages import Page, Pager
from adapters.slack.render import VIEW_BLOCKS, fallback_text, message_blocks
from adapters.slack.translate import OPEN_FORM_ACTION, Origin
from bot.responses import FormErrors, OpenForm, Reply, Response, Update
from bot.ui import Actions, Button, Divider, Form, Message, Section

log = logging.getLogger(__name__)
Body = dict[str, Any]
FAILURES = (SlackApiError, ClientError, TimeoutError, FormTooLarge)

FORM_ELSEWHERE = "{title} opens in a window here — press the button to fill it in."
FORM_FAILED = "Sorry — I couldn't open that form just now. Please try again."


def merge(messages: list[Message]) -> Message | None:
    """Several replies from one turn as one Slack message (one ack, one response_url use)."""
    if len(messages) <= 1:
        return messages[0] if messages else None
    blocks: list[Any] = []
    for index, message in enumerate(messages):
        if index:
            blocks.append(Divider())
        blocks.extend(message.blocks or [Section(text=message.text)])
    return Message(text="\n\n".join(m.text for m in messages), blocks=blocks)


class Hooks:
    """response_url posts over one kept-alive HTTP session: a session of its own per post
    (slack_sdk's default) costs a new connection and its set-up on every answer."""

    def __init__(self) -> None:
        self._session: ClientSession | None = None

    def to(self, url: str) -> AsyncWebhookClient:
        if self._session is None or self._session.closed:
            self._session = ClientSession()
        return AsyncWebhookClient(url, session=self._session)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class Answer:
    """Delivers one turn's responses for one origin."""

    def __init__(
        self, client: AsyncWebClient, origin: Origin, pages: Pager, hooks: Hooks | None = None
    ) -> None:
        self.client = client
        self.origin = origin
        self.pages = pages
        self.hooks = hooks or Hooks()

    async def deliver(self, responses: list[Response]) -> Body | None:
        private = [r.message for r in responses if isinstance(r, Reply) and r.private]
        public = [r.message for r in responses if isinstance(r, Reply) and not r.private]
        updates = [r.message for r in responses if isinstance(r, Update)]
        forms = [r for r in responses if isinstance(r, OpenForm | FormErrors)]
        surface = self.origin.surface
        if surface == "submission":
            return await self._after_submission(private + updates, public, forms)
        if surface == "home":
            await self._publish_home(merge(private + public + updates))
            return None
        if forms and (note := await self._open_form(forms[-1])):
            private.append(note)
        if surface == "command":
            return await self._after_command(private + updates, public)
        if surface == "action":
            await self._after_action(private, public, merge(updates))
            return None
        await self._in_conversation(merge(private + updates), merge(public))
        return None

    # --- per surface -------------------------------------------------------------

    async def _after_command(self, private: list[Message], public: list[Message]) -> Body | None:
        mine, everyone = merge(private), merge(public)
        if mine and everyone:
            await self._respond(everyone, private=False, response_type="in_channel")
        if mine:
            return {"response_type": "ephemeral", **await self._render(mine, private=True)}
        if everyone:
            return {"response_type": "in_channel", **await self._render(everyone, private=False)}
        return None

    async def _after_action(
        self, private: list[Message], public: list[Message], update: Message | None
    ) -> None:
        mine, everyone = merge(private), merge(public)
        if self.origin.in_modal:
            if update:
                await self._update_modal(update)
            if mine or everyone:
                await self._direct(merge([m for m in (mine, everyone) if m]))
            return
        if self.origin.in_home:
            if update:
                await self._publish_home(update)
            if mine or everyone:
                await self._direct(merge([m for m in (mine, everyone) if m]))
            return
        if update:
            await self._respond(update, private=self._only_mine(), replace_original=True)
        if mine:
            await self._respond(
                mine, private=True, response_type="ephemeral", replace_original=False
            )
        if everyone:
            await self._respond(
                everyone, private=False, response_type="in_channel", replace_original=False
            )

    async def _after_submission(
        self,
        private: list[Message],
        public: list[Message],
        forms: list[OpenForm | FormErrors],
    ) -> Body | None:
        mine, everyone = merge(private), merge(public)
        if mine:
            await self._private(mine)
        if everyone:
            await self._public(everyone)
        if not forms:
            return None
        chosen = forms[-1]
        try:
            if isinstance(chosen, FormErrors) and (errors := field_errors(chosen.form)):
                return {"response_action": "errors", "errors": errors}
            inline = isinstance(chosen, FormErrors)
            view = render_modal(chosen.form, self._modal_meta(), inline_errors=inline)
        except FormTooLarge:
            log.exception("form %s too large for Slack", chosen.form.form_id)
            await self._private(Message(text=FORM_FAILED))
            return None
        return {"response_action": "update", "view": view}

    async def _in_conversation(self, mine: Message | None, everyone: Message | None) -> None:
        if self.origin.is_direct:
            both = merge([m for m in (mine, everyone) if m])
            if both:
                await self._post(self.origin.channel_id or self.origin.user_id, both, private=True)
            return
        if mine:
            await self._private(mine)
        if everyone:
            await self._public(everyone)

    # --- forms -------------------------------------------------------------------

    async def _open_form(self, response: OpenForm | FormErrors) -> Message | None:
        """Open the form as a modal; a message saying why not when that cannot be done."""
        form, inline = response.form, isinstance(response, FormErrors)
        if not self.origin.trigger_id:
            return self._open_button(form)
        try:
            view = render_modal(form, self._modal_meta(), inline_errors=inline)
            if self.origin.in_modal and inline:
                await self.client.views_update(
                    view_id=self.origin.view["id"], hash=self.origin.view.get("hash"), view=view
                )
            elif self.origin.in_modal:
                await self.client.views_push(trigger_id=self.origin.trigger_id, view=view)
            else:
                await self.client.views_open(trigger_id=self.origin.trigger_id, view=view)
        except FAILURES as problem:
            log.warning("could not open form %s: %s", form.form_id, problem)
            return (
                self._open_button(form) if self.origin.command_text else Message(text=FORM_FAILED)
            )
        return None

    def _open_button(self, form: Form) -> Message:
        """Messages carry no trigger to open a modal: offer a button that re-asks."""
        if not self.origin.command_text:
            return Message(text=FORM_FAILED)
        text = FORM_ELSEWHERE.format(title=form.title)
        button = Button(
            label=f"Open {form.title}"[:75],
            action_id=OPEN_FORM_ACTION,
            value=self.origin.command_text[:2000],
            style="primary",
        )
        return Message(text=text, blocks=[Section(text=text), Actions(buttons=[button])])

    def _modal_meta(self) -> dict[str, Any]:
        if self.origin.meta:
            return {k: v for k, v in self.origin.meta.items() if k != "s"}
        meta: dict[str, Any] = {}
        if self.origin.channel_id:
            meta["c"] = self.origin.channel_id
        if self.origin.is_direct:
            meta["d"] = 1
        if self.origin.response_url:
            meta["r"] = self.origin.response_url
        return meta

    async def _update_modal(self, message: Message) -> None:
        blocks = await self.pages.blocks(
            message_blocks(message),
            VIEW_BLOCKS,
            fallback_text(message),
            self.origin.workspace,
            self.origin.user_id,
        )
        await self._show_in_modal(blocks)

    async def _show_in_modal(self, blocks: list[dict[str, Any]]) -> None:
        view = self.origin.view or {}
        modal = render_notice_modal(view.get("title") or "Benchmate", blocks, self._modal_meta())
        await self._call(self.client.views_update, view_id=view.get("id"), view=modal)

    # --- pages of a long reply ------------------------------------------------------

    async def show_page(self, page: Page) -> None:
        """A "Show more" or "Back" button: its page where the button was, or why not."""
        if not page.found:
            await self._private(Message(text=page.text))
        elif self.origin.in_modal:
            await self._show_in_modal(page.blocks)
        elif self.origin.in_home:
            view = {"type": "home", "blocks": page.blocks}
            await self._call(self.client.views_publish, user_id=self.origin.user_id, view=view)
        elif self.origin.response_url:
            # Turn the page of one's own message; a channel's message stays as everyone sees it.
            mine = self._only_mine()
            options = (
                {"replace_original": True}
                if mine
                else {"response_type": "ephemeral", "replace_original": False}
            )
            await self._send_hook({**options, "text": page.text, "blocks": page.blocks})
        else:
            await self._call(
                self.client.chat_postMessage,
                channel=self.origin.user_id,
                text=page.text,
                blocks=page.blocks,
            )

    def _only_mine(self) -> bool:
        """Whether the message a button was pressed in is seen by this person alone."""
        return self.origin.in_ephemeral or self.origin.is_direct

    # --- delivery primitives --------------------------------------------------------

    async def _private(self, message: Message) -> None:
        """Only the member sees it: response_url, else an ephemeral, else a DM."""
        if self.origin.response_url:
            if await self._respond(
                message, private=True, response_type="ephemeral", replace_original=False
            ):
                return
        channel = self.origin.channel_id
        if channel and not self.origin.is_direct:
            posted = await self._call(
                self.client.chat_postEphemeral,
                channel=channel,
                user=self.origin.user_id,
                thread_ts=self.origin.thread_ts,
                **await self._render(message, private=True),
            )
            if posted:
                return
        await self._direct(message)

    async def _public(self, message: Message) -> None:
        channel = self.origin.channel_id or self.origin.user_id
        if await self._post(channel, message, private=self.origin.is_direct):
            return
        if self.origin.response_url:  # e.g. the bot is not a member of that channel
            await self._respond(
                message, private=False, response_type="in_channel", replace_original=False
            )

    async def _direct(self, message: Message | None) -> None:
        if message is not None:
            # Posting to a user id lands in the app's DM with them.
            await self._post(self.origin.user_id, message, private=True)

    async def _post(self, channel: str, message: Message, *, private: bool) -> bool:
        return await self._call(
            self.client.chat_postMessage,
            channel=channel,
            thread_ts=self.origin.thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **await self._render(message, private=private),
        )

    async def _publish_home(self, message: Message | None) -> None:
        if message is not None:
            view = await self.pages.home(message, self.origin.workspace, self.origin.user_id)
            await self._call(self.client.views_publish, user_id=self.origin.user_id, view=view)

    async def _render(self, message: Message, *, private: bool) -> Body:
        """Text and blocks; a long message's further pages readable by this person
        alone when `private`, else by anyone who sees it."""
        reader = self.origin.user_id if private else None
        return await self.pages.message(message, self.origin.workspace, reader)

    async def _respond(self, message: Message, *, private: bool, **options: Any) -> bool:
        if not self.origin.response_url:
            await self._direct(message)
            return True
        return await self._send_hook({**options, **await self._render(message, private=private)})

    async def _send_hook(self, body: Body) -> bool:
        assert self.origin.response_url
        hook = self.hooks.to(self.origin.response_url)
        try:
            result = await hook.send_dict(body)
        except (ClientError, TimeoutError) as problem:
            log.warning("response_url post failed: %s", problem)
            return False
        if result.status_code != 200:
            log.warning("response_url post refused: %s %s", result.status_code, result.body)
        return result.status_code == 200

    async def _call(self, method: Any, **kwargs: Any) -> bool:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        try:
            await method(**kwargs)
        except FAILURES as problem:
            log.warning("Slack %s failed: %s", getattr(method, "__name__", method), problem)
            return False
        return True
