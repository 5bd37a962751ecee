"""Pulse surveys, set-up to answers: the form and its errors, preview and Send, the card,
answering, changing an answer, "my answers", and every bad input the issue lists."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.harness import Harness
from store.models import OutboxMessage
from store.pulse.models import PulseAnswer, PulseReceipt
from tests.events_network import person, rows
from tests.pulse_network import ANSWER, answer, draft, network, rounds, send


async def count(harness: Harness, model: type) -> int:
    async with harness.runtime.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_set_up_preview_send_and_answer(harness: Harness) -> None:
    members = await network(harness)
    preview = await draft(harness)
    assert "as members will see it" in preview.text or preview.messages[0].blocks
    assert "This goes to 7 people (everyone in the network)" in preview.text
    assert "reminders on day 3 and 5" in preview.text
    assert {b.label for b in preview.buttons} == {"Send", "Edit", "Discard"}
    survey = await send(harness)
    [first] = await rounds(harness, survey.id)
    assert first.status == "open" and first.invited == 7
    invites = await rows(harness, f"pulse.invite:{first.id}:")
    assert len(invites) == 7
    card = invites[0].payload
    assert "Answer" in str(card) and "anonymous" in str(card)

    again = await harness.press("grace", "pulse.send", str(survey.id))
    assert "already been sent" in again.text
    assert len(await rows(harness, "pulse.invite:")) == 7

    opened = await harness.press(members[0], "pulse.answer", str(first.id))
    assert opened.form is not None
    assert [i.name for i in opened.form.inputs] == ["q1", "q2", "q3", "q4", "q5"]
    assert [o.value for o in opened.form.inputs[1].options] == [str(n) for n in range(11)]
    done = await harness.submit(members[0], opened.form, ANSWER)
    assert "Your answer is in, with no name attached" in done.text
    assert await count(harness, PulseAnswer) == 1 and await count(harness, PulseReceipt) == 1

    listed = await harness.say(members[0], "pulse")
    assert "you answered on Monday" in listed.text
    assert "not answered yet" in (await harness.say(members[1], "pulse")).text
    assert "Pulse surveys for you" in str((await harness.say(members[1], "home")).messages)
    assert "Pulse surveys for you" not in str((await harness.say(members[0], "home")).messages)


async def test_change_of_answer_replaces_and_only_i_see_mine(harness: Harness) -> None:
    members = await network(harness)
    survey = await send(harness)
    [first] = await rounds(harness, survey.id)
    await answer(harness, members[0], first.id, q1="2", q5="More training on the new LC-MS.")

    pressed = await harness.press(members[0], "pulse.answer", str(first.id))
    assert "You answered on Monday" in pressed.text and "change your answer" in pressed.text
    changing = await harness.press(members[0], pressed.button("Change my answer"))
    assert changing.form is not None
    assert changing.form.inputs[0].initial == "2"
    assert changing.form.inputs[4].initial == "More training on the new LC-MS."
    changed = await harness.submit(members[0], changing.form, {**ANSWER, "q1": "5"})
    assert "replaced the earlier one" in changed.text
    assert await count(harness, PulseAnswer) == 1 and await count(harness, PulseReceipt) == 1

    mine = await harness.press(members[0], changed.button("See my answers"))
    assert "5 — Strongly agree" in mine.text and "only you can see this" in mine.text
    theirs = await harness.press(members[1], "pulse.mine", str(first.id))
    assert "you haven't answered" in theirs.text and "Strongly agree" not in theirs.text


async def test_bad_input(harness: Harness) -> None:
    members = await network(harness)
    await person(harness, "pat")
    refused = await harness.say("pat", "pulse new")
    assert refused.form is None and "only for coordinators" in refused.text

    empty = await draft(harness, questions="")
    assert "at least one question" in empty.errors["questions"]
    wrong = await draft(harness, questions="scale: fine\nrating: how?")
    assert "Line 2" in wrong.errors["questions"]
    late = await draft(harness, reminders="9")
    assert "1 to 6" in late.errors["reminders"]

    survey = await send(harness)
    [first] = await rounds(harness, survey.id)
    opened = await harness.press(members[0], "pulse.answer", str(first.id))
    assert opened.form is not None
    not_an_option = await harness.submit(members[0], opened.form, {**ANSWER, "q3": "7"})
    assert "choose from the list" in not_an_option.errors["q3"]
    long = "x" * 2345
    too_long = await harness.submit(members[0], opened.form, {**ANSWER, "q5": long})
    assert "2,345" in too_long.errors["q5"]
    assert too_long.form is not None and too_long.form.inputs[4].initial == long  # nothing lost
    assert await count(harness, PulseAnswer) == 0

    forged = await harness.submit(members[0], "pulse.answer", ANSWER, state="99999")
    assert "older message" in forged.text
    forged_question = await harness.submit(
        members[0], opened.form, {**ANSWER, "q99": "5", "q1": "3"}
    )
    assert "answer is in" in forged_question.text
    async with harness.runtime.sessions() as session:
        stored = await session.scalar(select(PulseAnswer.answers))
    assert stored is not None and "q99" not in stored

    assert (
        "only for coordinators"
        in (await harness.press(members[1], "pulse.send", str(survey.id))).text
    )
    assert await count(harness, OutboxMessage) == 8  # one invitation each, pat too
