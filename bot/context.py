"""What a handler gets: who is asking, the unit of work, the clock, and ways to answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import files, outbox
from bot.clock import Clock
from bot.forms import with_errors
from bot.inbound import FormSubmission, Inbound
from bot.responses import FormErrors, OpenForm, Reply, Response, Update
from bot.settings import Settings
from bot.ui import Form, Message, text_message
from store import audit as audit_log
from store.models import Member

if TYPE_CHECKING:
    from bot.router import Router


@dataclass
class Context:
    inbound: Inbound
    member: Member
    roles: set[str]
    session: AsyncSession
    clock: Clock
    settings: Settings
    router: Router
    responses: list[Response] = field(default_factory=list)
    _queued: int = field(default=0, init=False)  # outbox rows this turn added

    # --- facts ----------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.member.timezone or self.settings.benchmate_timezone)

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.timezone)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    # --- answering ------------------------------------------------------------

    def reply(self, message: Message | str, *, public: bool = False) -> None:
        """Answer the person who asked; `public` shows it to the whole channel."""
        if isinstance(message, str):
            message = text_message(message)
        self.responses.append(Reply(message, private=not public))

    def update(self, message: Message | str) -> None:
        """Replace the message whose button was pressed (e.g. a card once answered)."""
        if isinstance(message, str):
            message = text_message(message)
        self.responses.append(Update(message))

    def open_form(self, form: Form) -> None:
        self.responses.append(OpenForm(form))

    def form_errors(self, form: Form) -> None:
        """Show a submitted form again with its errors; the handler saves nothing."""
        self.responses.append(FormErrors(form))

    def errors_shown(self, form: Form, submitted: FormSubmission, errors: dict[str, str]) -> bool:
        """If there are errors, show the form again as typed with each beside its field."""
        if errors:
            self.form_errors(with_errors(form, submitted.fields, errors))
        return bool(errors)

    async def publish_file(
        self,
        data: bytes,
        filename: str,
        content_type: str,
        *,
        lifetime: timedelta = files.DEFAULT_LIFETIME,
        owner_id: int | None = None,
    ) -> files.Published:
        """Keep a file (a chart, a pack, an export) behind an unguessable link."""
        return await files.publish(
            self.session,
            public_url=self.settings.public_url,
            now=self.now(),
            data=data,
            filename=filename,
            content_type=content_type,
            lifetime=lifetime,
            owner_id=owner_id,
        )

    async def notify(
        self,
        member_id: int,
        message: Message | str,
        *,
        key: str,
        kind: str,
        due_at: datetime | None = None,
    ) -> bool:
        """Tell another member something, through the outbox, in this unit of work."""
        if isinstance(message, str):
            message = text_message(message)
        added = await outbox.enqueue(
            self.session,
            key=key,
            kind=kind,
            message=message,
            now=self.now(),
            member_id=member_id,
            due_at=due_at,
        )
        self._queued += added
        return added

    async def notify_many(self, messages: list[outbox.Queued]) -> int:
        """A broadcast: many proactive messages (each to one member or one channel, each
        with its own key) in a few statements, in this unit of work. Returns how many were
        new: a key queued before (a retried press, a re-run) is skipped."""
        added = await outbox.enqueue_many(self.session, messages, self.now())
        self._queued += added
        return added

    @property
    def queued(self) -> int:
        """How many outbox rows this turn added (the console delivers them at once)."""
        return self._queued

    # --- the record -----------------------------------------------------------

    async def audit(
        self,
        action: str,
        *,
        target: Member | int | None = None,
        subject: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Note an action that matters (`role.grant`) in the audit log, in this unit of work.

        `detail` holds facts about the action (a role, a title, a count), never member
        text, personal data or anything anonymous.
        """
        await audit_log.record(
            self.session,
            action,
            at=self.now(),
            actor_id=self.member.id,
            target_id=target.id if isinstance(target, Member) else target,
            subject=subject,
            detail=detail,
        )
