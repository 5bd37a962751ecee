"""`privacy`: what Benchmate keeps about a member, and a pause honoured at send time."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot import jobs
from bot.harness import Harness
from bot.runtime import Runtime
from store.models import Member, OutboxMessage
from tests.helpers import make_member
from tests.outbox_fakes import queue, recording, rows


async def test_privacy_shows_what_is_kept_without_ids(harness: Harness) -> None:
    await make_member(harness, "priya", "champion")
    turn = await harness.say("priya", "privacy")
    assert "What I keep about you" in turn.text
    assert "Name: Priya" in turn.text
    assert "Platforms: Terminal" in turn.text
    assert "Roles: champion" in turn.text
    assert "My messages to you: on" in turn.text
    assert "(mentoring, events" in turn.messages[0].blocks[1].text  # type: ignore[union-attr]
    intro = turn.messages[0].blocks[1].text  # type: ignore[union-attr]
    assert "Anonymous answers" in intro and "once answering has closed" in intro
    assert turn.button("Pause my messages").action_id == "privacy.pause"
    assert "member_id" not in turn.text and "console" not in turn.text


async def test_pause_is_honoured_for_messages_queued_before_it(
    runtime: Runtime, harness: Harness
) -> None:
    priya = await make_member(harness, "priya")
    sender = recording(runtime)
    await queue(runtime, "before-pause", member_id=priya)

    paused = await harness.say("priya", "privacy pause")
    assert "Paused." in paused.text and "privacy resume" in paused.text
    assert "Waiting to be sent: 1" in (await harness.say("priya", "privacy")).text

    await jobs.deliver_outbox(runtime, runtime.clock.now())
    row = (await rows(runtime))["before-pause"]
    assert (row.status, row.last_error) == ("skipped", "the member paused proactive messages")
    assert sender.sent == []

    resumed = await harness.say("priya", "privacy resume")
    assert "Welcome back" in resumed.text
    await queue(runtime, "after-resume", member_id=priya)
    await jobs.deliver_outbox(runtime, runtime.clock.now())
    assert sender.sent == ["after-resume"]  # the skipped one is not saved up
    assert (await rows(runtime))["before-pause"].status == "skipped"


async def test_the_buttons_pause_and_resume_and_repeats_are_harmless(harness: Harness) -> None:
    await make_member(harness, "priya")
    card = await harness.say("priya", "privacy")
    paused = await harness.press("priya", card.button("Pause my messages"))
    assert "Paused." in paused.text
    assert "already paused" in (await harness.say("priya", "privacy pause")).text
    card = await harness.say("priya", "privacy")
    assert "My messages to you: paused" in card.text
    resumed = await harness.press("priya", card.button("Resume my messages"))
    assert "Welcome back" in resumed.text
    assert "weren't paused" in (await harness.say("priya", "privacy resume")).text
    assert "Try privacy" in (await harness.say("priya", "privacy frobnicate")).text


async def test_a_feature_can_mute_a_kind_at_send_time(runtime: Runtime, harness: Harness) -> None:
    priya = await make_member(harness, "priya")
    sender = recording(runtime)

    @runtime.router.send_check  # as a feature declares one on its router
    async def muted_nudges(session: AsyncSession, row: OutboxMessage) -> str | None:
        member = await session.get(Member, row.member_id)
        muted = row.kind == "test.nudge" and member is not None and member.job_title == "muted"
        return "muted by the member" if muted else None

    await queue(runtime, "nudge", member_id=priya, kind="test.nudge")
    await queue(runtime, "note", member_id=priya, kind="test.note")
    async with runtime.sessions() as session, session.begin():
        (await session.get(Member, priya)).job_title = "muted"  # type: ignore[union-attr]
    await jobs.deliver_outbox(runtime, runtime.clock.now())
    found = await rows(runtime)
    assert (found["nudge"].status, found["nudge"].last_error) == ("skipped", "muted by the member")
    assert sender.sent == ["note"]
