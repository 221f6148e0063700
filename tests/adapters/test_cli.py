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
