"""The cxbot command as an administrator uses it."""

from __future__ import annotations

import pytest

from adapters.cli import main


def test_roles_grant_list_revoke(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CXBOT_DATABASE_URL", database_url)
    assert main(["roles", "grant", "technician", "slack:T1:U42"]) == 0
    assert main(["roles", "grant", "technician", "slack:T1:U42"]) == 0
    assert main(["roles", "list"]) == 0
    assert main(["roles", "revoke", "technician", "slack:T1:U42"]) == 0
    out = capsys.readouterr().out
    assert "technician granted to slack:T1:U42." in out
    assert "Nothing to do: slack:T1:U42 already has technician." in out
    assert "technician  slack:T1:U42" in out
    assert "technician revoked from slack:T1:U42." in out


def test_a_grant_by_workspace_lands_on_the_grid_organisation(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After workspace T1 was seen inside organisation E1, its people are slack:E1:…; a
    grant typed with the workspace id must reach the same person."""
    import asyncio

    from bot.people import SlackOrganisations
    from storage.db import Database
    from storage.migrate import migrate

    async def join() -> None:
        db = Database(database_url)
        await migrate(db)
        await SlackOrganisations(db).joined("T1", "E1")
        await db.dispose()

    asyncio.run(join())
    monkeypatch.setenv("CXBOT_DATABASE_URL", database_url)
    assert main(["roles", "grant", "technician", "slack:T1:W42"]) == 0
    assert main(["roles", "list"]) == 0
    out = capsys.readouterr().out
    assert "technician granted to slack:E1:W42." in out
    assert "technician  slack:E1:W42" in out
    assert "slack:T1:W42" not in out.split("using")[-1]


def test_a_wrong_identity_is_explained(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CXBOT_DATABASE_URL", database_url)
    assert main(["roles", "grant", "lead", "U42"]) == 2
    assert "is not a platform identity" in capsys.readouterr().err


def test_an_unreachable_database_fails_fast_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CXBOT_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    with pytest.raises(SystemExit) as stopped:
        main(["migrate"])
    message = str(stopped.value)
    assert message.startswith("cxbot: cannot reach the database at postgresql+asyncpg://")
    assert "\n" not in message


async def _give_up_one(database_url: str) -> int:
    from storage import outbox
    from storage.db import Database
    from storage.migrate import migrate
    from tests.helpers import enqueue_messages

    db = Database(database_url)
    await migrate(db)
    dead, _ = await enqueue_messages(db, 2, title="x")
    async with db.write() as session:
        await outbox.mark_dead(session=session, message_id=dead, error="channel_not_found")
    await db.dispose()
    return dead


def test_outbox_status_and_retry(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    monkeypatch.setenv("CXBOT_DATABASE_URL", database_url)
    dead = asyncio.run(_give_up_one(database_url))
    assert main(["outbox", "status"]) == 0
    out = capsys.readouterr().out
    assert "pending: 1  sent: 0  dead: 1  superseded: 0" in out
    assert "oldest waiting:" in out
    assert f"#{dead} dead after 1 tries to person:slack:T1:U0: channel_not_found" in out
    assert main(["outbox", "retry", str(dead)]) == 0
    assert main(["outbox", "status"]) == 0
    assert "pending: 2  sent: 0  dead: 0" in capsys.readouterr().out
    assert main(["outbox", "retry", "999999"]) == 2


MALFORMED_URLS = [
    "garbage",
    "postgresql+psycopg2://postgres@127.0.0.1/cx",
    "sqlite+pysqlite:///./cx.db",
    "mysql://root@127.0.0.1/cx",
    "postgresql+asyncpg://postgres@127.0.0.1:notaport/cx",
]
EVERY_COMMAND = [["serve"], ["migrate"], ["roles", "list"], ["outbox", "status"], ["chat"]]


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.mark.parametrize("url", MALFORMED_URLS)
@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: c[0])
def test_a_malformed_database_url_is_one_line_naming_the_supported_forms(
    url: str,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CXBOT_DATABASE_URL", url)
    assert main(command) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("cxbot: CXBOT_DATABASE_URL ")
    assert "postgresql://" in line and "sqlite:///" in line
    assert "Traceback" not in line and "pydantic" not in line


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        (
            "postgresql://postgres@db.example:5432/cx",
            "postgresql+asyncpg://postgres@db.example:5432/cx",
        ),
        ("postgres://u:p%40ss@db.example/cx", "postgresql+asyncpg://u:p%40ss@db.example/cx"),
        (
            "postgresql+asyncpg://postgres@db.example/cx",
            "postgresql+asyncpg://postgres@db.example/cx",
        ),
        ("sqlite:///./cx.db", "sqlite+aiosqlite:///./cx.db"),
        ("sqlite:////var/lib/cxbot/cx.db", "sqlite+aiosqlite:////var/lib/cxbot/cx.db"),
        ("sqlite+aiosqlite:///./cx.db", "sqlite+aiosqlite:///./cx.db"),
    ],
)
def test_the_plain_database_url_forms_get_the_async_driver(
    given: str, meant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.settings import Settings

    monkeypatch.setenv("CXBOT_DATABASE_URL", given)
    assert Settings().database_url == meant


def test_a_plain_database_url_works_end_to_end(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = database_url.replace("+aiosqlite", "").replace("+asyncpg", "")
    assert plain.startswith(("sqlite:///", "postgresql://"))
    monkeypatch.setenv("CXBOT_DATABASE_URL", plain)
    assert main(["migrate"]) == 0
    assert main(["roles", "grant", "lead", "slack:T1:U7"]) == 0
    assert "lead granted to slack:T1:U7." in capsys.readouterr().out


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: c[0])
def test_an_unknown_log_level_is_refused_in_one_line(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CXBOT_LOG_LEVEL", "LOUD")
    assert main(command) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("cxbot: CXBOT_LOG_LEVEL ")
    assert "LOUD" in line and "DEBUG, INFO, WARNING, ERROR or CRITICAL" in line


@pytest.mark.parametrize("level", ["debug", "Warning", "ERROR", " info "])
def test_log_levels_are_taken_in_any_case(level: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    monkeypatch.setenv("CXBOT_LOG_LEVEL", level)
    assert Settings().log_level == level.strip().upper()


def test_each_wrong_setting_is_one_readable_line_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "eighty")
    monkeypatch.setenv("CXBOT_LOG_LEVEL", "LOUD")
    monkeypatch.setenv("CXBOT_SURVEY_OPEN_DAYS", "0")
    assert main(["migrate"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3, lines
    by_name = {line.split()[1]: line for line in lines}
    assert set(by_name) == {"PORT", "CXBOT_LOG_LEVEL", "CXBOT_SURVEY_OPEN_DAYS"}
    assert "'eighty'" in by_name["PORT"] and "whole number" in by_name["PORT"]
    assert "at least 1" in by_name["CXBOT_SURVEY_OPEN_DAYS"]
    for line in lines:
        assert "For further information" not in line and "input_value" not in line


def test_a_password_in_a_wrong_database_url_is_not_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CXBOT_DATABASE_URL", "mysql://root:hunter22@127.0.0.1/cx")
    assert main(["migrate"]) == 2
    assert "hunter22" not in capsys.readouterr().err


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: c[0])
def test_a_sqlite_file_in_a_missing_folder_says_the_folder_does_not_exist(
    command: list[str], tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "not" / "made"
    monkeypatch.setenv("CXBOT_DATABASE_URL", f"sqlite+aiosqlite:///{folder / 'cx.db'}")
    with pytest.raises(SystemExit) as stopped:
        main(command)
    assert str(stopped.value) == (
        f"cxbot: the folder {folder} does not exist; check CXBOT_DATABASE_URL"
    )


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: c[0])
def test_a_sqlite_file_in_a_read_only_folder_says_cxbot_cannot_write_there(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # /proc/sys exists on every Linux machine and no one, not even root, may create files in it.
    monkeypatch.setenv("CXBOT_DATABASE_URL", "sqlite:////proc/sys/cx.db")
    with pytest.raises(SystemExit) as stopped:
        main(command)
    assert str(stopped.value) == (
        "cxbot: cxbot cannot write to the folder /proc/sys; check CXBOT_DATABASE_URL"
    )


def test_a_sqlite_file_under_a_file_says_that_is_not_a_folder(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    monkeypatch.setenv("CXBOT_DATABASE_URL", f"sqlite:///{a_file / 'cx.db'}")
    with pytest.raises(SystemExit) as stopped:
        main(["migrate"])
    assert str(stopped.value) == (
        f"cxbot: {a_file} is a file, not a folder; check CXBOT_DATABASE_URL"
    )


def test_roles_work_for_teams_identities_in_either_case(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from storage import people as people_store
    from storage.db import Database

    monkeypatch.setenv("CXBOT_DATABASE_URL", database_url)
    tenant, user = "72F988BF-86F1-41AF-91AB-2D7CD011DB47", "29C6A8C2-1E1B-4D53-9A5A-6E0E2B1C9F10"
    assert main(["roles", "grant", "technician", f"teams:{tenant}:{user}"]) == 0
    stored = f"teams:{tenant.lower()}:{user.lower()}"
    assert f"technician granted to {stored}." in capsys.readouterr().out

    async def name_them() -> None:
        db = Database(database_url)
        async with db.write() as session:
            await people_store.remember_name(session=session, identity=stored, name="Tess Tech")
        await db.dispose()

    asyncio.run(name_them())
    assert main(["roles", "list"]) == 0
    assert f"technician  {stored}  (Tess Tech)" in capsys.readouterr().out
