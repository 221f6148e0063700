"""Slack's settings, read from the environment apart from the core's (which hold no secret)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SlackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    bot_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    signing_secret: str | None = Field(None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET"))
    app_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    api_url: str = Field("https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL"))
    # Where new requests are posted for IT to pick up (a channel id, e.g. C0123ABCD).
    triage_channel: str | None = Field(None, validation_alias=AliasChoices("SLACK_TRIAGE_CHANNEL"))

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token and self.signing_secret)

    @property
    def missing(self) -> list[str]:
        missing = []
        if not self.bot_token:
            missing.append("SLACK_BOT_TOKEN")
        if not self.signing_secret:
            missing.append("SLACK_SIGNING_SECRET")
        return missing

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """What logs must never show."""
        return (self.bot_token, self.signing_secret, self.app_token)
