"""Configuration from the environment (and `.env`), as listed in DESIGN.md."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_DAYS = 3650  # ten years: beyond that a retention setting is a typo, not a policy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./benchmate.db"
    benchmate_env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 3978
    # Web processes `serve` runs on the one port (the Heroku/gunicorn convention's name).
    web_concurrency: int = Field(default=1, ge=1, le=64)
    benchmate_timezone: str = "Europe/London"
    benchmate_public_url: str = "http://127.0.0.1:3978"
    # Event announcements to the whole network one champion may send per day.
    benchmate_broadcasts_per_day: int = 3
    # The network's name, as certificates of nomination and exports print it.
    benchmate_network_name: str = "The Technician Network"

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_client_id: str | None = None
    slack_client_secret: str | None = None

    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_tenant_id: str | None = None
    microsoft_app_type: str = "SingleTenant"

    test_database_url: str | None = None

    # Operations: log lines as JSON (default in production) or text; a worker's probe port.
    benchmate_log_format: Literal["json", "text"] | None = None
    benchmate_metrics_port: int | None = Field(default=None, ge=1, le=65535)

    # Retention, in days: what the daily job removes once it is this old (bot/retention.py).
    benchmate_retain_outbox_days: int = Field(default=30, ge=1, le=MAX_DAYS)
    benchmate_retain_closed_notes_days: int = Field(default=730, ge=30, le=MAX_DAYS)
    benchmate_retain_event_ledgers_days: int = Field(default=730, ge=30, le=MAX_DAYS)
    benchmate_retain_paged_replies_days: int = Field(default=30, ge=1, le=MAX_DAYS)
    benchmate_retain_receipts_days: int = Field(default=7, ge=1, le=MAX_DAYS)

    @field_validator("benchmate_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        ZoneInfo(value)  # raises for an unknown zone, so a typo fails at start-up
        return value

    @property
    def log_format(self) -> str:
        return self.benchmate_log_format or ("json" if self.is_production else "text")

    @property
    def is_production(self) -> bool:
        return self.benchmate_env == "production"

    @property
    def public_url(self) -> str:
        return self.benchmate_public_url.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_problem(problem: ValidationError) -> str:
    """A start-up refusal a person can act on: which variable, what is wrong, what was given."""
    lines = ["Benchmate can't start: some settings are not valid."]
    for error in problem.errors():
        name = ".".join(str(part) for part in error["loc"]).upper() or "settings"
        given = error.get("input")
        lines.append(f"  {name}: {error['msg'].lower()} (given: {given!r})")
    lines.append("Fix them in the environment or .env and start again.")
    return "\n".join(lines)
