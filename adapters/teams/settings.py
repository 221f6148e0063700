"""Teams' settings, read from the environment apart from the core's (which hold no secret)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


class TeamsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    # The bot's Microsoft app (Entra ID) registration.
    app_id: str | None = Field(None, validation_alias=AliasChoices("MICROSOFT_APP_ID"))
    app_password: str | None = Field(None, validation_alias=AliasChoices("MICROSOFT_APP_PASSWORD"))
    app_tenant_id: str | None = Field(
        None, validation_alias=AliasChoices("MICROSOFT_APP_TENANT_ID")
    )
    app_type: str = Field("MultiTenant", validation_alias=AliasChoices("MICROSOFT_APP_TYPE"))
    # Unauthenticated traffic, for a local emulator and tests only (warned about at start-up).
    emulator: bool = Field(False, validation_alias=AliasChoices("CXBOT_TEAMS_EMULATOR"))
    # Where new requests are posted for IT to pick up: a Teams channel's conversation id
    # (19:…@thread.tacv2), once the app is installed in its team.
    triage_channel: str | None = Field(None, validation_alias=AliasChoices("TEAMS_TRIAGE_CHANNEL"))
    # Where the Bot Framework publishes the keys its tokens are signed with. Only tests and
    # sovereign clouds change it.
    openid_metadata_url: str | None = Field(
        None, validation_alias=AliasChoices("CXBOT_TEAMS_OPENID_METADATA_URL")
    )
    # What the Teams app package calls the bot, and where its pages are.
    app_name: str = Field("cxbot", validation_alias=AliasChoices("CXBOT_TEAMS_APP_NAME"))
    developer_name: str = Field(
        "IT support", validation_alias=AliasChoices("CXBOT_TEAMS_DEVELOPER_NAME")
    )
    website_url: str = Field(
        "https://example.com/cxbot", validation_alias=AliasChoices("CXBOT_TEAMS_WEBSITE_URL")
    )
    # Teams wants privacy and terms pages too; unset, the website above stands in for both.
    privacy_url: str | None = Field(None, validation_alias=AliasChoices("CXBOT_TEAMS_PRIVACY_URL"))
    terms_url: str | None = Field(None, validation_alias=AliasChoices("CXBOT_TEAMS_TERMS_URL"))
    # Raise it to upload a package again with changed settings; unset, cxbot's own version.
    app_version: str | None = Field(None, validation_alias=AliasChoices("CXBOT_TEAMS_APP_VERSION"))

    @property
    def enabled(self) -> bool:
        return bool(self.app_id) or self.emulator

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """What logs must never show."""
        return (self.app_password,)
