"""A whole drive, from opening to certificates: announcement, nominations, consent,
reminders by the clock, the panel's scores, the shortlist, exports opened and read
(CSV rows, PDF text), closing, certificates for every consenting nominee, the report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pypdf

from bot.harness import Harness, Turn
from bot.jobs import run_all
from store import files
from tests.nominations_network import network, nominate, nominations, open_drive, outbox
from tests.test_nominations_review import accepted_nominations, score


async def file_at(harness: Harness, url: str) -> bytes:
    token = url.split("/files/")[1].split("/")[0]
    async with harness.runtime.sessions() as session:
        stored = await files.by_token(session, token, harness.runtime.clock.now())
        assert stored is not None
        return stored.data


def links(turn: Turn) -> dict[str, str]:
    return {b.label: b.url for b in turn.buttons if b.url}


async def tick(harness: Harness, when: datetime) -> dict[str, int]:
    harness.runtime.clock.set(when)  # type: ignore[attr-defined]
    return await run_all(harness.runtime, when)


async def test_a_whole_drive_from_opening_to_certificates(harness: Harness) -> None:
    people = await network(harness)
    await open_drive(
        harness, {"name": "Technician of the Year"}, {"name": "Apprentice of the Year"}
    )
    ada, bob = await accepted_nominations(harness, ("sam", "Ada Lovelace"), ("cy", "Bob Hide"))
    # A third is never answered: no certificate, but counted.
    await nominate(harness, "bob hide", "Cy", category="Apprentice of the Year")

    # Reminders by the clock: nothing yet; a week before (only those who haven't nominated);
    # again two days before; never a third time, however often the clock ticks.
    assert (await tick(harness, datetime(2026, 3, 5, 9, tzinfo=UTC)))["nominations.reminders"] == 0
    await tick(harness, datetime(2026, 3, 14, 9, tzinfo=UTC))
    first = await outbox(harness, "nominate.remind:")
    nominated = {people[h] for h in ("sam", "cy", "bob")}
    assert first and not {r.member_id for r in first} & nominated
    assert people["ada"] in {r.member_id for r in first}
    await tick(harness, datetime(2026, 3, 14, 9, 5, tzinfo=UTC))
    assert len(await outbox(harness, "nominate.remind:")) == len(first)
    await tick(harness, datetime(2026, 3, 19, 9, tzinfo=UTC))
    await tick(harness, datetime(2026, 3, 20, 9, tzinfo=UTC))
    assert len(await outbox(harness, "nominate.remind:")) == 2 * len(first)

    # The review opens: the panel hears once; quinn shares Bob's institution.
    await tick(harness, datetime(2026, 3, 21, 9, tzinfo=UTC))
    told = await outbox(harness, "nominate.review:")
    assert sorted(r.member_id for r in told) == sorted([people["pat"], people["quinn"]])
    await score(harness, "pat panel", ada, 5, 4, "Outstanding.")
    await score(harness, "quinn panel", ada, 4, 4)
    await tick(harness, datetime(2026, 3, 30, 9, tzinfo=UTC))  # within two days of the end
    due = [r for r in await outbox(harness, "nominate.review:") if r.key.endswith(":due")]
    assert [r.member_id for r in due] == [people["pat"]]  # Bob's is still Pat's to score

    shortlist = await harness.say("grace", "nominate shortlist")
    assert "1. Ada Lovelace (University of Northmoor) — mean 4.25" in shortlist.text
    await harness.press("grace", "nominate.shortlist", str(ada))

    # Exports: the CSV rows and the submission pack's text.
    exported = await harness.say("grace", "nominate export")
    found = links(exported)
    rows = list(
        csv.DictReader(
            io.StringIO(
                (await file_at(harness, found["Technician of the Year (CSV)"])).decode("utf-8-sig")
            )
        )
    )
    assert [(r["rank"], r["nominee"], r["mean score"], r["shortlisted"]) for r in rows] == [
        ("1", "Ada Lovelace", "4.25", "yes"),
        ("2", "Bob Hide", "", ""),
    ]
    assert "Apprentice of the Year (CSV)" in found
    pack = pypdf.PdfReader(io.BytesIO(await file_at(harness, found["Ada Lovelace (PDF)"])))
    text = " ".join(page.extract_text() for page in pack.pages)
    assert "Nominee: Ada Lovelace, University of Northmoor" in text
    assert "keeps the whole lab running" in text and "Ada Lovelace's facts." in text
    assert "Bob Hide (PDF)" not in found  # not shortlisted

    # Closing sends a certificate of nomination to each consenting nominee, once.
    closing = await harness.say("grace", "nominate close")
    closed = await harness.press("grace", closing.button("Close and send certificates"))
    assert "on their way to 2 nominees" in closed.text
    assert (await tick(harness, datetime(2026, 4, 1, 9, tzinfo=UTC)))[
        "nominations.certificates"
    ] == 2
    assert (await tick(harness, datetime(2026, 4, 1, 9, 1, tzinfo=UTC)))[
        "nominations.certificates"
    ] == 0
    certificates = await outbox(harness, "nominate.certificate:")
    assert sorted(r.member_id for r in certificates) == sorted([people["ada"], people["bob"]])
    for row in certificates:
        [button] = [
            b
            for block in row.payload["blocks"]
            if block["kind"] == "actions"
            for b in block["buttons"]
        ]
        pdf = pypdf.PdfReader(io.BytesIO(await file_at(harness, button["url"])))
        words = pdf.pages[0].extract_text()
        assert "Certificate of Nomination" in words and "Papin Prizes 2027" in words
        assert ("Ada Lovelace" in words) == (row.member_id == people["ada"])

    won = await harness.press("grace", "nominate.winner", str(ada))
    assert "winner" in won.text
    report = await harness.say("grace", "nominate report")
    assert "2026: 3 nominations, 2 consents, 1 shortlisted, 1 winners (first year)" in report.text
    assert len(await nominations(harness)) == 3 and bob
