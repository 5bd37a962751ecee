"""`report`: the demo network's impact, counted by the report and by hand (from the demo's
plan), charts and the evidence pack opened, who may see what, bad input, the digest."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from bot.harness import Harness, Turn
from bot.jobs import run_all
from bot.ui import Image
from handlers.mentoring.matching import WEIGHTS
from store import demo, demo_data, files
from store.models import Member, OutboxMessage, PlatformIdentity

TODAY = date(2026, 3, 2)  # the clock fixture's day
# The default period is the twelve months to today; the demo counts back from today.
THIS_YEAR = range(0, 365)
LAST_YEAR = range(365, 730)


@pytest.fixture
async def demo_network(harness: Harness) -> Harness:
    async with harness.runtime.sessions() as session, session.begin():
        await demo.seed(session, harness.runtime.clock.now(), WEIGHTS)
    return harness


def figures(turn: Turn) -> dict[str, str]:
    """Label → shown value, from the reply's field blocks."""
    return {
        label: shown
        for message in turn.messages
        for block in message.blocks
        if block.kind == "fields"
        for label, shown in block.pairs
    }


def shown_text(turn: Turn) -> str:
    """Every text of every block, as a reader would see it."""
    return "\n".join(
        str(getattr(block, "text", "")) for message in turn.messages for block in message.blocks
    )


def by_hand(years: range) -> dict[str, float]:
    """The demo's plan, counted in Python: what the report must say."""
    held = [e for e in demo_data.PAST_EVENTS if e["days_ago"] in years]
    came = [h for e in held for h in e["came"]]
    going = [h for e in held for h in e["going"]]
    kept = sum(len(set(e["going"]) & set(e["came"])) for e in held)
    pairs = demo_data.PAST_PAIRS
    return {
        "Events held": len(held),
        "Invitations": len(held) * len(demo_data.MEMBERS),
        "Said going": len(going),
        "Attendances": len(came),
        "People who came": len(set(came)),
        "Repeat attendees": sum(1 for h in set(came) if came.count(h) >= 2),
        "Attendance rate": round(100 * kept / len(going), 1),
        "Pairs started": sum(1 for p in pairs if p["started"] in years),
        "Meetings logged": sum(1 for p in pairs for d in p["meetings"] if d in years),
        "Pairs closed": sum(1 for p in pairs if p.get("closed") in years),
        "Stalled pairs": sum(1 for p in pairs if p.get("stalled") in years),
        "Stalled pairs rescued": sum(
            1 for p in pairs if p.get("stalled") in years and min(p["meetings"]) < p["stalled"]
        ),
    }


