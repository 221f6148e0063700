"""The core's settings, read once from the environment and passed down.

They hold no platform secret: each platform reads its own (adapters/<platform>/settings.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The URL schemes a person may write, and the async driver each one means.
_DATABASE_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}
_DATABASE_FORMS = "use postgresql://user@host/database or sqlite:///path/to/cxbot.db"


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

    # How long a resolved request's rating card accepts taps.
    survey_open_days: int = Field(14, ge=1, validation_alias=_env("CXBOT_SURVEY_OPEN_DAYS"))
    # Someone asked to rate within this many days is not asked again (survey fatigue).
    survey_cooldown_days: int = Field(7, ge=0, validation_alias=_env("CXBOT_SURVEY_COOLDOWN_DAYS"))
    # A resolved request closes itself this many days later unless reopened.
    close_after_days: int = Field(5, ge=1, validation_alias=_env("CXBOT_CLOSE_AFTER_DAYS"))
    # How often the timed jobs look for work, in seconds.
    jobs_every_seconds: float = Field(900.0, ge=0.1, validation_alias=_env("CXBOT_JOBS_EVERY"))
    max_request_chars: int = Field(3000, ge=100, validation_alias=_env("CXBOT_MAX_REQUEST_CHARS"))
    # Sent and superseded messages are deleted this many days after they were written.
    keep_days: int = Field(14, ge=1, validation_alias=_env("CXBOT_KEEP_DAYS"))

    # Outbox delivery.
    outbox_poll_seconds: float = Field(1.0, gt=0, validation_alias=_env("CXBOT_OUTBOX_POLL"))
    outbox_lease_seconds: float = Field(30.0, gt=0, validation_alias=_env("CXBOT_OUTBOX_LEASE"))
    outbox_max_attempts: int = Field(12, ge=1, validation_alias=_env("CXBOT_OUTBOX_MAX_ATTEMPTS"))
    outbox_batch: int = Field(50, ge=1, validation_alias=_env("CXBOT_OUTBOX_BATCH"))
    outbox_concurrency: int = Field(8, ge=1, validation_alias=_env("CXBOT_OUTBOX_CONCURRENCY"))

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        """The URL with its async driver; the plain forms people copy from elsewhere work too."""
        value = value.strip()
        scheme, separator, rest = value.partition("://")
        if not separator:
            # Never echo the value: a URL that failed to parse may still hold a password.
            raise ValueError(f"it is not a database URL; {_DATABASE_FORMS}")
        driver = _DATABASE_DRIVERS.get(scheme.lower())
        if driver is None:
            raise ValueError(f"{scheme}:// is not supported; {_DATABASE_FORMS}")
        url = f"{driver}://{rest}"
        try:
            make_url(url)
        except (ArgumentError, ValueError):
            raise ValueError(f"it cannot be read as a database URL; {_DATABASE_FORMS}") from None
        return url

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            names = ", ".join(LOG_LEVELS[:-1]) + f" or {LOG_LEVELS[-1]}"
            raise ValueError(f"{value!r} is not a log level; use {names}")
        return level


# pydantic's error types, said the way a person setting an environment variable reads them.
_READABLE = {
    "int_parsing": "{input!r} is not a whole number",
    "int_from_float": "{input!r} is not a whole number",
    "float_parsing": "{input!r} is not a number",
    "bool_parsing": "{input!r} is not true or false",
    "greater_than_equal": "{input!r} is too small: it must be at least {ge}",
    "greater_than": "{input!r} is too small: it must be more than {gt}",
    "less_than_equal": "{input!r} is too big: it must be at most {le}",
    "less_than": "{input!r} is too big: it must be less than {lt}",
}


def explain(error: ValidationError, settings: type[BaseSettings] = Settings) -> list[str]:
    """One line per wrong setting, named by its environment variable, for `cxbot` to print."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "a setting"
        lines.append(f"{_variable(settings, name)} is wrong: {_reason(problem)}")
    return lines


def _variable(settings: type[BaseSettings], name: str) -> str:
    field = settings.model_fields.get(name)
    if field is not None and isinstance(field.validation_alias, AliasChoices):
        return str(field.validation_alias.choices[0])
    return name


def _reason(problem: Any) -> str:
    if problem["type"] == "value_error":
        # Our own validators' words, which never repeat a value that could be secret.
        return str(problem["ctx"]["error"])
    template = _READABLE.get(problem["type"])
    if template is None:
        return str(problem["msg"]).lower()
    return template.format(input=problem.get("input"), **problem.get("ctx", {}))
