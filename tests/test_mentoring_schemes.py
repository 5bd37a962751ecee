"""Schemes: the list, an admin setting one up, its coordinator editing it, friendly
errors, and `mentor find` and requests honouring the window and self-select."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from bot.harness import Harness, Turn
from bot.ui import Form
from store.members import roles_of
from store.mentoring import queries as store
from store.mentoring.models import MentorRequest, Scheme
from tests.helpers import make_member
from tests.mentoring_network import ask, join, member_id, network, outbox_for, text_of

CIMS = "Cross-Institutional Mentoring Scheme"  # tests/mentoring_network.py's, run by Morgan


def filled(form: Form, **changes: Any) -> dict[str, Any]:
    """The form as it was offered, with some fields changed: what a member submits."""
    values = {field.name: field.initial for field in form.inputs if field.initial is not None}
    return values | changes


async def open_form(harness: Harness, handle: str, command: str) -> Form:
    turn = await harness.say(handle, command)
    assert turn.form is not None, turn.text
    return turn.form


async def new_scheme_form(harness: Harness) -> Form:
    """The network, with Alex as an admin, and the form Alex gets for a new scheme."""
    await network(harness)
    await make_member(harness, "alex", "admin")
    return await open_form(harness, "alex", "mentor scheme new")


async def change_cims(harness: Harness, **changes: Any) -> Turn:
    """Morgan, the coordinator, saves the scheme's settings with these changes."""
    form = await open_form(harness, "morgan", "mentor scheme edit cims")
    turn = await harness.submit("morgan", form, filled(form, **changes))
    assert f"Saved: {CIMS}" in turn.text, turn.errors
    return turn


async def scheme_named(harness: Harness, short_name: str) -> Scheme | None:
    async with harness.runtime.sessions() as session:
        return await session.scalar(select(Scheme).where(Scheme.short_name == short_name))


async def scheme_count(harness: Harness) -> int:
    async with harness.runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Scheme)) or 0)


