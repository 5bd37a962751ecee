"""The core turn: ignore bots, de-duplicate retries, find the member, route, answer.

Each inbound request is one unit of work: what a handler writes, and the
outbox rows it queues, commit together or not at all.

A turn that will write (a button press, a form, a platform delivery to record,
a member seen for the first time or not for an hour) is a writer from the
start. Any other turn opens read-first: on SQLite it takes no write lock while
it reads (store/writers.py). If it writes after all and another writer got in
first, the turn runs again as a writer, and its route is remembered as one that
writes, so the next turn of it starts as a writer.
"""

from __future__ import annotations

import logging
import secrets
import time
import traceback
from dataclasses import dataclass
from datetime import datetime

from bot import logs
from bot.admission import is_admitted
from bot.admission import refusal as not_admitted
from bot.context import Context
from bot.inbound import ButtonPress, Command, FormSubmission, HomeOpened, Inbound, Synced
from bot.responses import Reply, Response
from bot.router import Route
from bot.runtime import Runtime
from bot.sanitise import clean_inbound
from bot.seen import is_recent
from bot.ui import KEEP_AS_IS, Block, Heading, Message, Section, text_message
from store.db import is_unavailable, unit_of_work
from store.members import UNNAMED, upsert_member
from store.models import InboundReceipt, PlatformIdentity
from store.upsert import insert_ignore
from store.writers import is_write_conflict

log = logging.getLogger("benchmate")

DATABASE_AWAY = (
    "Sorry — I can't reach my records just now, so nothing was changed. "
    "Please try again in a minute."
)
ROLE_NAMES = {
    "admin": "network admins",
    "coordinator": "scheme coordinators",
    "champion": "network champions",
    "lead": "institutional leads",
}


def apology(reference: str) -> str:
    return (
        "Sorry — something went wrong on my side and nothing was changed. "
        f"If it keeps happening, give an admin this reference: {reference}."
    )


def refusal(role: str) -> str:
    return (
        f"Sorry, that is only for {ROLE_NAMES.get(role, role)}. "
        "If you think you should have access, please ask a network admin."
    )


@dataclass
class TurnRecord:
    """What the one log line (and the metrics) say about a turn: never what was typed."""

    platform: str
    command: str = "unknown"  # the route: a command's usage, an action's or a form's id
    outcome: str = "ok"


