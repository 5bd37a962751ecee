"""Hostile and malformed requests cost nothing (issue 13, items 8 and 11)."""

from __future__ import annotations

import logging

import pytest

from tests.slack_fakes import SlackApp, signed
from tests.slack_fixtures import (  # noqa: F401
    fake_slack_fixture,
    slack_fixture,
    slack_runtime_fixture,
)


@pytest.mark.parametrize(
    "body, headers",
    [
        ("payload=%7Bnot-json", {}),
        ("payload=%7Bnot-json", {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=1"}),
        ('{"type": ', {"X-Slack-Request-Timestamp": "12ab", "X-Slack-Signature": "v0=x"}),
        (
            "token=x&response_url=https%3A%2F%2Fhooks.slack.com%2Fsecret\nINJECTED 1 MB"
            + "a" * 100_000,
            signed("something else", secret="not-the-secret"),
        ),
    ],
)
async def test_unsigned_or_malformed_requests_get_401_and_one_short_log_line(
    slack: SlackApp, body: str, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = await slack.client.post(
            "/slack/events",
            data=body.encode(),
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status == 401
    assert "hooks.slack.com" not in caplog.text and "INJECTED" not in caplog.text
    assert "not-json" not in caplog.text and "Traceback" not in caplog.text
    assert len(caplog.text) < 2000
