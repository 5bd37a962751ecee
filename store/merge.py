"""Merging two members into one when a person links their platforms.

Every row that points at the member merged away moves to the survivor, found generically
from the foreign keys onto `members.id`, so a table added later is merged too. Where both
members hold something only one person can hold (two mentoring profiles, two requests in
one scheme, a mentoring relationship with each other) nothing changes and the conflicts are
named in plain words; where a duplicate is the same fact twice (two RSVPs to one event, the
same role twice), the survivor's row is kept and the other's dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, UniqueConstraint, delete, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

import store.all_models  # noqa: F401  (every table, so every foreign key is seen)
from store.members import UNNAMED
from store.models import Base, LinkCode, Member, PlatformIdentity

# The same fact held twice: keeping the survivor's row loses nothing.
SAME_FACT_TWICE = {
    "role_grants",
    "event_rsvps",
    "event_attendance",
    "event_deliveries",
    "mentoring_scheme_members",
    "mentoring_dont_pair",
    "nomination_panelists",
    "nomination_supports",
    "mentoring_evaluation_returns",
}

# What a clash in each table means, in the member's words.
CLASH_WORDS = {
    "mentoring_profiles": "both accounts have a mentoring profile",
    "mentor_requests": "both accounts asked for a mentor in the same scheme",
    "mentoring_relationships": "the two accounts are in a mentoring relationship with each other",
    "nominations": "both accounts were nominated in the same category",
    "nomination_scores": "both accounts scored the same nomination",
    "nomination_conflicts": "both accounts declared a conflict on the same nomination",
    # Two anonymous answers from one person: keeping one receipt would hide the round.
    "event_feedback_receipts": "both accounts gave feedback on the same event",
    "pulse_receipts": "both accounts answered the same pulse survey",
}


@dataclass
class MergeOutcome:
    """What a merge did, or the plain-words reasons it did nothing."""

    survivor_id: int
    merged_id: int
    conflicts: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


def member_columns() -> list[tuple[Table, list[Column[int]]]]:
    """Every table with columns pointing at `members.id`, with those columns."""
    members = Member.__table__
    found = []
    for table in Base.metadata.sorted_tables:
        if table is members:
            continue
        columns = [fk.parent for fk in table.foreign_keys if fk.column.table is members]
        if columns:
            found.append((table, sorted(columns, key=lambda c: c.name)))
    return found


@dataclass
class UniqueKey:
    """Columns no two rows may share; `where` for a partial unique index."""

    columns: list[str]
    where: Any = None


def _unique_keys(table: Table) -> list[UniqueKey]:
    keys = [UniqueKey([c.name for c in table.primary_key.columns])]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            keys.append(UniqueKey([c.name for c in constraint.columns]))
    for index in table.indexes:
        if index.unique:
            where = index.dialect_options["postgresql"].get("where")
            keys.append(UniqueKey([c.name for c in index.columns], where))
    return keys


async def link_by_code(
    session: AsyncSession, code: str, identity: PlatformIdentity, now: datetime
) -> MergeOutcome | None:
    """Join `identity`'s member and the member who made `code` into one, the older one
    surviving; None if the code is no good. With conflicts nothing changes, and the code
    stays usable once they are sorted out."""
    link = await session.scalar(
        select(LinkCode)
        .where(LinkCode.code == code.strip().upper().replace("-", ""))
        .with_for_update()
    )
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    pair = list(
        await session.scalars(
            select(Member.id)  # the two rows locked, oldest first, until the merge is done
            .where(Member.id.in_({link.member_id, identity.member_id}))
            .order_by(Member.created_at, Member.id)
            .with_for_update()
        )
    )
    if len(pair) == 1:
        outcome = MergeOutcome(pair[0], pair[0])
    else:
        outcome = await merge_members(session, pair[0], pair[1])
    if not outcome.conflicts:
        link.used_at = now
        await session.flush()
    return outcome


async def merge_members(session: AsyncSession, survivor_id: int, merged_id: int) -> MergeOutcome:
    """Move everything of `merged_id` onto `survivor_id` and delete it, or change nothing
    and return the conflicts. Runs in the caller's transaction."""
    outcome = MergeOutcome(survivor_id, merged_id)
    plan: list[tuple[Table, list[Column[int]], list[dict[str, Any]]]] = []
    for table, columns in member_columns():
        drops = await _clashes(session, table, columns, outcome)
        plan.append((table, columns, drops))
    if outcome.conflicts:
        outcome.conflicts = list(dict.fromkeys(outcome.conflicts))
        return outcome
    for table, columns, drops in plan:
        pk = list(table.primary_key.columns)
        for row in drops:
            await session.execute(
                delete(table).where(tuple_(*pk).in_([tuple(row[c.name] for c in pk)]))
            )
        if drops:
            outcome.dropped[table.name] = len(drops)
        for column in columns:
            result = await session.execute(
                update(table).where(column == merged_id).values({column.name: survivor_id})
            )
            if result.rowcount:  # type: ignore[attr-defined]
                outcome.moved[table.name] = outcome.moved.get(table.name, 0) + result.rowcount  # type: ignore[attr-defined]
    await _fill_blanks(session, survivor_id, merged_id)
    await session.execute(delete(Member).where(Member.id == merged_id))
    gone = await session.get(Member, merged_id)
    if gone is not None:
        session.expunge(gone)
    return outcome