def shown(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


async def test_the_default_report_matches_a_count_by_hand(demo_network: Harness) -> None:
    turn = await demo_network.say("alex", "report")
    assert "Impact report for the network: 3 Mar 2025 – 2 Mar 2026" in turn.text
    got = figures(turn)
    now, before = by_hand(THIS_YEAR), by_hand(LAST_YEAR)
    assert now["Events held"] == 5 and now["Attendances"] > 20  # the demo has a story to tell
    for label, value in now.items():
        unit = "%" if label == "Attendance rate" else ""
        expected = f"{shown(value)}{unit} (last period {shown(before[label])}{unit}"
        assert got[label].startswith(expected), (label, got[label], expected)
    assert "not shown" not in got["Feedback score"]
    assert "No award nominations are recorded yet" in turn.text
    how = shown_text(turn)
    assert "Attendance = checked in with the event's code or marked by the organiser" in how


async def test_each_section_with_data_has_a_chart_with_alt_text_and_a_table(
    demo_network: Harness,
) -> None:
    turn = await demo_network.say("alex", "report")
    images = [b for m in turn.messages for b in m.blocks if isinstance(b, Image)]
    assert len(images) == 3  # events, mentoring, reach; recognition and voice have no data
    public = demo_network.runtime.settings.public_url
    for image in images:
        assert image.url.startswith(f"{public}/files/") and image.alt
        data = await _file(demo_network, image.url)
        assert data.startswith(b"\x89PNG")
    assert "Attendance by institution" in figures(turn)


async def test_download_gives_a_workbook_and_a_pdf_with_the_same_numbers(
    demo_network: Harness,
) -> None:
    turn = await demo_network.say("alex", "report")
    pack = await demo_network.press("alex", turn.button("Download evidence pack"))
    book = load_workbook(io.BytesIO(await _file(demo_network, pack.button("Workbook (XLSX)").url)))
    assert book.sheetnames == ["About", "Events", "Mentoring", "Recognition", "Voice", "Reach"]
    assert book["About"]["B2"].value.date() == date(2025, 3, 3)
    rows = {row[0]: row for row in book["Events"].iter_rows(values_only=True) if row[0]}
    now, before = by_hand(THIS_YEAR), by_hand(LAST_YEAR)
    assert rows["Attendances"][1:3] == (now["Attendances"], before["Attendances"])
    assert isinstance(rows["Events held"][1], int)
    assert "checked in" in rows["Attendances"][5]
    pdf = PdfReader(io.BytesIO(await _file(demo_network, pack.button("PDF").url)))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Impact report for the network" in text and "Meetings logged" in text
    assert "Made on 2 March 2026" in text


async def test_a_lead_sees_their_own_institution_only(demo_network: Harness) -> None:
    turn = await demo_network.say("connor", "report")
    assert "Impact report for Westmere Institute for Biomedical Research" in turn.text
    # Westmere's facts only: its members came to events 5 times this year, by hand.
    westmere = {p["handle"] for p in demo_data.MEMBERS if p["institution"] == "westmere"}
    came = [h for e in demo_data.PAST_EVENTS if e["days_ago"] in THIS_YEAR for h in e["came"]]
    assert figures(turn)["Attendances"].startswith(f"{sum(h in westmere for h in came)} ")
    other = await demo_network.say("connor", "report institution Northmoor")
    assert "As lead for Westmere Institute for Biomedical Research" in other.text
    assert "Alex Fairweather" in other.text and "Impact report" not in other.text
    forged = await demo_network.press("connor", "report.download", "2025-03-03 2026-03-02 network")
    assert "only" in forged.text or "for institutional leads" in forged.text
    assert not forged.buttons


async def test_a_member_without_the_role_is_told_who_can(demo_network: Harness) -> None:
    turn = await demo_network.say("bethany", "report")
    assert "for institutional leads and network admins" in turn.text
    assert "Your institution's lead is Connor MacLeod" in turn.text
    assert "Alex Fairweather" in turn.text
    assert "Impact report" not in (await demo_network.say("bethany", "help")).text
    assert "Impact report" in (await demo_network.say("connor", "help")).text


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("report 2026-01-31 2025-08-01", "ends (1 Aug 2025) before it starts (31 Jan 2026)"),
        ("report 2026-01-01 2026-08-31", "31 Aug 2026 is still to come"),
        ("report institution Northmor", "Did you mean University of Northmoor?"),
        ("report 2025-02-30", "isn't a date I can read"),
    ],
)
async def test_bad_input_is_explained(demo_network: Harness, typed: str, said: str) -> None:
    turn = await demo_network.say("alex", typed)
    assert said in turn.text and "Impact report" not in turn.text


async def test_an_empty_period_says_so_without_charts(demo_network: Harness) -> None:
    turn = await demo_network.say("alex", "report 2020-01-01 2020-01-31")
    assert "Nothing was recorded for the network between 1 Jan 2020 and 31 Jan 2020" in turn.text
    assert not [b for m in turn.messages for b in m.blocks if isinstance(b, Image)]


async def test_an_institution_by_part_of_its_name(demo_network: Harness) -> None:
    turn = await demo_network.say("alex", "report 2025-08-01 2026-02-28 institution Calderbridge")
    assert "Impact report for Calderbridge University: 1 Aug 2025 – 28 Feb 2026" in turn.text


