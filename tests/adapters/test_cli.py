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
    from bot.views import Card, dump_card
    from storage import outbox
    from storage.db import Database
    from storage.migrate import migrate

    db = Database(database_url)
    await migrate(db)
    async with db.write() as session:
        row = await outbox.enqueue(
            session=session,
            platform="slack",
            op="post",
            target="person:slack:T1:U9",
            payload=dump_card(Card("x")),
        )
        await outbox.enqueue(
            session=session,
            platform="slack",
            op="post",
            target="person:slack:T1:U8",
            payload=dump_card(Card("y")),
        )
        await session.flush()
        await outbox.mark_dead(session=session, message_id=row.id, error="channel_not_found")
    await db.dispose()
    return row.id


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
    assert f"#{dead} dead after 1 tries to person:slack:T1:U9: channel_not_found" in out
    assert main(["outbox", "retry", str(dead)]) == 0
    assert main(["outbox", "status"]) == 0
    assert "pending: 2  sent: 0  dead: 0" in capsys.readouterr().out
    assert main(["outbox", "retry", "999999"]) == 2