async def _clashes(
    session: AsyncSession, table: Table, columns: list[Column[int]], outcome: MergeOutcome
) -> list[dict[str, Any]]:
    """Rows of the merged member that would clash once moved: the ones to drop, with any
    clash that cannot be dropped noted on `outcome`."""
    both = (outcome.survivor_id, outcome.merged_id)
    names = {c.name for c in columns}
    rows = [
        dict(row._mapping)
        for row in await session.execute(select(table).where(or_(*[c.in_(both) for c in columns])))
    ]
    if not rows:
        return []
    merging = [any(row[n] == outcome.merged_id for n in names) for row in rows]
    after = [
        {
            k: outcome.survivor_id if k in names and v == outcome.merged_id else v
            for k, v in row.items()
        }
        for row in rows
    ]
    owners = [c.name for c in columns if _cascades(c)]
    clashing: set[int] = set()
    for i, row in enumerate(after):
        if merging[i] and [row[n] for n in owners].count(outcome.survivor_id) > 1:
            clashing.add(i)  # a row between the two accounts
    for key in _unique_keys(table):
        counted = await _rows_in(session, table, rows, key)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i in counted:
            groups.setdefault(tuple(after[i][k] for k in key.columns), []).append(i)
        for group in groups.values():
            kept = next((i for i in group if not merging[i]), group[0])
            clashing.update(i for i in group if i != kept and merging[i])
    drops: list[dict[str, Any]] = []
    for i in sorted(clashing):
        if table.name in SAME_FACT_TWICE:
            drops.append(rows[i])
        else:
            words = CLASH_WORDS.get(
                table.name, f"both accounts hold {table.name.replace('_', ' ')}"
            )
            outcome.conflicts.append(words)
    return drops


async def _rows_in(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], key: UniqueKey
) -> list[int]:
    """Which of `rows` a unique key covers: all of them, or those a partial index holds."""
    if key.where is None:
        return list(range(len(rows)))
    pk = list(table.primary_key.columns)
    wanted = [tuple(row[c.name] for c in pk) for row in rows]
    held = {
        tuple(found)
        for found in await session.execute(select(*pk).where(tuple_(*pk).in_(wanted), key.where))
    }
    return [i for i, row in enumerate(wanted) if row in held]


def _cascades(column: Column[int]) -> bool:
    return any(fk.ondelete == "CASCADE" for fk in column.foreign_keys)


async def _fill_blanks(session: AsyncSession, survivor_id: int, merged_id: int) -> None:
    """The survivor keeps its own profile; fields it left empty take the other's."""
    survivor = await session.get(Member, survivor_id)
    merged = await session.get(Member, merged_id)
    assert survivor is not None and merged is not None
    for name in (
        "display_name",
        "email",
        "job_title",
        "institution_id",
        "department_id",
        "timezone",
    ):
        if getattr(survivor, name) in (None, "", UNNAMED) and getattr(merged, name):
            setattr(survivor, name, getattr(merged, name))
    if not survivor.specialisms and merged.specialisms:
        survivor.specialisms = list(merged.specialisms)
    await session.flush()
