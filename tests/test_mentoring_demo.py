"""The demo network comes with a mentoring scheme and profiles that `mentor find` can use."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.harness import Harness
from handlers.mentoring.matching import WEIGHTS
from store import demo
from store.mentoring.models import MentoringProfile, Scheme, SchemeMember


async def test_demo_seed_gives_priya_cross_institution_suggestions(harness: Harness) -> None:
    async with harness.runtime.sessions() as session, session.begin():
        counts = await demo.seed(session, harness.runtime.clock.now(), WEIGHTS)
    assert counts["mentoring profiles"] > 10
    async with harness.runtime.sessions() as session:
        scheme = await session.scalar(select(Scheme))
        assert scheme is not None and scheme.short_name == "cims"
        members = await session.scalar(select(func.count()).select_from(SchemeMember))
        profiles = await session.scalar(select(func.count()).select_from(MentoringProfile))
        assert members == profiles == counts["mentoring profiles"]
    turn = await harness.say("priya", "mentor find")
    assert [b.label for b in turn.buttons].count("Request") == 5
    listed = turn.text.split("\n")[1:]
    others = [line for line in listed if line[:2].rstrip(".").isdigit() and "Northmoor" not in line]
    assert len(others) >= 4  # mostly other universities
    assert "RSciTech registered — you aim for RSciTech" in turn.text
    assert (
        "Cross-Institutional Mentoring Scheme: report"
        in (await harness.say("morgan", "mentor report")).text
    )
