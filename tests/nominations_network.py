"""A small network for the nomination scenarios, and a drive opened through the real
forms and buttons: Grace coordinates, Sam and others nominate, a panel scores."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.harness import Harness, Turn
from store.models import OutboxMessage
from store.nominations.models import Drive, Nomination
from tests.events_network import person, place

# The tests' clock is Monday 2 March 2026, 10:00 UTC.
CLOSES, REVIEWED, EXTERNAL = "2026-03-20", "2026-03-31", "2026-04-15"

__all__ = ["person", "place"]


def drive_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "Papin Prizes 2027",
        "award": "The Papin Prizes celebrate technicians across UK higher education.",
        "internal_deadline": CLOSES,
        "review_until": REVIEWED,
        "external_deadline": EXTERNAL,
        "criteria": "Impact\nInnovation",
        "panel": "Pat Panel, Quinn Panel",
        "audience": "network",
        "interests": "",
    }
    fields.update(changes)
    return fields


def category_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "Technician of the Year",
        "description": "Outstanding work over the past year.",
        "eligibility": "Any technician in the network.",
        "word_limit": "50",
        "self_nomination": False,
    }
    fields.update(changes)
    return fields


async def draft_drive(harness: Harness, coordinator: str = "grace", **changes: Any) -> Turn:
    opened = await harness.say(coordinator, "nominate new")
    assert opened.form is not None, opened.text
    return await harness.submit(coordinator, opened.form, drive_fields(**changes))


async def add_category(
    harness: Harness, preview: Turn, coordinator: str = "grace", **changes: Any
) -> Turn:
    opened = await harness.press(coordinator, preview.button("Add a category"))
    assert opened.form is not None, opened.text
    return await harness.submit(coordinator, opened.form, category_fields(**changes))


async def open_drive(harness: Harness, *categories: dict[str, Any], **changes: Any) -> Drive:
    """Set up a drive through the forms, add its categories, and announce it."""
    preview = await draft_drive(harness, **changes)
    assert not preview.errors, preview.errors
    for fields in categories or ({},):
        preview = await add_category(harness, preview, **fields)
        assert not preview.errors, preview.errors
    announced = await harness.press("grace", preview.button("Announce"))
    assert "Announced!" in announced.text, announced.text
    return await latest_drive(harness)


async def latest_drive(harness: Harness) -> Drive:
    async with harness.runtime.sessions() as session:
        found = await session.scalar(select(Drive).order_by(Drive.id.desc()))
        assert found is not None
        return found


async def nominate(
    harness: Harness,
    who: str,
    colleague: str,
    statement: str = "",
    category: str = "Technician of the Year",
) -> Turn:
    listing = await harness.say(who, "nominate")
    picked = next(
        b
        for b in listing.buttons
        if b.action_id == "nominate.category"
        and category
        in next(
            block.text
            for m in listing.messages
            for block in m.blocks
            if getattr(block, "button", None) == b
        )
    )
    opened = await harness.press(who, picked)
    assert opened.form is not None, opened.text
    text = statement or f"{colleague} keeps the whole lab running and trains every new starter."
    return await harness.submit(who, opened.form, {"colleague": colleague, "statement": text})


async def nominations(harness: Harness) -> list[Nomination]:
    async with harness.runtime.sessions() as session:
        return list(await session.scalars(select(Nomination).order_by(Nomination.id)))


async def outbox(harness: Harness, prefix: str) -> list[OutboxMessage]:
    async with harness.runtime.sessions() as session:
        found = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.key.startswith(prefix))
            .order_by(OutboxMessage.id)
        )
        return list(found)


async def network(harness: Harness) -> dict[str, int]:
    """Grace coordinates; a panel of two from other institutions; members at two places."""
    north, south = await place(harness, "northmoor"), await place(harness, "southby")
    west = await place(harness, "westfield")
    return {
        "grace": await person(harness, "grace", institution=north, roles=["coordinator"]),
        "pat": await person(harness, "pat panel", institution=west),
        "quinn": await person(harness, "quinn panel", institution=south),
        "sam": await person(harness, "sam", institution=north, platforms=["console", "slack"]),
        "ada": await person(
            harness, "ada lovelace", institution=north, platforms=["console", "teams"]
        ),
        "bob": await person(harness, "bob hide", institution=south),
        "cy": await person(harness, "cy", institution=south),
        "north": north,
        "south": south,
    }