async def mentee_and_mentor(harness: Harness) -> dict[str, int]:
    ids = await network(harness)
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    await join(harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms")
    return ids


# --- the list --------------------------------------------------------------------------


async def test_everyone_sees_each_scheme_its_coordinator_window_and_matching(
    harness: Harness,
) -> None:
    await mentee_and_mentor(harness)
    turn = await harness.say("priya", "mentor schemes")
    assert f"{CIMS} (cims) — you're in this one" in turn.text
    assert "Coordinator: Morgan" in turn.text
    assert "Open for applications until 1 May 2026" in turn.text
    assert "Mentees choose their own mentor (mentor find)" in turn.text
    assert "Edit" not in [b.label for b in turn.buttons]  # not hers to change
    assert "Edit" in [b.label for b in (await harness.say("morgan", "mentor schemes")).buttons]


# --- an admin sets one up ----------------------------------------------------------------


async def test_an_admin_sets_up_a_scheme_and_names_its_coordinator(harness: Harness) -> None:
    await network(harness)
    await make_member(harness, "alex", "admin")
    cora = await make_member(harness, "cora")
    form = await open_form(harness, "alex", "mentor scheme new")
    assert {f.name: f.initial for f in form.inputs}["cadence_weeks"] == "4"  # the defaults
    turn = await harness.submit(
        "alex",
        form,
        filled(
            form,
            name="Northmoor Technicians' Mentoring",
            short_name="Northmoor",
            coordinator_other="cora",
            opens_on="2026-04-01",
            closes_on="2026-04-30",
            cadence_weeks="6",
            midpoint_months="3",
            length_months="6",
            request_days="5",
            self_select=False,
            nudge_lead_days="10",
            stall_missed_cycles="3",
            stall_weeks="8",
        ),
    )
    assert "Saved: Northmoor Technicians' Mentoring" in turn.text, turn.errors
    assert "Opens for applications on 1 April 2026, until 30 April 2026" in turn.text
    scheme = await scheme_named(harness, "northmoor")  # short names are kept in lower case
    assert scheme is not None
    assert (scheme.coordinator_id, scheme.opens_on, scheme.closes_on) == (
        cora,
        date(2026, 4, 1),
        date(2026, 4, 30),
    )
    assert (scheme.cadence_weeks, scheme.midpoint_months, scheme.length_months) == (6, 3, 6)
    assert (scheme.request_days, scheme.self_select) == (5, False)
    assert (scheme.nudge_lead_days, scheme.stall_missed_cycles, scheme.stall_weeks) == (10, 3, 8)
    async with harness.runtime.sessions() as session:
        assert "coordinator" in await roles_of(session, cora)
    (note,) = await outbox_for(harness, "cora", "mentor.coordinator:")
    assert "Alex has made you the coordinator of the Northmoor" in text_of(note)
    listing = (await harness.say("priya", "mentor schemes")).text
    assert "Coordinator: Cora" in listing and "coordinator matches mentees" in listing


async def test_only_an_admin_sets_up_a_scheme(harness: Harness) -> None:
    await network(harness)
    await make_member(harness, "priya")
    await make_member(harness, "cora", "coordinator")
    for handle in ("priya", "cora"):
        assert "only a network admin" in (await harness.say(handle, "mentor scheme new")).text
        forged = {"name": "Shadow scheme", "short_name": "shadow", "coordinator_other": handle}
        turn = await harness.submit(handle, "mentor.scheme", forged, state="new")
        assert "only a network admin" in turn.text
    assert await scheme_count(harness) == 1


async def test_an_admin_names_a_coordinator_who_exists(harness: Harness) -> None:
    form = await new_scheme_form(harness)
    turn = await harness.submit(
        "alex", form, filled(form, name="Local", short_name="local", coordinator_other="nobody")
    )
    assert "couldn't find exactly one member called “nobody”" in turn.errors["coordinator_other"]
    turn = await harness.submit("alex", form, filled(form, name="Local", short_name="local"))
    # Nobody holds the coordinator role yet, so there is no list: only the name to give.
    assert turn.errors == {"coordinator_other": "Please choose who coordinates this scheme."}
    assert await scheme_count(harness) == 1


# --- its coordinator (or an admin) edits it ------------------------------------------------


async def test_the_coordinator_changes_the_settings(harness: Harness) -> None:
    ids = await network(harness)
    form = await open_form(harness, "morgan", "mentor scheme edit cims")
    shown = {f.name: f.initial for f in form.inputs}
    assert shown["name"] == CIMS and shown["coordinator"] == str(await member_id(harness, "morgan"))
    assert shown["closes_on"] == "2026-05-01" and shown["self_select"] is True
    assert "coordinator_other" not in shown  # only an admin may name anyone
    turn = await harness.submit(
        "morgan", form, filled(form, cadence_weeks="2", request_days="7", self_select=False)
    )
    assert "Meetings: every 2 weeks" in turn.text
    scheme = await scheme_named(harness, "cims")
    assert scheme is not None and scheme.id == ids["scheme"]
    assert (scheme.cadence_weeks, scheme.request_days, scheme.self_select) == (2, 7, False)
    async with harness.runtime.sessions() as session:  # so help lists their commands
        assert "coordinator" in await roles_of(session, await member_id(harness, "morgan"))
    assert await outbox_for(harness, "morgan", "mentor.coordinator:") == []  # unchanged: no note


async def test_only_its_coordinator_or_an_admin_may_edit_a_scheme(harness: Harness) -> None:
    ids = await network(harness)
    await make_member(harness, "priya")
    await make_member(harness, "cora", "coordinator")  # a coordinator, not of this scheme
    for handle in ("priya", "cora"):
        refused = await harness.say(handle, "mentor scheme edit cims")
        assert "only for the scheme's coordinator or a network admin" in refused.text
        pressed = await harness.press(handle, "mentor.scheme_edit", str(ids["scheme"]))
        assert "only for the scheme's coordinator" in pressed.text and pressed.form is None
        forged = {"name": "Taken over", "short_name": "cims", "cadence_weeks": "1"}
        turn = await harness.submit(handle, "mentor.scheme", forged, state=str(ids["scheme"]))
        assert "only for the scheme's coordinator" in turn.text
    scheme = await scheme_named(harness, "cims")
    assert scheme is not None and scheme.name == CIMS and scheme.cadence_weeks == 4
    await make_member(harness, "alex", "admin")
    form = await open_form(harness, "alex", "mentor scheme edit cims")
    assert "coordinator_other" in {f.name for f in form.inputs}
    stale = await harness.press("morgan", "mentor.scheme_edit", "999")
    assert "no longer works" in stale.text


# --- friendly errors ------------------------------------------------------------------


async def test_bad_settings_get_an_error_beside_each_field_and_nothing_is_saved(
    harness: Harness,
) -> None:
    form = await new_scheme_form(harness)
    turn = await harness.submit(
        "alex",
        form,
        filled(
            form,
            name="cross-institutional  MENTORING scheme",
            short_name="CIMS",
            coordinator_other="morgan",
            opens_on="2026-05-01",
            closes_on="2026-04-01",
            cadence_weeks="0",
            midpoint_months="2.5",
            request_days="30",
            stall_weeks="lots",
        ),
    )
    errors = turn.errors
    assert "Another scheme already has the name" in errors["name"]
    assert "Another scheme already has the short name “cims”" in errors["short_name"]
    assert errors["closes_on"] == "Applications can't close before they open (1 May 2026)."
    assert errors["cadence_weeks"] == "Please give at least 1."
    assert errors["midpoint_months"] == "Please give a whole number."
    assert errors["request_days"] == "Please give at most 14."
    assert errors["stall_weeks"] == "Please give a number."
    assert {f.name: f.initial for f in turn.form.inputs}["request_days"] == "30"  # kept as typed
    assert await scheme_count(harness) == 1


async def test_settings_that_contradict_each_other_are_explained(harness: Harness) -> None:
    form = await new_scheme_form(harness)
    turn = await harness.submit(
        "alex",
        form,
        filled(
            form,
            name="Local",
            short_name="my scheme",
            coordinator_other="morgan",
            cadence_weeks="4",
            midpoint_months="9",
            length_months="9",
            nudge_lead_days="28",
            stall_weeks="3",
        ),
    )
    assert turn.errors == {
        "short_name": "Please use one word of 2 to 40 letters, numbers or hyphens, e.g. cims.",
        "midpoint_months": "The mid-point should come before the end (9 months).",
        "nudge_lead_days": "Please make this less than the meeting cadence (28 days).",
        "stall_weeks": "Please allow more than the meeting cadence (4 weeks), "
        "or pairs meeting on time would be flagged.",
    }
    turn = await harness.submit(
        "alex", form, filled(form, name="Local", short_name="new", coordinator_other="morgan")
    )
    assert turn.errors == {"short_name": "“new” is a command word — please choose another."}
    assert await scheme_count(harness) == 1


async def test_a_name_taken_at_the_same_moment_is_refused_whole(harness: Harness) -> None:
    await network(harness)
    now = harness.runtime.clock.now()
    async with harness.runtime.sessions() as session, session.begin():
        assert not await store.saved_unless_taken(
            session, Scheme(name="Another", short_name="cims", created_at=now)
        )
        assert await store.saved_unless_taken(
            session, Scheme(name="Another", short_name="another", created_at=now)
        )
    assert await scheme_count(harness) == 2


# --- find and requests honour the window and self-select -----------------------------------


async def test_outside_the_window_find_and_requests_explain_kindly(harness: Harness) -> None:
    await mentee_and_mentor(harness)
    await change_cims(harness, opens_on="2026-01-05", closes_on="2026-03-01")
    closed = "closed to new requests on 1 March 2026"
    assert closed in (await harness.say("priya", "mentor find")).text
    pressed = await harness.press("priya", "mentor.request", str(await member_id(harness, "farah")))
    assert closed in pressed.text and pressed.form is None
    forged = await harness.submit(
        "priya",
        "mentor.request",
        {"message": "Please"},
        state=str(await member_id(harness, "farah")),
    )
    assert closed in forged.text
    await change_cims(harness, opens_on="2026-03-09", closes_on="2026-04-30")
    soon = "opens for applications on 9 March 2026"
    assert soon in (await harness.say("priya", "mentor find")).text
    pressed = await harness.press("priya", "mentor.request", str(await member_id(harness, "farah")))
    assert soon in pressed.text
    async with harness.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(MentorRequest)) == 0
    await change_cims(harness, opens_on="2026-03-02", closes_on="2026-03-02")  # just today
    assert "Farah" in (await harness.say("priya", "mentor find")).text
    assert "I've sent your request to Farah" in await ask(harness, "priya", "farah")