async def handle(runtime: Runtime, inbound: Inbound) -> list[Response]:
    """One turn. Never raises: every failure becomes a short, friendly reply."""
    if inbound.from_bot:
        return []
    inbound = clean_inbound(inbound)  # one rule for all member text, before any feature
    request_id = secrets.token_hex(4)  # also the reference in an apology
    record = TurnRecord(inbound.who.platform)
    started = time.perf_counter()
    runtime.turn_started()
    with logs.request(request_id):
        try:
            return await _turn(runtime, inbound, record)
        except Exception as problem:
            if is_unavailable(problem):
                record.outcome = "database_away"
                log.warning("database unavailable: %s", type(problem).__name__)
                return [Reply(text_message(DATABASE_AWAY))]
            record.outcome = "error"
            if _is_anonymous(runtime, inbound):
                # Never an anonymous answer next to its author: no identity, and only the
                # exception's type and where it happened (its message may hold the answer).
                log.error(
                    "turn failed [ref %s] on an anonymous form: %s\n%s",
                    request_id,
                    type(problem).__name__,
                    "".join(traceback.format_tb(problem.__traceback__)),
                )
            else:
                log.exception("turn failed [ref %s]", request_id)
            return [Reply(text_message(apology(request_id)))]
        finally:
            runtime.turn_ended()
            seconds = time.perf_counter() - started
            runtime.metrics.turn(record.platform, record.outcome, seconds)
            log.info(
                "turn %s %s %s %.1f ms",
                record.platform,
                record.command,
                record.outcome,
                seconds * 1000,
                extra={
                    "platform": record.platform,
                    "command": record.command,
                    "outcome": record.outcome,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )


async def admits(runtime: Runtime, platform: str, workspace: str) -> bool:
    """Whether this workspace or tenant is admitted: adapters ask before they store
    anything about its people outside a turn (a Teams conversation reference)."""
    async with runtime.sessions() as session:
        return await is_admitted(session, runtime.settings, platform, workspace)


def _is_anonymous(runtime: Runtime, inbound: Inbound) -> bool:
    what = inbound.what
    if not isinstance(what, FormSubmission):
        return False
    route = runtime.router.forms.get(what.form_id)
    return route is not None and route.anonymous


async def _turn(runtime: Runtime, inbound: Inbound, record: TurnRecord) -> list[Response]:
    route = record.command = route_key(runtime, inbound)
    writes = writes_up_front(runtime, inbound, route)
    try:
        return await _unit(runtime, inbound, record, writes)
    except Exception as problem:
        if writes or not is_write_conflict(problem):
            raise
        log.info("turn %s wrote after a read; running it again as a writer", route)
        runtime.writing_routes.add(route)
        return await _unit(runtime, inbound, record, writes=True)


def route_key(runtime: Runtime, inbound: Inbound) -> str:
    """What a turn asks for, as one word: the command's usage, the action or the form."""
    what = inbound.what
    if isinstance(what, Command):
        found = runtime.router.resolve(what.text)
        return found[0].usage if found else "unknown"
    if isinstance(what, ButtonPress):
        return what.action_id
    if isinstance(what, FormSubmission):
        return what.form_id
    return "home"


def writes_up_front(runtime: Runtime, inbound: Inbound, route: str) -> bool:
    """Whether this turn starts as a writer: presses and forms, platform deliveries to
    record, members to create or note as seen, and routes known to write."""
    return (
        isinstance(inbound.what, ButtonPress | FormSubmission)
        or bool(inbound.delivery_id)
        or inbound.synced is not None
        or route in runtime.writing_routes
        or runtime.seen.due(inbound.who, inbound.profile, runtime.clock.now())
    )


async def _unit(
    runtime: Runtime, inbound: Inbound, record: TurnRecord, writes: bool
) -> list[Response]:
    now = runtime.clock.now()
    async with unit_of_work(runtime.sessions, writes=writes) as session:
        if inbound.delivery_id and not await insert_ignore(
            session,
            InboundReceipt.__table__,  # type: ignore[arg-type]
            {
                "platform": inbound.who.platform,
                "delivery_id": inbound.delivery_id,
                "received_at": now,
            },
        ):
            log.info("ignoring a repeated delivery")
            record.outcome = "repeat"
            return []
        turned_away = await not_admitted(session, runtime.settings, inbound)
        if turned_away:  # sees nothing of the network, and no member row is made
            record.outcome = "not_admitted"
            return [Reply(text_message(turned_away))]
        identity = await upsert_member(session, inbound.who, inbound.profile, now)
        if not is_recent(identity.last_seen_at, now):
            identity.last_seen_at = now  # which platform to reach them on; written at most hourly
        seen_at = identity.last_seen_at or now  # set just above when stale
        if inbound.synced is not None:
            _store_synced(identity, inbound.synced, now)
        ctx = Context(
            inbound=inbound,
            member=identity.member,
            roles=identity.member.roles,
            session=session,
            clock=runtime.clock,
            settings=runtime.settings,
            router=runtime.router,
        )
        await _route(ctx, record)
    # Committed: the console (and anything watching) may deliver what the turn queued.
    runtime.queued_by_turns += ctx.queued
    runtime.seen.note(inbound.who, inbound.profile, seen_at)
    return ctx.responses


def _store_synced(identity: PlatformIdentity, synced: Synced, now: datetime) -> None:
    if synced.profile_fetched:
        identity.profile_synced_at = now
    if synced.conversation:  # they just wrote to us: reachable there again
        if synced.replace or not identity.conversation:
            identity.conversation = synced.conversation
        identity.unreachable_at, identity.unreachable_reason = None, None


async def _route(ctx: Context, record: TurnRecord) -> None:
    what = ctx.inbound.what
    router = ctx.router
    if isinstance(what, Command):
        found = router.resolve(what.text)
        if found is None:
            record.outcome = "unknown_command"
            ctx.reply(_unknown_command(ctx, what.text))
            return
        route, args = found
        if route.role and not ctx.has_role(route.role):
            record.outcome = "refused"
            ctx.reply(refusal(route.role))
            return
        await route.handler(ctx, args)
    elif isinstance(what, ButtonPress) and what.action_id == KEEP_AS_IS:
        ctx.reply("Okay — nothing has been sent or changed.")
    elif isinstance(what, ButtonPress):
        action = router.actions.get(what.action_id)
        if _allowed(ctx, action, record):
            await action.handler(ctx, what.value)  # type: ignore[union-attr]
    elif isinstance(what, HomeOpened):
        ctx.reply(await home(ctx))
    elif isinstance(what, FormSubmission):
        form = router.forms.get(what.form_id)
        if _allowed(ctx, form, record):
            await form.handler(ctx, what)  # type: ignore[union-attr]


async def home(ctx: Context) -> Message:
    """The member's dashboard: a greeting, then each feature's section in order."""
    named = ctx.member.display_name != UNNAMED
    greeting = f"Hello {(named and ctx.member.display_name.split(' ')[0]) or 'there'}!"
    blocks: list[Block] = [Heading(text=greeting)]
    for _, section in sorted(ctx.router.home_sections, key=lambda pair: pair[0]):
        blocks.extend(await section(ctx))
    if len(blocks) == 1:
        blocks.append(Section(text="Nothing needs you just now. Type help to see what I can do."))
    return Message(text=greeting, blocks=blocks)


def _allowed(ctx: Context, route: Route | None, record: TurnRecord) -> bool:
    if route is None:
        record.outcome = "stale"
        ctx.reply(
            "That button or form no longer works — it may be from an older message. "
            "Type help to see what I can do now."
        )
        return False
    if route.role and not ctx.has_role(route.role):
        record.outcome = "refused"
        ctx.reply(refusal(route.role))
        return False
    return True


def _unknown_command(ctx: Context, text: str) -> str:
    typed = " ".join(text.lstrip("/").split()[:2])[:40]
    nearest = ctx.router.nearest(text, ctx.roles)
    hint = f" Did you mean “{nearest}”?" if nearest else ""
    if not typed:
        return "Hello! Type help to see what I can do."
    return f"Sorry, I don't know “{typed}”.{hint} Type help to see everything I can do."
