"""`mentor find`: ranked suggestions with reasons, every exclusion, paging, and no match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.harness import Harness
from handlers.mentoring.matching import WEIGHTS
from store.db import make_engine
from store.mentoring import queries as store
from store.mentoring.models import MentoringProfile, MentorTag, Relationship
from store.mentoring.tags import mentor_tags
from store.migrate import upgrade
from store.models import Member
from tests.mentoring_network import accept, ask, join, member_id, network


async def priya_and_mentors(harness: Harness) -> dict[str, int]:
    ids = await network(harness)
    north, calder, east = ids["northmoor"], ids["calderbridge"], ids["easterby"]
    await join(
        harness,
        "priya",
        north,
        "both",
        specialisms="LC-MS, sample preparation",
        registration_sought=["RSciTech"],
        format="online",
        capacity="1",
    )
    await join(
        harness,
        "farah",
        calder,
        "mentor",
        specialisms="lc-ms, method validation",
        registration_held=["RSciTech"],
        format="online",
        job_title="Analytical Technician",
    )
    await join(harness, "oliver", north, "mentor", specialisms="lc-ms", format="in person")
    await join(harness, "hannah", east, "mentor", specialisms="sample preparation")
    return ids


def order(text: str, *names: str) -> list[int]:
    return [text.index(name) for name in names]


async def test_ranked_with_reasons_and_mostly_other_institutions(harness: Harness) -> None:
    await priya_and_mentors(harness)
    turn = await harness.say("priya", "mentor find")
    text = turn.text
    assert order(text, "Farah", "Hannah", "Oliver") == sorted(
        order(text, "Farah", "Hannah", "Oliver")
    )
    farah = text.split("Farah")[1].split("\n2.")[0]
    assert "also works in lc-ms" in farah
    assert "RSciTech registered — you aim for RSciTech" in farah
    assert "at another institution (University of Calderbridge)" in farah
    assert "has capacity for 2 more mentees" in farah
    assert "Priya" not in text.split("Suggested mentors")[1]  # never yourself
    assert [b.label for b in turn.buttons].count("Request") == 3


async def test_free_words_narrow_the_search(harness: Harness) -> None:
    await priya_and_mentors(harness)
    text = (await harness.say("priya", "mentor find validation")).text
    assert "Farah" in text and "Hannah" not in text and "Oliver" not in text


async def test_paused_and_full_mentors_are_left_out(harness: Harness) -> None:
    ids = await priya_and_mentors(harness)
    later = (harness.runtime.clock.now() + timedelta(days=30)).date().isoformat()
    await join(harness, "paula", ids["easterby"], "mentor", specialisms="lc-ms", paused_until=later)
    await join(harness, "fiona", ids["easterby"], "mentor", specialisms="lc-ms", capacity="1")
    await join(harness, "sam", ids["calderbridge"], "mentee", specialisms="lc-ms")
    await ask(harness, "sam", "fiona", "Hoping to learn LC-MS.")
    assert "introduced" in await accept(harness, "fiona")
    text = (await harness.say("priya", "mentor find")).text
    assert "Paula" not in text and "Fiona" not in text and "Farah" in text


async def test_previous_partners_only_when_asked(harness: Harness) -> None:
    ids = await priya_and_mentors(harness)
    await join(harness, "pete", ids["easterby"], "mentor", specialisms="lc-ms")
    async with harness.runtime.sessions() as session, session.begin():
        session.add(
            Relationship(
                scheme_id=ids["scheme"],
                mentor_id=await member_id(harness, "pete"),
                mentee_id=await member_id(harness, "priya"),
                status="closed",
                started_at=harness.runtime.clock.now() - timedelta(days=300),
                closed_at=harness.runtime.clock.now() - timedelta(days=10),
                exit_reason="objectives_met",
            )
        )
    turn = await harness.say("priya", "mentor find")
    assert "Pete" not in turn.text
    again = await harness.press("priya", turn.button("Include past mentors"))
    assert "Pete" in again.text
    assert "Pete" in (await harness.say("priya", "mentor find --previous")).text


async def test_dont_pair_lists_are_honoured_from_either_side(harness: Harness) -> None:
    ids = await priya_and_mentors(harness)
    await join(harness, "dan", ids["easterby"], "mentor", specialisms="lc-ms")
    await join(harness, "dora", ids["easterby"], "mentor", specialisms="lc-ms", dont_pair="priya")
    before = (await harness.say("priya", "mentor find")).text
    assert "Dan" in before and "Dora" not in before
    await harness.submit(
        "priya",
        "mentor.profile",
        {
            "role": "both",
            "specialisms": "lc-ms, sample preparation",
            "format": "online",
            "capacity": "1",
            "registration_sought": ["RSciTech"],
            "dont_pair": "dan",
            "prefer_other_institution": True,
        },
    )
    after = (await harness.say("priya", "mentor find")).text
    assert "Dan" not in after and "Dora" not in after and "Farah" in after
    # Nobody sees another member's list: Priya's own profile shows only hers.
    assert "Dora" not in (await harness.say("priya", "mentor profile")).text


async def test_a_mentor_with_a_pending_request_is_not_suggested_again(harness: Harness) -> None:
    await priya_and_mentors(harness)
    farah = await member_id(harness, "farah")
    form = (await harness.press("priya", "mentor.request", str(farah))).form
    assert form is not None
    await harness.submit("priya", form, {"message": "LC-MS methods, please."})
    text = (await harness.say("priya", "mentor find")).text
    assert "Farah" not in text.split("Suggested mentors")[1]


async def test_show_more_pages_through_everyone(harness: Harness) -> None:
    ids = await network(harness)
    await join(harness, "priya", ids["northmoor"], "mentee", specialisms="lc-ms")
    for n, name in enumerate(("anna", "bill", "cara", "dev", "eve", "finn", "gus")):
        await join(
            harness, name, ids["easterby"], "mentor", specialisms="lc-ms", capacity=str(1 + n % 3)
        )
    first = await harness.say("priya", "mentor find")
    assert [b.label for b in first.buttons].count("Request") == 5
    second = await harness.press("priya", first.button("Show more"))
    assert [b.label for b in second.buttons].count("Request") == 2
    assert "Show more" not in [b.label for b in second.buttons]
    names = {n.title() for n in ("anna", "bill", "cara", "dev", "eve", "finn", "gus")}
    shown = {n for n in names if n in first.text} | {n for n in names if n in second.text}
    assert shown == names


async def test_no_match_says_so_and_suggests_widening(harness: Harness) -> None:
    await priya_and_mentors(harness)
    turn = await harness.say("priya", "mentor find underwater basket weaving")
    assert "couldn't find an available mentor" in turn.text
    assert "fewer or broader words" in turn.text and "other institutions" in turn.text
    assert "Request" not in [b.label for b in turn.buttons]
    assert "Search without words" in [b.label for b in turn.buttons]


async def test_without_a_profile_find_offers_the_form_then_the_suggestions(
    harness: Harness,
) -> None:
    ids = await network(harness)
    await join(harness, "farah", ids["calderbridge"], "mentor", specialisms="lc-ms")
    asked = await harness.say("zoe", "/mentor find")
    assert "mentor profile edit" not in asked.text  # a button, not a command to type
    opened = await harness.press("zoe", asked.button("Set up my mentoring profile"))
    assert opened.form is not None
    names = [field.name for field in opened.form.inputs]
    assert "capacity" not in names and "offer" not in names  # a mentee's questions only
    assert "looking_for" in names
    saved = await harness.submit(
        "zoe", opened.form, {"role": "mentee", "specialisms": "lc-ms", "format": "either"}
    )
    assert "Mentoring profile saved" in saved.text
    assert "Suggested mentors" in saved.text and "Farah" in saved.text


async def test_find_ranks_the_same_as_scoring_every_mentor(harness: Harness) -> None:
    """The SQL pre-rank never changes the answer: compare with scoring everyone in Python."""
    from handlers.mentoring.matching import score
    from handlers.mentoring.suggest import seeker_for, suggest

    ids = await priya_and_mentors(harness)
    for n in range(12):
        await join(
            harness,
            f"m{n}",
            ids[("easterby", "northmoor")[n % 2]],
            "mentor",
            specialisms=("lc-ms", "gc-ms", "nmr", "sample preparation")[n % 4],
            format=("online", "in person", "either")[n % 3],
        )
    async with harness.runtime.sessions() as session:
        priya = await session.get(store.Member, await member_id(harness, "priya"))
        profile = await store.profile_of(session, priya.id)
        seeker = seeker_for(priya, profile)
        day = harness.runtime.clock.now().date()
        found = await suggest(session, ids["scheme"], seeker, today=day, count=20)
        everyone = await store.mentor_rows(
            session, await store.open_mentor_ids(session, ids["scheme"], day)
        )
    expected = sorted(
        (-score(seeker, m).points, m.name) for m in everyone if m.member_id != priya.id
    )
    assert [(-s.score.points, s.mentor.name) for s in found.suggestions] == expected


async def test_words_match_whole_words_of_specialisms_and_equipment(harness: Harness) -> None:
    await priya_and_mentors(harness)  # Farah: lc-ms, method validation
    await join(harness, "ezra", None, "mentor", specialisms="NMR", equipment="Bruker Avance")
    for words, found in (
        ("validations", "Farah"),  # a plural finds the singular
        ("ms", "Farah"),  # part of "lc-ms"
        ("LC-MS validation", "Farah"),
        ("bruker", "Ezra"),
    ):
        text = (await harness.say("priya", f"mentor find {words}")).text
        assert found in text and "Hannah" not in text, (words, text)
    assert "couldn't find" in (await harness.say("priya", "mentor find valid")).text


async def test_upgrading_indexes_the_words_of_mentors_already_listed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0002")
    engine = make_engine(url)
    now = datetime(2026, 3, 2, tzinfo=UTC)
    async with async_sessionmaker(engine)() as session, session.begin():
        # Core, not the ORM: the model has columns that later migrations add.
        member_id = await session.scalar(
            insert(Member.__table__)  # type: ignore[arg-type]
            .values(display_name="Farah", specialisms=[], created_at=now, updated_at=now)
            .returning(Member.__table__.c.id)
        )
        session.add(
            MentoringProfile(
                member_id=member_id,
                role="mentor",
                specialisms=["LC-MS", "method validation"],
                equipment=[],
                registration_held=[],
                registration_sought=[],
                capacity=1,
                is_mentor=True,
                open_places=1,
                updated_at=now,
            )
        )
        await session.flush()
        for tag, weight in mentor_tags(["LC-MS", "method validation"], [], [], WEIGHTS):
            session.add(MentorTag(member_id=member_id, tag=tag, weight=weight))
    upgrade(url, "0003")
    async with engine.connect() as connection:
        tags = set((await connection.execute(select(MentorTag.tag))).scalars())
    await engine.dispose()
    # "lc-ms" is kept as "lc-m": a trailing "s" is dropped, the same way, from typed words.
    words = {"w:lc-m", "w:lc", "w:ms", "w:method", "w:validation"}
    assert {tag for tag in tags if tag.startswith("w:")} == words
    assert {"s:lc-ms", "s:method validation"} <= tags
