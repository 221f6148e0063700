"""Shared fixtures: a clean database on SQLite, and on PostgreSQL when one is configured.

Set CXBOT_TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test) to run
every database test a second time on PostgreSQL.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.settings import Settings
from storage.db import Database
from storage.migrate import migrate
from tests.helpers import reset_postgres

POSTGRES_URL = os.environ.get("CXBOT_TEST_POSTGRES_URL", "").strip()
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
_OUR_VARIABLES = ("CXBOT_", "SLACK_", "MICROSOFT_", "TEAMS_", "PORT")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never inherit the developer's settings."""
    for name in list(os.environ):
        if name.startswith(_OUR_VARIABLES) and name != "CXBOT_TEST_POSTGRES_URL":
            monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture(autouse=True)
def root_logging() -> Iterator[None]:
    """`cxbot` commands run in a test set up the root logger for a terminal; put back what
    pytest had, or later tests log to a stream that was closed with the test's capture."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "postgresql":
        await reset_postgres(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'cxbot.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        survey_cooldown_days=0,
        outbox_poll_seconds=0.05,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    await migrate(database)
    yield database
    await database.dispose()


def pytest_terminal_summary(terminalreporter) -> None:
    from tests.helpers import FIGURES

    for name, value in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{name}: {value}")
