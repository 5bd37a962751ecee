"""Pulse survey queries: set-up, rounds by the clock, receipts, anonymous answers, sealing.

See store/pulse/models.py for why receipts and answers never meet.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.audience import NETWORK_ROLES, TECHNICIAN, includes, interests_of, network_roles
from store.members import hold_member
from store.models import Institution, Member
from store.pulse.models import (
    NO_INSTITUTION,
    PulseAnswer,
    PulseComment,
    PulseReceipt,
    PulseRound,
    PulseSurvey,
    PulseTally,
)
from store.upsert import insert_ignore, insert_ignore_many

# A respondent's role in breakdowns: their network role (store/audience.py).
CELL_ROLES = NETWORK_ROLES
__all__ = ["CELL_ROLES", "TECHNICIAN"]
RESPONDENTS = ""  # the tally's (question, value) that counts a cell's respondents


# --- surveys ----------------------------------------------------------------------------


async def survey(session: AsyncSession, survey_id: int | None) -> PulseSurvey | None:
    return await session.get(PulseSurvey, survey_id) if survey_id is not None else None


async def surveys_run_by(session: AsyncSession, coordinator_id: int | None) -> list[PulseSurvey]:
    """Sent surveys, newest first: one coordinator's, or everyone's (None, for admins)."""
    query = select(PulseSurvey).where(PulseSurvey.status != "draft")
    if coordinator_id is not None:
        query = query.where(PulseSurvey.coordinator_id == coordinator_id)
    return list(await session.scalars(query.order_by(PulseSurvey.id.desc())))


async def mark_sent(session: AsyncSession, survey_id: int, now: datetime) -> bool:
    """Draft → sent, once: pressing Send twice sends once."""
    result = await session.execute(
        update(PulseSurvey)
        .where(PulseSurvey.id == survey_id, PulseSurvey.status == "draft")
        .values(status="sent", sent_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def schedule_rounds(session: AsyncSession, found: PulseSurvey, first: datetime) -> None:
    """Every numbered round, by the clock: the tick opens, reminds and closes them."""
    every = timedelta(weeks=found.every_weeks or 0)
    for number in range(1, found.rounds + 1):
        opens = first + every * (number - 1)
        session.add(
            PulseRound(
                survey_id=found.id,
                number=number,
                opens_at=opens,
                closes_at=opens + timedelta(days=found.open_days),
                status="scheduled",
                reminded=[],
            )
        )
    await session.flush()


# --- rounds -------------------------------------------------------------------------------


async def round_of(session: AsyncSession, round_id: int | None) -> PulseRound | None:
    return await session.get(PulseRound, round_id) if round_id is not None else None


async def rounds_of(session: AsyncSession, survey_id: int) -> list[PulseRound]:
    rows = await session.scalars(
        select(PulseRound).where(PulseRound.survey_id == survey_id).order_by(PulseRound.number)
    )
    return list(rows)


async def open_rounds(session: AsyncSession) -> list[tuple[PulseRound, PulseSurvey]]:
    rows = await session.execute(
        select(PulseRound, PulseSurvey)
        .join(PulseSurvey, PulseSurvey.id == PulseRound.survey_id)
        .where(PulseRound.status == "open")
        .order_by(PulseRound.closes_at, PulseRound.id)
    )
    return [(found, parent) for found, parent in rows]


async def due_to_open(session: AsyncSession, now: datetime) -> list[PulseRound]:
    """Scheduled rounds whose time has come, locked (FOR UPDATE) so one worker opens each."""
    rows = await session.scalars(
        select(PulseRound)
        .join(PulseSurvey, PulseSurvey.id == PulseRound.survey_id)
        .where(
            PulseRound.status == "scheduled",
            PulseRound.opens_at <= now,
            PulseSurvey.status == "sent",
        )
        .order_by(PulseRound.opens_at, PulseRound.id)
        .with_for_update(of=PulseRound, skip_locked=True)
    )
    return list(rows)


async def due_to_close(session: AsyncSession, now: datetime) -> list[PulseRound]:
    rows = await session.scalars(
        select(PulseRound)
        .where(PulseRound.status == "open", PulseRound.closes_at <= now)
        .order_by(PulseRound.closes_at, PulseRound.id)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def open_round(session: AsyncSession, found: PulseRound, invited: int) -> None:
    found.status = "open"
    found.seal = secrets.token_hex(32)
    found.invited = invited


async def closed_rounds(session: AsyncSession, survey_id: int) -> list[PulseRound]:
    rows = await session.scalars(
        select(PulseRound)
        .where(PulseRound.survey_id == survey_id, PulseRound.status == "closed")
        .order_by(PulseRound.number)
    )
    return list(rows)


# --- the audience -------------------------------------------------------------------------


async def in_audience(session: AsyncSession, chosen: dict[str, Any], member: Member) -> bool:
    """May this member answer? Those the audience includes; anyone, where it was posted
    in channels (a channel's members are not known one by one)."""
    if chosen.get("network") or chosen.get("channels"):
        return True
    interests = await interests_of(session, member) if chosen.get("interests") else []
    role = (await network_roles(session, [member.id]))[member.id]
    return includes(chosen, member.institution_id, interests, role)


async def institution_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    rows = await session.execute(
        select(Institution.id, Institution.name).where(Institution.id.in_(list(ids)))
    )
    return {row.id: row.name for row in rows}


# --- receipts and answers -----------------------------------------------------------------


def owner_tag(seal: str, member_id: int) -> str:
    """The keyed hash that lets a respondent find their own answer while the round is open.
    It means nothing without the round's seal, which is wiped when the round closes."""
    return hmac.new(bytes.fromhex(seal), str(member_id).encode(), hashlib.sha256).hexdigest()


def random_id() -> str:
    return uuid.uuid4().hex


async def receipt(session: AsyncSession, round_id: int, member_id: int) -> PulseReceipt | None:
    return await session.get(PulseReceipt, (round_id, member_id))


async def my_answer(session: AsyncSession, found: PulseRound, member_id: int) -> dict | None:
    if found.status != "open" or not found.seal:
        return None
    return await session.scalar(
        select(PulseAnswer.answers).where(
            PulseAnswer.round_id == found.id,
            PulseAnswer.tag == owner_tag(found.seal, member_id),
        )
    )


@dataclass(frozen=True)
class Cell:
    """Where a respondent is counted in breakdowns."""

    institution_id: int
    role: str


async def cell_of(session: AsyncSession, member_id: int, institution_id: int | None) -> Cell:
    role = (await network_roles(session, [member_id]))[member_id]
    return Cell(institution_id or NO_INSTITUTION, role)


async def record_answer(
    session: AsyncSession,
    found: PulseRound,
    member_id: int,
    cell: Cell,
    answers: dict[str, Any],
    today: date,
) -> bool:
    """Store an answer (replacing this member's earlier one) and the receipt beside it.

    The round row is locked first, so sealing cannot happen half-way. True when this
    replaced an earlier answer (one count either way). The member's row is held first, so
    the same answer sent twice at once replaces rather than doubles (the lock is never stored)."""
    await hold_member(session, member_id)
    locked = await session.scalar(
        select(PulseRound)
        .where(PulseRound.id == found.id)
        # Answers share the round (KEY SHARE lets one of them mark it unsettled without a
        # deadlock); sealing takes it FOR UPDATE, so no answer lands half-way through.
        .with_for_update(read=True, key_share=True)
        .execution_options(populate_existing=True)
    )
    if locked is None or locked.status != "open" or not locked.seal:
        raise RoundClosed
    tag = owner_tag(locked.seal, member_id)
    removed = await session.execute(
        delete(PulseAnswer).where(PulseAnswer.round_id == found.id, PulseAnswer.tag == tag)
    )
    session.add(
        PulseAnswer(
            id=random_id(),
            round_id=found.id,
            tag=tag,
            institution_id=cell.institution_id,
            role=cell.role,
            answers=answers,
        )
    )
    if not locked.unsettled:  # only the first answer since the last shuffle writes here
        await session.execute(
            update(PulseRound)
            .where(PulseRound.id == found.id, PulseRound.unsettled.is_(False))
            .values(unsettled=True)
            .execution_options(synchronize_session=False)
        )
    mine = await receipt(session, found.id, member_id)
    if mine is None:
        await insert_ignore(
            session,
            PulseReceipt.__table__,  # type: ignore[arg-type]
            {"round_id": found.id, "member_id": member_id, "answered_on": today},
        )
    else:
        mine.answered_on = today
    await session.flush()
    return bool(removed.rowcount)  # type: ignore[attr-defined]


class RoundClosed(Exception):
    """The round closed between showing the form and saving the answer."""


async def answered(session: AsyncSession, round_id: int, member_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(member_ids), 5000):
        rows = await session.scalars(
            select(PulseReceipt.member_id).where(
                PulseReceipt.round_id == round_id,
                PulseReceipt.member_id.in_(member_ids[start : start + 5000]),
            )
        )
        found.update(rows)
    return found


async def receipts_count(session: AsyncSession, round_id: int) -> int:
    return (
        await session.scalar(
            select(func.count()).select_from(PulseReceipt).where(PulseReceipt.round_id == round_id)
        )
        or 0
    )


async def shuffle(session: AsyncSession, found: PulseRound) -> int:
    """Rewrite an open round's answers in a random order with new random ids, so where a
    row sits (PostgreSQL's ctid, its xmin) says nothing about when it was written.
    The round is taken FOR UPDATE first: answers in flight (holding KEY SHARE) finish
    before, and none lands while the rows are rewritten."""
    await session.execute(select(PulseRound.id).where(PulseRound.id == found.id).with_for_update())
    rows = list(
        await session.execute(
            select(
                PulseAnswer.tag, PulseAnswer.institution_id, PulseAnswer.role, PulseAnswer.answers
            ).where(PulseAnswer.round_id == found.id)
        )
    )
    random.SystemRandom().shuffle(rows)
    await session.execute(delete(PulseAnswer).where(PulseAnswer.round_id == found.id))
    await _insert_answers(
        session,
        [
            {
                "id": random_id(),
                "round_id": found.id,
                "tag": row.tag,
                "institution_id": row.institution_id,
                "role": row.role,
                "answers": row.answers,
            }
            for row in rows
        ],
    )
    found.unsettled = False
    return len(rows)


async def _insert_answers(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 2000):
        await insert_ignore_many(
            session,
            PulseAnswer.__table__,  # type: ignore[arg-type]
            rows[start : start + 2000],
        )


# --- sealing a closed round -------------------------------------------------------------


async def seal(
    session: AsyncSession, found: PulseRound, questions: list[dict[str, Any]], now: datetime
) -> int:
    """Close a round for good: fold its answers into tallies per cell and question, keep
    its comments apart (shuffled, no attribute), delete the answers, wipe the seal."""
    kinds = {q["key"]: q["kind"] for q in questions}
    counts: Counter[tuple[int, str, str, str]] = Counter()
    comments: list[tuple[str, str]] = []
    rows = await session.execute(
        select(PulseAnswer.institution_id, PulseAnswer.role, PulseAnswer.answers).where(
            PulseAnswer.round_id == found.id
        )
    )
    respondents = 0
    for institution_id, role, answers in rows:
        respondents += 1
        counts[(institution_id, role, RESPONDENTS, RESPONDENTS)] += 1
        for key, value in answers.items():
            kind = kinds.get(key)
            if kind is None or value in (None, "", []):
                continue
            if kind == "text":
                comments.append((key, str(value)))
            else:
                for one in value if isinstance(value, list) else [value]:
                    counts[(institution_id, role, key, str(one))] += 1
    random.SystemRandom().shuffle(comments)
    tallies = [
        {
            "round_id": found.id,
            "institution_id": i,
            "role": r,
            "question": q,
            "value": v,
            "count": n,
        }
        for (i, r, q, v), n in sorted(counts.items())
    ]
    for start in range(0, len(tallies), 2000):
        await insert_ignore_many(
            session,
            PulseTally.__table__,  # type: ignore[arg-type]
            tallies[start : start + 2000],
        )
    for start in range(0, len(comments), 2000):
        await insert_ignore_many(
            session,
            PulseComment.__table__,  # type: ignore[arg-type]
            [
                {"id": random_id(), "round_id": found.id, "question": key, "text": text}
                for key, text in comments[start : start + 2000]
            ],
        )
    await session.execute(delete(PulseAnswer).where(PulseAnswer.round_id == found.id))
    found.status = "closed"
    found.seal = None
    found.unsettled = False
    found.respondents = respondents
    found.closed_at = now
    return respondents


@dataclass(frozen=True)
class Tally:
    institution_id: int
    role: str
    question: str
    value: str
    count: int


async def tallies(session: AsyncSession, round_ids: Sequence[int]) -> dict[int, list[Tally]]:
    """Sealed counts by round. Only closed rounds have any."""
    found: dict[int, list[Tally]] = {round_id: [] for round_id in round_ids}
    rows = await session.execute(
        select(
            PulseTally.round_id,
            PulseTally.institution_id,
            PulseTally.role,
            PulseTally.question,
            PulseTally.value,
            PulseTally.count,
        ).where(PulseTally.round_id.in_(list(round_ids)))
    )
    for row in rows:
        found[row.round_id].append(Tally(*row[1:]))
    return found


async def comments(session: AsyncSession, round_id: int) -> dict[str, list[str]]:
    """A sealed round's comments by question, in the (random) order they are stored."""
    found: dict[str, list[str]] = {}
    rows = await session.execute(
        select(PulseComment.question, PulseComment.text)
        .where(PulseComment.round_id == round_id)
        .order_by(PulseComment.id)
    )
    for question, text in rows:
        found.setdefault(question, []).append(text)
    return found
