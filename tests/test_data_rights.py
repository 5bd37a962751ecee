"""Data rights: a member's export (their own side only), erasure with a real confirmation,
linked identities, admins acting on request, and no table that refers to a member forgotten."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import ForeignKey, func, select

import store.all_models  # noqa: F401
from bot.harness import Harness, Turn
from handlers import build_router
from store import data_rights
from store.audit import AuditEntry
from store.files import StoredFile
from store.mentoring.models import Meeting, PrivateNote, Relationship
from store.models import Base, Member, OutboxMessage, PlatformIdentity
from tests.events_network import announce, member_ids, person, rsvp
from tests.helpers import make_member
from tests.mentoring_network import member_id, outbox_for, paired, text_of
from tests.test_mentoring_relationship import AGREEMENT

MEMBER_TABLES = ("members", "mentoring_profiles")
FARAHS_NOTE = "Farah's own thoughts: keep encouraging."


async def logged_meeting(harness: Harness) -> int:
    """Priya and Farah paired, agreed, one meeting logged with a note from each."""
    relationship_id = await paired(harness)
    await harness.submit("priya", "mentor.agreement", AGREEMENT, state=str(relationship_id))
    form = (await harness.say("priya", "mentor log")).form
    assert form is not None
    await harness.submit(
        "priya",
        form,
        {"held_on": "2026-03-01", "happened": "yes", "note": "Nervous about the application."},
    )
    farah = await member_id(harness, "farah")
    async with harness.runtime.sessions() as session, session.begin():
        meeting = await session.scalar(select(Meeting))
        assert meeting is not None
        session.add(
            PrivateNote(
                meeting_id=meeting.id,
                author_id=farah,
                text=FARAHS_NOTE,
                created_at=harness.runtime.clock.now(),
            )
        )
    return relationship_id


async def exported(harness: Harness, owner: int) -> dict:
    async with harness.runtime.sessions() as session:
        [stored] = await session.scalars(select(StoredFile).where(StoredFile.owner_id == owner))
        return json.loads(stored.data)


async def actions(harness: Harness, member: int | None = None) -> list[tuple[str, int | None]]:
    async with harness.runtime.sessions() as session:
        found = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.target_id) for e in found if e.action.startswith("privacy")]


# --- export ------------------------------------------------------------------------


async def test_export_holds_my_side_only_behind_a_private_link(harness: Harness) -> None:
    await logged_meeting(harness)
    priya = await member_id(harness, "priya")
    turn = await harness.say("priya", "privacy export")
    [download] = turn.buttons
    assert download.url and "/files/" in download.url and download.url.endswith(".json")
    assert "Mentoring: a profile, 1 scheme, 1 request, 1 relationship" in turn.text
    assert "Identities: 1" in turn.text

    data = await exported(harness, priya)
    assert data["profile"]["name"] == "Priya"
    assert [i["platform"] for i in data["identities"]] == ["console"]
    [relationship] = data["mentoring"]["relationships"]
    assert relationship["partner"] == "Farah" and relationship["you_were"] == "mentee"
    assert relationship["meetings"][0]["your_private_notes"] == ["Nervous about the application."]
    assert FARAHS_NOTE not in json.dumps(data)
    assert data["mentoring"]["requests"][0]["message"] == "RSciTech"
    assert "decline_reason" not in data["mentoring"]["requests"][0]
    assert await actions(harness) == [("privacy.export", priya)]


async def test_export_says_which_anonymous_answers_were_given_never_what(
    harness: Harness,
) -> None:
    await person(harness, "dan", roles=["champion"])
    priya = await person(harness, "priya")
    event = await announce(harness, "dan")
    await rsvp(harness, "priya", event, "going")
    await harness.say("priya", "privacy export")
    data = await exported(harness, priya)
    [answer] = data["events"]["answers"]
    assert answer["answer"] == "going" and answer["event"] == event.title
    assert data["events"]["announcements_received"] == 1


# --- erasure -------------------------------------------------------------------------


def erase_button(turn: Turn, label: str = "Yes, erase my data") -> str:
    return turn.button(label).value


async def test_erasure_asks_first_and_forged_or_repeated_presses_erase_nothing(
    harness: Harness,
) -> None:
    relationship_id = await logged_meeting(harness)
    priya, farah = await member_id(harness, "priya"), await member_id(harness, "farah")
    await make_member(harness, "mallory")
    asked = await harness.say("priya", "privacy erase")
    assert "can't be undone" in asked.text and "Former member" in asked.text
    token = erase_button(asked)

    assert "nothing was erased" in (await harness.press("priya", "privacy.erase", "forged")).text
    stolen = await harness.press("mallory", "privacy.erase", token)  # not theirs to press
    assert "nothing was erased" in stolen.text
    assert "Nothing was erased" in (await harness.press("priya", "privacy.keep")).text
    async with harness.runtime.sessions() as session:
        assert (await session.get(Member, priya)).erased_at is None  # type: ignore[union-attr]

    done = await harness.press("priya", "privacy.erase", token)
    assert "your data is erased" in done.text
    again = await harness.press("priya", "privacy.erase", token)  # a second press, a new member
    assert "nothing was erased" in again.text

    async with harness.runtime.sessions() as session:
        tomb = await session.get(Member, priya)
        assert tomb is not None and tomb.erased_at is not None
        assert (tomb.display_name, tomb.email, tomb.specialisms) == ("Former member", None, [])
        left = await session.scalar(select(func.count()).where(PlatformIdentity.member_id == priya))
        assert left == 0
        notes = list(await session.scalars(select(PrivateNote.text)))
        assert notes == [FARAHS_NOTE]  # hers went; Farah's own stays
        assert await session.scalar(select(func.count()).select_from(Meeting)) == 1
        relationship = await session.get(Relationship, relationship_id)
        assert relationship is not None and relationship.status == "closed"
        queued_to_priya = await session.scalar(
            select(func.count()).where(
                OutboxMessage.member_id == priya, OutboxMessage.status == "queued"
            )
        )
        assert queued_to_priya == 0
    [told] = await outbox_for(harness, "farah", f"mentor.closed:{relationship_id}")
    assert "has closed" in text_of(told) and "reason" not in text_of(told).lower()
    assert await actions(harness) == [("privacy.erase", priya)]
    # Talking to me again starts afresh, as someone new.
    assert await member_id(harness, "priya") not in (priya, farah)


async def test_a_linked_member_is_asked_which_to_erase(harness: Harness) -> None:
    priya = await person(harness, "priya", platforms=["console", "teams"])
    asked = await harness.say("priya", "privacy erase")
    assert "more than one platform" in asked.text
    only_here = asked.button("Only this Console account").value
    done = await harness.press("priya", "privacy.erase", only_here)
    assert "forgotten this account" in done.text
    async with harness.runtime.sessions() as session:
        platforms = await session.scalars(
            select(PlatformIdentity.platform).where(PlatformIdentity.member_id == priya)
        )
        assert list(platforms) == ["teams"]
        member = await session.get(Member, priya)
        assert member is not None and member.erased_at is None


async def test_admins_export_and_erase_on_request_and_it_is_audited(harness: Harness) -> None:
    alex = await make_member(harness, "alex", "admin")
    dan = await make_member(harness, "dan", "admin")
    await make_member(harness, "sam")
    assert "only for network admins" in (await harness.say("sam", "admin privacy export dan")).text
    exported_turn = await harness.say("alex", "admin privacy export dan")
    assert "Here is Dan's data" in exported_turn.text
    assert (await exported(harness, dan))["roles"][0]["role"] == "admin"

    asked = await harness.say("alex", "admin privacy erase dan")
    assert "Erase Dan's data?" in asked.text
    done = await harness.press(
        "alex", "privacy.erase", erase_button(asked, "Yes, erase their data")
    )
    assert "that member's data is erased" in done.text
    assert await actions(harness) == [("privacy.export", dan), ("privacy.erase", dan)]
    assert "couldn't find" in (await harness.say("alex", "admin privacy erase dan")).text
    shown = (await harness.say("alex", "admin audit")).text
    assert "Alex erased Former member" in shown
    # The last admin cannot erase themselves away.
    refused = await harness.say("alex", "privacy erase")
    assert "no admin" in refused.text and not refused.buttons
    async with harness.runtime.sessions() as session:
        assert (await session.get(Member, alex)).erased_at is None  # type: ignore[union-attr]


async def test_places_at_coming_events_go_to_the_next_person(harness: Harness) -> None:
    await person(harness, "dan", roles=["champion"])
    await person(harness, "priya")
    cat = await person(harness, "cat")
    event = await announce(harness, "dan", capacity="1")
    await rsvp(harness, "priya", event, "going")
    await rsvp(harness, "cat", event, "going")  # waitlisted
    asked = await harness.say("priya", "privacy erase")
    await harness.press("priya", "privacy.erase", erase_button(asked))
    assert await member_ids(harness, f"event.promoted:{event.id}:") == [cat]


async def test_a_confirmation_expires(harness: Harness) -> None:
    priya = await make_member(harness, "priya")
    token = erase_button(await harness.say("priya", "privacy erase"))
    harness.runtime.clock.advance(data_rights.CONFIRM_FOR + timedelta(seconds=1))  # type: ignore[attr-defined]
    assert "expired" in (await harness.press("priya", "privacy.erase", token)).text
    async with harness.runtime.sessions() as session:
        assert (await session.get(Member, priya)).erased_at is None  # type: ignore[union-attr]


def test_every_table_that_refers_to_a_member_is_exported_and_erased() -> None:
    covered = set(data_rights.TABLES)
    for feature in build_router().personal_data:
        covered |= set(feature.tables)
    referring = {
        table.name
        for table in Base.metadata.sorted_tables
        for column in table.columns
        for key in column.foreign_keys
        if isinstance(key, ForeignKey)
        and key.column.table.name in ("members", "mentoring_profiles")
    }
    missing = referring - covered
    assert not missing, f"tables that refer to a member but take no part in data rights: {missing}"
