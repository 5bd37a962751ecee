"""Closing a drive, and a certificate of nomination for every consenting nominee.

`nominate close` (the coordinator's, after nominations have closed) marks the drive
closed once. The certificates are made by the nominations job, a batch at a time: each
is published behind an unguessable link (kept a year) and sent to its nominee through
the outbox with a unique key, in the transaction that records it — so a restart, a
second worker or a re-run makes and sends each certificate once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import files, outbox
from bot.context import Context
from bot.runtime import Runtime
from bot.settings import Settings
from bot.ui import Actions, Button, Confirm, Message, Section
from handlers.nominations.common import CERTIFICATE, day, managed, phase, pick_managed
from handlers.nominations.documents import CertificateOf, certificate
from handlers.nominations.router import router
from handlers.text import plural
from store.nominations import queries as store
from store.nominations.models import Drive

KEPT = timedelta(days=365)
BATCH = 100


@router.command(
    "nominate",
    "close",
    summary="Close a drive: certificates of nomination go to every consenting nominee",
    example="nominate close",
    shown_to="coordinator",
)
async def close(ctx: Context, args: str) -> None:
    drive = await pick_managed(ctx, args, "nominate.close", "close", ("open",))
    if drive is not None:
        await ask_to_close(ctx, drive)


@router.action("nominate.close")
async def close_picked(ctx: Context, value: str) -> None:
    drive = await managed(ctx, value)
    if drive is not None:
        await ask_to_close(ctx, drive)


async def ask_to_close(ctx: Context, drive: Drive) -> None:
    if drive.status != "open":
        ctx.reply("That drive is already closed.")
        return
    if phase(drive, ctx.now()) == "nominating":
        ctx.reply(
            f"{drive.title} is still taking nominations until "
            f"{day(drive.internal_deadline, ctx.timezone)}; it can close after that."
        )
        return
    nominees = len(await store.accepted_in(ctx.session, drive.id))
    text = (
        f"Close {drive.title}? {plural(nominees, 'consenting nominee')} will each get a "
        "certificate of nomination. Winners can still be recorded afterwards."
    )
    button = Button(
        label="Close and send certificates",
        action_id="nominate.confirm_close",
        value=str(drive.id),
        style="primary",
        confirm=Confirm(title="Close the drive?", text=text, confirm="Close"),
    )
    ctx.reply(Message(blocks=[Section(text=text), Actions(buttons=[button])]))


@router.action("nominate.confirm_close")
async def confirm_close(ctx: Context, value: str) -> None:
    drive = await managed(ctx, value)
    if drive is None:
        return
    if phase(drive, ctx.now()) == "nominating":
        ctx.reply("That drive is still taking nominations, so it can't close yet.")
        return
    if not await store.mark_closed(ctx.session, drive.id, ctx.now()):
        ctx.reply("That drive is already closed — certificates are on their way.")
        return
    nominees = len(await store.accepted_in(ctx.session, drive.id))
    ctx.update(
        f"Closed {drive.title}. Certificates of nomination are on their way to "
        f"{plural(nominees, 'nominee')}. Type nominate report for the figures."
    )


# --- making and sending the certificates ------------------------------------------------------


@router.job("nominations.certificates", every=timedelta(minutes=1))
async def certificates_due(runtime: Runtime, now: datetime) -> int:
    sent = 0
    while True:
        async with runtime.sessions() as session, session.begin():
            made = await certificate_batch(session, runtime.settings, now)
        sent += made
        if made < BATCH:
            return sent


async def certificate_batch(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Up to BATCH certificates for closed drives, each published and queued once."""
    due = await store.certificates_due(session, BATCH)
    names = await store.names_of(session, (n.nominee_id for n, _, _ in due))
    for nomination, found, drive in due:
        name = names.get(nomination.nominee_id, "")
        data = certificate(
            CertificateOf(
                nominee=name,
                award=drive.title,
                category=found.name,
                network=settings.benchmate_network_name,
                issued=f"{(drive.closed_at or now):%-d %B %Y}",
            )
        )
        published = await files.publish(
            session,
            public_url=settings.public_url,
            now=now,
            data=data,
            filename=f"certificate-of-nomination-{name}.pdf",
            content_type=files.PDF,
            lifetime=KEPT,
            owner_id=nomination.nominee_id,
        )
        nomination.certificate_url = published.url
        text = (
            f"Congratulations on your nomination for {found.name} in {drive.title}. Being "
            "nominated by colleagues is recognition in itself — here is your certificate of "
            "nomination, with thanks from the network."
        )
        message = Message(
            text=text,
            blocks=[
                Section(text=text),
                Actions(
                    buttons=[
                        Button(
                            label="Your certificate (PDF)",
                            action_id="nominate.certificate",
                            url=published.url,
                        )
                    ]
                ),
            ],
        )
        await outbox.enqueue(
            session,
            key=f"{CERTIFICATE}:{nomination.id}",
            kind=CERTIFICATE,
            message=message,
            now=now,
            member_id=nomination.nominee_id,
        )
    return len(due)
