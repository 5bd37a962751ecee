"""Results of closed rounds: hidden below the minimum and shown at it, never while open,
charts rendered and opened (a real PNG of the expected size, alt text beside it), the
comments only from ten and with nothing that narrows who wrote them, breakdowns with
complementary suppression, the export of aggregates only, and who may ask."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from PIL import Image as PILImage

from bot import jobs
from bot.clock import FixedClock
from bot.harness import Harness, Turn
from bot.ui import Image
from store import files
from tests.events_network import person, place
from tests.pulse_network import answer, rounds, send


async def people(harness: Harness, counts: dict[str, int]) -> list[str]:
    """Members per institution short name; grace coordinates."""
    handles = []
    places = {short: await place(harness, short) for short in counts}
    await person(harness, "grace", institution=places[next(iter(counts))], roles=["coordinator"])
    for short, n in counts.items():
        for k in range(n):
            handle = f"{short[:2]}{k}"
            await person(harness, handle, institution=places[short])
            handles.append(handle)
    return handles


async def close(harness: Harness, clock: FixedClock, survey_id: int) -> None:
    [first, *_] = await rounds(harness, survey_id)
    clock.set(first.closes_at + timedelta(minutes=1))
    await jobs.run_all(harness.runtime, clock.now())


def images(turn: Turn) -> list[Image]:
    return [b for m in turn.messages for b in m.blocks if isinstance(b, Image)]


async def opened(harness: Harness, image: Image) -> bytes:
    token = image.url.split("/files/")[1].split("/")[0]
    async with harness.runtime.sessions() as session:
        stored = await files.by_token(session, token, harness.runtime.clock.now())
    assert stored is not None and stored.content_type == "image/png"
    return stored.data


async def test_hidden_below_the_minimum_shown_at_it(harness: Harness, clock: FixedClock) -> None:
    handles = await people(harness, {"northmoor": 5})
    survey = await send(harness)
    [first] = await rounds(harness, survey.id)
    for handle in handles[:4]:
        await answer(harness, handle, first.id, q1="4")
    early = await harness.say("grace", "pulse results")
    assert "No round has closed yet" in early.text and "never before" in early.text
    await close(harness, clock, survey.id)
    hidden = await harness.say("grace", "pulse results")
    assert "4 people answered. Too few answers" in hidden.text
    assert "Average" not in hidden.text and not images(hidden)

    again = await send(harness, title="Second pulse")
    [second] = await rounds(harness, again.id)
    for handle in handles:
        await answer(harness, handle, second.id, q1="4" if handle != handles[0] else "2")
    await close(harness, clock, again.id)
    shown = await harness.say("grace", "pulse results second")
    assert "5 answers from 6 people asked" in shown.text
    assert "Average: 3.6" in shown.text  # (4 * 4 + 2) / 5
    pictures = images(shown)
    assert len(pictures) == 4  # one per question with answers to count
    for picture in pictures:
        assert picture.alt.startswith("Bar chart:") and "I have time" in pictures[0].alt
        png = await opened(harness, picture)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
        with PILImage.open(io.BytesIO(png)) as drawn:
            assert drawn.size == (640, 360)
    assert "comments are shown from 10" in shown.text


async def test_comments_from_ten_without_attributes(harness: Harness, clock: FixedClock) -> None:
    handles = await people(harness, {"northmoor": 6, "southby": 6})
    survey = await send(harness)
    [first] = await rounds(harness, survey.id)
    for n, handle in enumerate(handles[:10]):
        await answer(harness, handle, first.id, q5=f"Comment number {n}")
    await close(harness, clock, survey.id)
    shown = await harness.say("grace", "pulse results")
    for n in range(10):
        assert f"“Comment number {n}”" in shown.text
    comments = next(
        b.text
        for m in shown.messages
        for b in m.blocks
        if "Comment number" in getattr(b, "text", "")
    )
    assert "Northmoor" not in comments and "Technician" not in comments


async def test_breakdowns_hide_small_groups_and_their_smallest_sibling(
    harness: Harness, clock: FixedClock
) -> None:
    handles = await people(harness, {"northmoor": 8, "southby": 6, "eastfield": 2})
    survey = await send(harness)
    [first] = await rounds(harness, survey.id)
    for handle in handles:
        await answer(harness, handle, first.id)
    await close(harness, clock, survey.id)
    overall = await harness.say("grace", "pulse results")
    by_place = await harness.press("grace", overall.button("By institution"))
    text = by_place.text
    assert "University of Northmoor: average" in text
    assert "University of Eastfield: fewer than 5 answers — hidden" in text
    assert "University of Southby: hidden so a smaller group can't be worked out" in text

    forged = await harness.press("grace", "pulse.results", f"{survey.id}/{first.id}/role:i:99x")
    assert "older message" in forged.text
    await person(harness, "pat")
    refused = await harness.say("pat", "pulse results")
    assert "only for coordinators" in refused.text

    exported = await harness.press("grace", overall.button("Export CSV"))
    link = exported.button("Download CSV").url
    assert link and "/files/" in link
    token = link.split("/files/")[1].split("/")[0]
    async with harness.runtime.sessions() as session:
        stored = await files.by_token(session, token, clock.now())
    assert stored is not None
    table = list(csv.DictReader(io.StringIO(stored.data.decode())))
    groups = {(row["breakdown"], row["group"]) for row in table}
    assert groups == {
        ("everyone", "Everyone"),
        ("institution", "University of Northmoor"),
        ("role", "Technicians"),  # everyone who answered is a technician
    }
    assert {row["answers"] for row in table} == {"16", "8"}
    assert "Comment" not in stored.data.decode()