async def test_someone_on_two_platforms_counts_once(demo_network: Harness) -> None:
    before = figures(await demo_network.say("alex", "report"))["Active members"]
    async with demo_network.runtime.sessions() as session, session.begin():
        priya = await session.scalar(select(Member).where(Member.display_name == "Priya Shah"))
        assert priya is not None
        session.add(
            PlatformIdentity(
                member_id=priya.id,
                platform="slack",
                workspace="T1",
                user_id="U1",
                created_at=demo_network.runtime.clock.now(),
            )
        )
    turn = await demo_network.say("alex", "report")
    assert figures(turn)["Active members"] == before
    assert "More than one platform" in figures(turn)


async def test_leads_get_a_monthly_digest_once(demo_network: Harness) -> None:
    runtime = demo_network.runtime
    now = runtime.clock.now()  # 2 March: the digest is about February, beside January
    counts = await run_all(runtime, now)
    assert counts["report.digest"] == 1
    assert (await run_all(runtime, now + timedelta(hours=1)))["report.digest"] == 0
    async with runtime.sessions() as session:
        row = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "report.digest")
        )
    assert row is not None and row.key.startswith("report.digest:2026-02:")
    text = row.payload["text"]
    assert text.startswith("Westmere Institute for Biomedical Research in February 2026")
    # By hand: Westmere's pairs active in February (daniel–bethany, started 60 days ago).
    assert "Mentoring pairs active: 1 (last period 1" in text
    opened = await demo_network.press(
        "connor", "report.open", row.payload["blocks"][-1]["buttons"][0]["value"]
    )
    assert (
        "Impact report for Westmere Institute for Biomedical Research: February 2026" in opened.text
    )


async def _file(harness: Harness, url: str) -> bytes:
    token = url.split("/files/")[1].split("/")[0]
    async with harness.runtime.sessions() as session:
        stored = await files.by_token(session, token, harness.runtime.clock.now())
    assert stored is not None
    return stored.data


async def test_recognition_counts_nominations_year_on_year(demo_network: Harness) -> None:
    from store.nominations.models import Category, Drive, Nomination

    runtime = demo_network.runtime
    now = runtime.clock.now()
    before = figures(await demo_network.say("alex", "report"))
    assert "Nominations" not in before  # no drives yet: the section says it has no data
    async with runtime.sessions() as session, session.begin():
        people = list(await session.scalars(select(Member).order_by(Member.id)))
        for year, days_ago, made, accepted, winners in ((2025, 400, 3, 2, 1), (2026, 30, 5, 4, 2)):
            when = now - timedelta(days=days_ago)
            drive = Drive(
                title=f"Technician of the Year {year}",
                status="closed",
                internal_deadline=when,
                review_until=when,
                external_deadline=when,
                year=year,
                created_at=when,
                updated_at=when,
            )
            session.add(drive)
            await session.flush()
            category = Category(drive_id=drive.id, name="Outstanding Technician")
            session.add(category)
            await session.flush()
            session.add_all(
                Nomination(
                    drive_id=drive.id,
                    category_id=category.id,
                    nominee_id=people[n].id,
                    nominator_id=people[n + 1].id,
                    statement="Kind and brilliant.",
                    status="accepted" if n < accepted else "awaiting",
                    institution_id=people[n].institution_id,
                    shortlisted=n < accepted,
                    winner=n < winners,
                    created_at=when,
                    updated_at=when,
                )
                for n in range(made)
            )
    turn = await demo_network.say("alex", "report")
    got = figures(turn)
    assert got["Nominations"].startswith("5 (last period 3, up 67%)")
    assert got["Consents"].startswith("4 (last period 2")
    assert got["Winners"].startswith("2 (last period 1")
    assert got["2025"] == "3 · 2 · 2 · 1" and got["2026"] == "5 · 4 · 4 · 2"
    assert got["Technician of the Year 2026: Outstanding Technician"] == "2 · 0"
