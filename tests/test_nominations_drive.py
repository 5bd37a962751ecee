"""Opening a drive: the set-up forms, the preview and its reach, Announce (once), refusals."""

from __future__ import annotations

from bot.harness import Harness
from tests.nominations_network import (
    add_category,
    draft_drive,
    latest_drive,
    network,
    open_drive,
    outbox,
    person,
)


async def test_a_coordinator_opens_and_announces_a_drive(harness: Harness) -> None:
    people = await network(harness)
    preview = await draft_drive(harness)
    assert not preview.errors, preview.errors
    assert "Papin Prizes 2027" in preview.text
    assert [b.label for b in preview.buttons] == ["Add a category", "Edit", "Discard"]
    preview = await add_category(harness, preview)
    preview = await add_category(
        harness,
        preview,
        name="Apprentice of the Year",
        career_stages=["early"],
        self_nomination=True,
    )
    assert "Announce" in [b.label for b in preview.buttons]
    assert "This will reach" not in preview.text and "reach 7 people" in preview.text
    assert await outbox(harness, "nominate.announce:") == []  # nothing before Announce

    announced = await harness.press("grace", preview.button("Announce"))
    assert "Announced!" in announced.text
    again = await harness.press("grace", preview.button("Announce"))
    assert "already been announced" in again.text
    rows = await outbox(harness, "nominate.announce:")
    assert len(rows) == 7 and people["ada"] in {r.member_id for r in rows}
    card = rows[0].payload
    labels = [
        b["label"]
        for block in card["blocks"]
        if block["kind"] == "actions"
        for b in block["buttons"]
    ]
    assert labels == ["Nominate a colleague"]
    drive = await latest_drive(harness)
    assert drive.status == "open" and drive.reach == 7 and drive.year == 2026
    assert [c.name for c in drive.categories] == [
        "Technician of the Year",
        "Apprentice of the Year",
    ]
    assert drive.categories[1].career_stages == ["early"]
    assert drive.categories[1].self_nomination


async def test_a_drive_needs_categories_and_sensible_dates(harness: Harness) -> None:
    await network(harness)
    wrong = await draft_drive(
        harness, internal_deadline="2026-03-01", panel="Pat Panel, Nobody Here"
    )
    assert "passed" in wrong.errors["internal_deadline"]
    assert "Nobody Here" in wrong.errors["panel"]
    assert wrong.form is not None and wrong.form.inputs[0].initial == "Papin Prizes 2027"
    backwards = await draft_drive(harness, review_until="2026-03-19")
    assert "after nominations close" in backwards.errors["review_until"]
    preview = await draft_drive(harness)
    assert "Announce" not in [b.label for b in preview.buttons]
    # A forged Announce for a drive with no categories is refused.
    drive = await latest_drive(harness)
    refused = await harness.press("grace", "nominate.announce", str(drive.id))
    assert "at least one category" in refused.text
    assert (await latest_drive(harness)).status == "draft"


async def test_only_coordinators_open_drives_and_only_theirs(harness: Harness) -> None:
    await network(harness)
    await person(harness, "other", roles=["coordinator"])
    refused = await harness.say("sam", "nominate new")
    assert refused.form is None and "only for scheme coordinators" in refused.text
    preview = await draft_drive(harness)
    drive = await latest_drive(harness)
    for who in ("sam", "other"):
        forged = await harness.press(who, "nominate.add_category", str(drive.id))
        assert forged.form is None
        forged = await harness.press(who, preview.button("Discard"))
        assert "Discarded" not in forged.text
    await open_drive(harness)
