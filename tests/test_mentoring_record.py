"""A mentee keeps their record after the relationship closes, and the first meeting brings a
private "does the match feel right?" that reaches only the coordinator when it doesn't."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.harness import Harness
from bot.root import create_app
from tests.mentoring_network import buttons_of, outbox_for, paired, text_of
from tests.test_nudges import AGREEMENT


async def met_and_closed(harness: Harness) -> None:
    await paired(harness)
    form = (await harness.say("priya", "mentor agreement")).form
    assert form is not None
    await harness.submit("priya", form, AGREEMENT)
    log = (await harness.say("farah", "mentor log")).form
    assert log is not None
    objective = next(f.name for f in log.inputs if f.name.startswith("objective_"))
    await harness.submit(
        "farah",
        log,
        {"held_on": "2026-03-02", "happened": "yes", objective: "achieved", "note": "Mine only"},
    )
    end = (await harness.say("priya", "mentor end")).form
    assert end is not None
    await harness.submit("priya", end, {"reason": "objectives_met"})


async def test_a_closed_relationship_stays_in_history_with_a_record_to_download(
    harness: Harness,
) -> None:
    await met_and_closed(harness)
    meetings = await harness.say("priya", "mentor meetings")
    assert "no active mentoring relationship" in meetings.text
    history = await harness.say("priya", "mentor history")
    assert "Farah, your mentor, 2 March 2026 to 2 March 2026" in history.text
    record = await harness.press("priya", history.button("Your record"))
    [download] = [b for b in record.buttons if b.label == "Download"]
    assert download.url and "/files/" in download.url
    path = download.url.split("127.0.0.1:3978", 1)[1]
    client = TestClient(TestServer(create_app(harness.runtime)))
    await client.start_server()
    try:
        got = await client.get(path)
        body = await got.text()
    finally:
        await client.close()
    assert got.status == 200
    assert "Priya (mentee) with Farah (mentor)" in body
    assert "Submit my RSciTech application — achieved" in body
    assert "2 March 2026: met" in body
    assert "Ended: 2 March 2026 (Objectives met)" in body
    assert "Mine only" not in body  # Farah's private note is hers alone


async def test_after_the_first_meeting_only_a_no_reaches_the_coordinator(
    harness: Harness,
) -> None:
    await paired(harness)
    log = (await harness.say("farah", "mentor log")).form
    assert log is not None
    await harness.submit("farah", log, {"held_on": "2026-03-02", "happened": "yes"})
    [to_priya] = await outbox_for(harness, "priya", "mentor.fit:")
    [to_farah] = await outbox_for(harness, "farah", "mentor.fit:")
    assert "does the match with Farah feel right" in text_of(to_priya)
    yes, no = buttons_of(to_farah)
    said = await harness.press("farah", yes["action_id"], yes["value"])
    assert "thank you" in said.text
    assert not await outbox_for(harness, "morgan", "mentor.misfit:")
    no = buttons_of(to_priya)[1]
    said = await harness.press("priya", no["action_id"], no["value"])
    assert "Farah isn't told" in said.text
    [told] = await outbox_for(harness, "morgan", "mentor.misfit:")
    assert "Priya (mentee) isn't sure the match with Farah feels right" in text_of(told)
    assert not await outbox_for(harness, "farah", "mentor.misfit:")