async def test_a_coordinator_matched_scheme_explains_instead_of_suggesting(
    harness: Harness,
) -> None:
    await mentee_and_mentor(harness)
    await change_cims(harness, self_select=False)
    matched = "the coordinator matches mentees with mentors"
    assert matched in (await harness.say("priya", "mentor find")).text
    pressed = await harness.press("priya", "mentor.request", str(await member_id(harness, "farah")))
    assert matched in pressed.text and pressed.form is None
    assert "Draft match: 1 pair" in (await harness.say("morgan", "mentor match")).text


async def test_a_member_of_two_schemes_finds_in_the_one_open_to_them(harness: Harness) -> None:
    ids = await mentee_and_mentor(harness)
    await change_cims(harness, closes_on="2026-03-01", opens_on="2026-01-05")
    now = harness.runtime.clock.now()
    members = [await member_id(harness, handle) for handle in ("priya", "farah")]
    async with harness.runtime.sessions() as session, session.begin():
        local = Scheme(name="Local scheme", short_name="local", created_at=now)
        assert await store.saved_unless_taken(session, local)
        local_id = local.id
        for member in members:
            await store.join_scheme(session, local_id, member, now)
    assert "Farah" in (await harness.say("priya", "mentor find")).text
    assert "I've sent your request to Farah" in await ask(harness, "priya", "farah")
    async with harness.runtime.sessions() as session:
        request = await session.scalar(select(MentorRequest))
        assert request is not None and request.scheme_id == local_id != ids["scheme"]
