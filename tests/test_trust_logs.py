"""No log line holds an anonymous answer next to who sent it; SQL parameters never logged."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from bot.harness import Harness
from bot.router import Router
from bot.runtime import Runtime
from handlers import build_router


async def test_a_failed_anonymous_form_is_logged_without_its_author_or_its_answer(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    router = build_router()
    broken = Router()

    @broken.form("survey.explode", anonymous=True)
    async def explode(ctx, submitted) -> None:  # type: ignore[no-untyped-def]
        raise ValueError(f"cannot store {submitted.fields['comment']!r}")

    router.include(broken)
    runtime.router = router
    harness = Harness(runtime)
    with caplog.at_level(logging.INFO):
        turn = await harness.submit("priya", "survey.explode", {"comment": "my manager is awful"})
    assert "something went wrong" in turn.text
    reference = turn.text.rsplit("reference: ", 1)[1].rstrip(".")
    assert reference in caplog.text and "ValueError" in caplog.text
    assert "my manager is awful" not in caplog.text
    assert "priya" not in caplog.text.lower()


async def test_sql_parameters_stay_out_of_errors_and_logs(runtime: Runtime) -> None:
    secret = "an anonymous comment"
    async with runtime.sessions() as session:
        with pytest.raises(StatementError) as failed:
            await session.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": secret})
    assert secret not in str(failed.value)
