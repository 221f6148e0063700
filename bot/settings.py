"""One settings object, read once from the environment and passed down."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    database_url: str = Field(
        "sqlite+aiosqlite:///./cxbot.db", validation_alias=_env("CXBOT_DATABASE_URL")
    )
    port: int = Field(3000, ge=1, le=65535, validation_alias=_env("PORT"))
    host: str = Field("0.0.0.0", validation_alias=_env("CXBOT_HOST"))
    log_level: str = Field("INFO", validation_alias=_env("CXBOT_LOG_LEVEL"))

    slack_bot_token: str | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))
    slack_triage_channel: str | None = Field(None, validation_alias=_env("SLACK_TRIAGE_CHANNEL"))

    # How long a resolved request's rating card accepts taps.
    survey_open_days: int = Field(14, ge=1, validation_alias=_env("CXBOT_SURVEY_OPEN_DAYS"))
    # Someone asked to rate within this many days is not asked again (survey fatigue).
    survey_cooldown_days: int = Field(7, ge=0, validation_alias=_env("CXBOT_SURVEY_COOLDOWN_DAYS"))
    # A resolved request closes itself this many days later unless reopened.
    close_after_days: int = Field(5, ge=1, validation_alias=_env("CXBOT_CLOSE_AFTER_DAYS"))
    # How often the timed jobs look for work, in seconds.
    jobs_every_seconds: float = Field(900.0, ge=0.1, validation_alias=_env("CXBOT_JOBS_EVERY"))
    max_request_chars: int = Field(3000, ge=100, validation_alias=_env("CXBOT_MAX_REQUEST_CHARS"))

    # Outbox delivery.
    outbox_poll_seconds: float = Field(1.0, gt=0, validation_alias=_env("CXBOT_OUTBOX_POLL"))
    outbox_lease_seconds: float = Field(30.0, gt=0, validation_alias=_env("CXBOT_OUTBOX_LEASE"))
    outbox_max_attempts: int = Field(12, ge=1, validation_alias=_env("CXBOT_OUTBOX_MAX_ATTEMPTS"))
    outbox_batch: int = Field(50, ge=1, validation_alias=_env("CXBOT_OUTBOX_BATCH"))
    outbox_concurrency: int = Field(8, ge=1, validation_alias=_env("CXBOT_OUTBOX_CONCURRENCY"))

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def slack_missing(self) -> list[str]:
        missing = []
        if not self.slack_bot_token:
            missing.append("SLACK_BOT_TOKEN")
        if not self.slack_signing_secret:
            missing.append("SLACK_SIGNING_SECRET")
        return missing
