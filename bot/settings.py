"""The core's settings, read once from the environment and passed down.

They hold no platform secret: each platform reads its own (adapters/<platform>/settings.py).
"""

from __future__ import annotations

from datetime import time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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
    # The share of resolved requests whose requester is asked to rate (1 = all; 0.2 on a
    # large team asks one in five). Those left out are counted in the response rate.
    survey_sample_rate: float = Field(
        1.0, gt=0, le=1, validation_alias=_env("CXBOT_SURVEY_SAMPLE_RATE")
    )
    # A technician's own row in the summary appears from this many ratings (privacy: fewer
    # would let a lead guess who gave them).
    summary_min_ratings: int = Field(5, ge=1, validation_alias=_env("CXBOT_SUMMARY_MIN_RATINGS"))
    # Leads' digests and reminders go out in this time zone (an IANA name, e.g. Europe/Paris).
    timezone: str = Field("UTC", validation_alias=_env("CXBOT_TIMEZONE"))
    # The weekly digest: day and time (24-hour, in CXBOT_TIMEZONE); off with CXBOT_WEEKLY_DIGEST=0.
    weekly_digest: bool = Field(True, validation_alias=_env("CXBOT_WEEKLY_DIGEST"))
    digest_day: str = Field("mon", validation_alias=_env("CXBOT_DIGEST_DAY"))
    digest_time: str = Field("09:00", validation_alias=_env("CXBOT_DIGEST_TIME"))
    # Every day at CXBOT_DIGEST_TIME, the new low scores of the day before (seed 003:
    # "review results daily"). Open follow-ups are reminded daily whatever this says.
    daily_low_scores: bool = Field(False, validation_alias=_env("CXBOT_DAILY_LOW_SCORES"))
    # Once a quarter, everyone who had a request is asked about IT overall, anonymously.
    quarterly_pulse: bool = Field(False, validation_alias=_env("CXBOT_QUARTERLY_PULSE"))
    # A resolved request closes itself this many days later unless reopened.
    close_after_days: int = Field(5, ge=1, validation_alias=_env("CXBOT_CLOSE_AFTER_DAYS"))
    # How often the timed jobs look for work, in seconds.
    jobs_every_seconds: float = Field(900.0, ge=0.1, validation_alias=_env("CXBOT_JOBS_EVERY"))
    max_request_chars: int = Field(3000, ge=100, validation_alias=_env("CXBOT_MAX_REQUEST_CHARS"))
    # Sent and superseded messages are deleted this many days after they were written.
    keep_days: int = Field(14, ge=1, validation_alias=_env("CXBOT_KEEP_DAYS"))
    # The address people's chat apps reach this server at (https://cxbot.example.com):
    # Teams shows a card's chart by fetching it from `<this>/charts/<token>.png`. Unset,
    # a chart travels inside the card when it fits, and is left out when it does not.
    public_url: str | None = Field(None, validation_alias=_env("CXBOT_PUBLIC_URL"))

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

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        value = (value or "").strip().rstrip("/")
        if not value:
            return None
        address = urlsplit(value)
        if address.scheme.lower() not in ("https", "http") or not address.netloc:
            raise ValueError("it is not a web address; use https://your-server.example.com")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        value = value.strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone; use a name like Europe/Paris"
            ) from None
        return value

    @field_validator("digest_day")
    @classmethod
    def _known_day(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in DAYS:
            raise ValueError(f"{value!r} is not a day; use mon, tue, wed, thu, fri, sat or sun")
        return day

    @field_validator("digest_time")
    @classmethod
    def _known_time(cls, value: str) -> str:
        try:
            return time.fromisoformat(value.strip()).strftime("%H:%M")
        except ValueError:
            raise ValueError(f"{value!r} is not a time of day; use 24-hour HH:MM") from None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def digest_at(self) -> tuple[int, time]:
        """The weekly digest's weekday (Monday is 0) and time of day, in `zone`."""
        return DAYS.index(self.digest_day), time.fromisoformat(self.digest_time)

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
