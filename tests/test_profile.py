from __future__ import annotations

from sqlalchemy import select

from bot.harness import Harness
from store.members import member_by_handle
from store.models import Institution, PlatformIdentity


async def add_institution(harness: Harness) -> int:
    async with harness.runtime.sessions() as session, session.begin():
        place = Institution(short_name="northmoor", name="University of Northmoor")
        session.add(place)
        await session.flush()
        return place.id


async def test_view_edit_and_see_the_change(harness: Harness) -> None:
    place = await add_institution(harness)
    assert "Your profile" in (await harness.say("priya", "profile")).text
    form = (await harness.say("priya", "profile edit")).form
    assert form is not None and form.form_id == "profile.edit"
    turn = await harness.submit(
        "priya",
        form,
        {
            "display_name": "Priya Shah",
            "job_title": "Mass Spectrometry Technician",
            "institution": str(place),
            "department": "Chemistry",
            "specialisms": "LC-MS,  Proteomics, lc-ms",
            "timezone": "Europe/London",
        },
    )
    assert "Profile saved" in turn.text
    shown = (await harness.say("priya", "profile")).text
    assert "University of Northmoor" in shown and "Chemistry" in shown
    assert "lc-ms, proteomics" in shown


async def test_a_form_with_bad_fields_comes_back_with_errors_and_saves_nothing(
    harness: Harness,
) -> None:
    await harness.say("priya", "help")
    turn = await harness.submit(
        "priya",
        "profile.edit",
        {
            "display_name": "",
            "timezone": "Mars/Olympus",
            "institution": "999",
            "job_title": "x" * 10_000,
        },
    )
    assert set(turn.errors) == {"display_name", "timezone", "institution", "job_title"}
    assert turn.form is not None
    kept = {field.name: field.initial for field in turn.form.inputs}
    assert kept["timezone"] == "Mars/Olympus"  # what was typed is not lost
    async with harness.runtime.sessions() as session:
        member = await member_by_handle(session, "priya")
        assert member is not None and member.display_name == "Priya"


async def test_link_code_joins_a_teams_identity_to_the_same_member(harness: Harness) -> None:
    code_text = (await harness.say("priya", "profile link")).text
    code = code_text.split("link code is ")[1].split(".")[0]
    teams = Harness(harness.runtime, platform="teams", workspace="tenant-1")
    assert "Linked!" in (await teams.say("aad-priya", f"profile link {code}")).text
    assert "didn't work" in (await teams.say("aad-other", f"profile link {code}")).text
    async with harness.runtime.sessions() as session:
        owners = set(await session.scalars(select(PlatformIdentity.member_id)))
    assert len(owners) == 2  # priya (console + teams) and aad-other
