"""`admin outbox`: counts, undeliverable messages with their reasons, and a retry."""

from __future__ import annotations

from bot import jobs
from bot.delivery import PermanentFailure
from bot.harness import Harness
from bot.runtime import Runtime
from tests.helpers import make_member
from tests.outbox_fakes import queue, recording, rows


async def test_admins_see_counts_and_can_retry_an_undeliverable_message(
    runtime: Runtime, harness: Harness
) -> None:
    await make_member(harness, "alex", "admin")
    priya = await make_member(harness, "priya")
    sam = await make_member(harness, "sam")
    sender = recording(runtime)
    sender.script["mentor:request:41"] = [PermanentFailure("bot was blocked by the user")]
    await queue(
        runtime,
        "mentor:request:41",
        member_id=priya,
        kind="mentor.request",
        text="Secret message body",
    )
    await queue(runtime, "fine", member_id=sam)
    await jobs.deliver_outbox(runtime, runtime.clock.now())

    report = (await harness.say("alex", "admin outbox")).text
    assert "sent (7 days) 1" in report and "undeliverable 1" in report
    assert "1. mentor.request to Priya, queued 2 Mar 10:00: bot was blocked by the user" in report
    assert "Secret message body" not in report and "mentor:request:41" not in report

    retried = (await harness.say("alex", "admin outbox retry 1")).text
    assert "Queued again: mentor.request to Priya" in retried
    await jobs.deliver_outbox(runtime, runtime.clock.now())
    assert sender.sent == ["fine", "mentor:request:41"]
    assert "Nothing is undeliverable" in (await harness.say("alex", "admin outbox")).text


async def test_retry_by_reference_and_friendly_errors(runtime: Runtime, harness: Harness) -> None:
    await make_member(harness, "alex", "admin")
    priya = await make_member(harness, "priya")
    sender = recording(runtime)
    sender.script["k"] = [PermanentFailure("channel_is_archived")]
    await queue(runtime, "k", member_id=priya)
    await jobs.deliver_outbox(runtime, runtime.clock.now())
    report = (await harness.say("alex", "admin outbox")).text
    ref = report.split("(ref ")[1].split(")")[0]

    assert (
        "no undeliverable message “7”" in (await harness.say("alex", "admin outbox retry 7")).text
    )
    assert "Try admin outbox" in (await harness.say("alex", "admin outbox frob")).text
    assert "Queued again" in (await harness.say("alex", f"admin outbox retry {ref}")).text
    assert (await rows(runtime))["k"].status == "queued"
    again = await harness.say("alex", f"admin outbox retry {ref}")
    assert "no undeliverable message" in again.text


async def test_only_admins_see_the_outbox(harness: Harness) -> None:
    await make_member(harness, "priya")
    assert "only for network admins" in (await harness.say("priya", "admin outbox")).text
