"""Logging: JSON lines for machines (production), readable lines for people (development).

Every line logged while a turn runs carries that turn's request id, so one
turn's lines can be found together, and the reference in a member's apology is
the same id. The one INFO line per turn says which platform, which command (the
route, never the words typed), how long and how it ended; no message text and
no personal data are logged at INFO.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
# A line per tick, or per migration plugin, is noise.
QUIET = ("apscheduler", "alembic", "aiohttp.access")


class RequestIdFilter(logging.Filter):
    """Stamps each record with the request id of the turn it was logged in, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        record.request_id = request_id
        record.request_tag = f" [{request_id}]" if request_id else ""
        return True


class _Json(JsonFormatter):
    def process_log_record(self, log_data: dict[str, object]) -> dict[str, object]:
        log_data.pop("request_tag", None)
        if log_data.get("request_id") is None:
            log_data.pop("request_id", None)
        return log_data


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return _Json(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter(TEXT_FORMAT)


def configure(kind: str, level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """Send every logger's lines to one stream (stderr) in the given format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(kind))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for chatty in QUIET:
        logging.getLogger(chatty).setLevel(logging.WARNING)


@contextmanager
def request(request_id: str) -> Iterator[None]:
    """Lines logged inside carry this request id."""
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)
