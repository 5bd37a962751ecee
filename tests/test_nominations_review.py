"""The internal review: the panel scores what it may (conflicts enforced), the coordinator
ranks by mean with spread and count (ties shown as ties), shortlists, advises, records
winners; forged presses refused."""

from __future__ import annotations

from datetime import timedelta

from bot.harness import Harness
from tests.nominations_network import (
    network,
    nominate,
    nominations,
    open_drive,
    outbox,
    person,
)

INTO_REVIEW = timedelta(days=19)  # past the internal deadline, before the panel's


async def accepted_nominations(harness: Harness, *pairs: tuple[str, str]) -> list[int]:
    for nominator, nominee in pairs:
        await nominate(harness, nominator, nominee)
    handles = {n: n.lower() for _, n in pairs}
    for _, nominee in pairs:
        row = next(n for n in await nominations(harness) if n.status == "awaiting")
        opened = await harness.press(handles[nominee], "nominate.accept", str(row.id))
        assert opened.form is not None, opened.text
        await harness.submit(handles[nominee], opened.form, {"facts": f"{nominee}'s facts."})
    return [n.id for n in await nominations(harness)]


async def score(
    harness: Harness, who: str, nomination: int, impact: int, innovation: int, comment: str = ""
) -> str:
    opened = await harness.press(who, "nominate.score", str(nomination))
    if opened.form is None:
        return opened.text
    done = await harness.submit(
        who, opened.form, {"c0": str(impact), "c1": str(innovation), "comment": comment}
    )
    return done.text


async def test_panel_scores_with_conflicts_enforced(harness: Harness) -> None:
    people = await network(harness)
    await open_drive(harness)
    ada, bob = await accepted_nominations(harness, ("sam", "Ada Lovelace"), ("cy", "Bob Hide"))
    # Before the internal deadline: no scoring, even by the panel.
    early = await score(harness, "pat panel", ada, 5, 5)
    assert "open from" in early
    harness.runtime.clock.advance(INTO_REVIEW)  # type: ignore[attr-defined]

    # Quinn is at Bob's institution: Bob's nomination is hidden and refused, automatically.
    listing = await harness.say("quinn panel", "nominate review")
    assert "1 nomination left to score of 1" in str(listing.messages)
    assert "not shown: conflicts of interest" in str(listing.messages)
    refused = await score(harness, "quinn panel", bob, 1, 1)
    assert "from your institution" in refused
    # Not on the panel: a forged press is refused.
    forged = await score(harness, "sam", ada, 5, 5)
    assert "only the drive's review panel" in forged
    assert "not on a review panel" in (await harness.say("sam", "nominate review")).text

    assert "1 nomination left" in await score(harness, "pat panel", ada, 4, 5, "Clear impact.")
    # Pat declares a conflict on Bob's: it is refused from then on.
    declared = await harness.press("pat panel", "nominate.conflict", str(bob))
    assert "won't come to you" in declared.text
    assert "declared a conflict" in await score(harness, "pat panel", bob, 3, 3)
    assert "That's all" in await score(harness, "quinn panel", ada, 3, 4, "Needs numbers.")

    # After the panel's deadline: closed.
    harness.runtime.clock.advance(timedelta(days=12))  # type: ignore[attr-defined]
    assert "open from" in await score(harness, "pat panel", ada, 1, 1)
    [n_ada, _] = await nominations(harness)
    assert n_ada.id == ada and people["pat"]


async def test_shortlist_ranks_by_mean_with_ties_and_advice_reaches_the_nominator(
    harness: Harness,
) -> None:
    people = await network(harness)
    await person(harness, "dee", institution=people["north"])
    await open_drive(harness)
    ada, bob, dee = await accepted_nominations(
        harness, ("sam", "Ada Lovelace"), ("cy", "Bob Hide"), ("sam", "Dee")
    )
    harness.runtime.clock.advance(INTO_REVIEW)  # type: ignore[attr-defined]
    await score(harness, "pat panel", ada, 4, 4, "Strong on impact.")
    assert "Scores saved" in await score(harness, "pat panel", bob, 5, 3)
    await score(harness, "quinn panel", ada, 4, 5, "Give numbers.")
    await score(harness, "pat panel", dee, 2, 2)

    shown = await harness.say("grace", "nominate shortlist")
    lines = [line for line in shown.text.splitlines() if "Technician of the Year:" in line]
    assert lines[0].startswith("Technician of the Year: 1. Ada Lovelace")
    assert "mean 4.25, spread 0.50, 2 scores" in lines[0]
    assert "2. Bob Hide" in lines[1] and "3. Dee" in lines[2]
    # Bob 4.0 (one score) and Dee 2.0: no tie yet; make one.
    await score(harness, "quinn panel", dee, 5, 5)  # Dee: (2 + 5) / 2 = 3.5
    await score(harness, "pat panel", bob, 3, 4)  # Bob: 3.5
    shown = await harness.say("grace", "nominate shortlist")
    lines = [line for line in shown.text.splitlines() if "Technician of the Year:" in line]
    assert "2= Bob Hide" in lines[1] and "2= Dee" in lines[2]
    assert "spread 3.00" in lines[2]

    # Only the coordinator: the shortlist, and its buttons, refuse anyone else.
    assert "only for scheme coordinators" in (await harness.say("sam", "nominate shortlist")).text
    forged = await harness.press("pat panel", "nominate.shortlist", str(ada))
    assert "only for scheme coordinators" in forged.text
    listed = await harness.press("grace", "nominate.shortlist", str(ada))
    assert "shortlisted" in listed.text

    # Advice: the coordinator sees the comments, the nominator sees only the advice.
    opened = await harness.press("grace", "nominate.feedback", str(ada))
    assert opened.form is not None and "Give numbers." in (opened.form.intro or "")
    await harness.submit("grace", opened.form, {"advice": "Add how many users the suite has."})
    [advice] = await outbox(harness, "nominate.feedback:")
    assert advice.member_id == people["sam"]
    text = advice.payload["text"]
    assert "how many users" in text and "Give numbers" not in text and "4.25" not in text
    # After the internal deadline Sam may still edit, because he was advised.
    edit = await harness.press("sam", "nominate.edit", f"n{ada}")
    assert edit.form is not None
    await harness.submit("sam", edit.form, {"statement": "Ada's suite serves 400 users."})
    not_advised = await harness.press("sam", "nominate.edit", f"n{dee}")
    assert not_advised.form is None and "can't be changed now" in not_advised.text

    won = await harness.press("grace", "nominate.winner", str(ada))
    assert "winner" in won.text
    assert [n.winner for n in await nominations(harness)] == [True, False, False]
