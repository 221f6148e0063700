"""`cxbot export` as an administrator runs it: exact files, clear refusals, flat memory."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from adapters.cli import main
from storage import bulk
from storage.db import Database
from storage.migrate import migrate
from tests.helpers import FIGURES
from tests.storage.test_export import seed

REPO = Path(__file__).resolve().parents[2]
CSV_RATINGS = (
    "request,rater,dimension,score,rated_at,comment\r\n"
    "IT-AAAA1,slack:T1:UANA,quality,5,2026-03-01T23:59:59.999999+00:00,"
    '"Quick, and he said ""hi"""\r\n'
    'IT-AAAA1,slack:T1:UANA,speed,4,2026-03-02T00:00:00+00:00,"Quick, and he said ""hi"""\r\n'
    "IT-BBBB2,slack:T1:UBEN,quality,2,2026-03-02T23:59:59.999999+00:00,\r\n"
    "IT-CCCC3,teams:t1:chloe,communication,1,2026-03-03T00:00:00+00:00,Nobody told me\r\n"
)
JSON_REQUESTS = (
    "[\n"
    '{"code": "IT-BBBB2", "requester": "slack:T1:UBEN", "assignee": null, "status": "received",'
    ' "title": "Nouvel écran, s\'il vous plaît", "created_at": "2026-03-02T00:00:00+00:00",'
    ' "resolved_at": null, "closed_at": null},\n'
    '{"code": "IT-CCCC3", "requester": "teams:t1:chloe", "assignee": "slack:T1:UTECH",'
    ' "status": "resolved", "title": "Printer, again",'
    ' "created_at": "2026-03-02T23:59:59.999999+00:00",'
    ' "resolved_at": "2026-03-03T05:00:00+00:00", "closed_at": null}\n'
    "]\n"
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def seeded(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    asyncio.run(_with_db(database_url, seed))
    monkeypatch.setenv("CXBOT_DATABASE_URL", database_url)
    return database_url


async def _with_db(url: str, work, *args) -> None:
    db = Database(url)
    try:
        await migrate(db)
        await work(db, *args)
    finally:
        await db.dispose()


def _export(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_ratings_as_csv_on_stdout(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _export(capsys, "ratings") == (0, CSV_RATINGS, "")


def test_requests_as_a_json_array_written_to_a_file(
    seeded: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "requests.json"
    argv = ("requests", "--since", "2026-03-02", "--until", "2026-03-02", "--format", "json")
    code, said, _ = _export(capsys, *argv, "--out", str(out))
    assert code == 0
    assert out.read_text(encoding="utf-8") == JSON_REQUESTS
    assert json.loads(JSON_REQUESTS)[1]["code"] == "IT-CCCC3"
    assert said == f"Wrote 2 requests to {out}.\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "a partial file"


def test_an_empty_export_is_still_valid(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _export(capsys, "ratings", "--since", "2030-01-01", "--format", "json")
    assert (code, out, json.loads(out)) == (0, "[]\n", [])
    code, out, _ = _export(capsys, "requests", "--until", "2020-01-01")
    assert (code, out) == (
        0,
        "code,requester,assignee,status,title,created_at,resolved_at,closed_at\r\n",
    )


@pytest.mark.parametrize(
    ("window", "kept"),
    [
        # A day is the whole day in UTC, at both ends.
        (("--since", "2026-03-02", "--until", "2026-03-02"), [1, 2]),
        (("--since", "2026-03-03"), [3]),
        (("--until", "2026-03-01"), [0]),
        # A moment: --since includes it, --until stops just before it.
        (("--since", "2026-03-02T23:59:59.999999"), [2, 3]),
        (("--until", "2026-03-02T23:59:59.999999"), [0, 1]),
        # An offset is turned into UTC; no offset means UTC.
        (("--since", "2026-03-02T01:00+01:00", "--until", "2026-03-02T00:00:00.000001Z"), [1]),
    ],
)
def test_since_and_until_edges(
    seeded: str, capsys: pytest.CaptureFixture[str], window: tuple[str, ...], kept: list[int]
) -> None:
    code, out, _ = _export(capsys, "ratings", *window)
    lines = CSV_RATINGS.splitlines(keepends=True)
    assert (code, out) == (0, "".join([lines[0], *(lines[1 + n] for n in kept)]))


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("--since", "2026-13-01"), "cxbot: --since '2026-13-01' is not a date: write it as"),
        (("--until", "yesterday"), "cxbot: --until 'yesterday' is not a date: write it as"),
        (("--since", "2026-03-02", "--until", "2026-03-01"), "cxbot: --since 2026-03-02 is not"),
        (("--since", "2026-03-02T10:00", "--until", "2026-03-02T10:00"), "cxbot: --since"),
        (("--until", "9999-12-31"), "cxbot: --until 9999-12-31 is too far ahead"),
        (("--out", "/no/such/folder/x.csv"), "cxbot: --out /no/such/folder/x.csv: the folder"),
    ],
)
def test_a_bad_argument_gets_one_line_and_status_2(
    seeded: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], said: str
) -> None:
    code, out, err = _export(capsys, "ratings", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(said)
    assert err.count("\n") == 1


def test_an_unknown_kind_or_format_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["export", "people"], ["export", "ratings", "--format", "xml"]):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2
        assert "invalid choice" in capsys.readouterr().err


async def _many_ratings(db: Database, count: int) -> None:
    """`count` ratings over count / 5 requests, from 2026-01-01 on, a second apart."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = await _next_request(db)
    requests = range(first, first + count // 5)
    async with db.write() as session:
        await bulk.add_requests(
            session=session,
            rows=(
                (n, f"IT-{n:08d}", f"slack:T1:U{n % 5000:05d}", f"Request {n}", "resolved",
                 "slack:T1:UTECH", start, start, start, start)
                for n in requests
            ),
        )  # fmt: skip
        await bulk.add_ratings(
            session=session,
            rows=(
                (n, f"slack:T1:U{n % 5000:05d}", dim, 1 + (n + k) % 5,
                 start + timedelta(seconds=5 * n + k))
                for n in requests
                for k, dim in enumerate(("quality", "speed", "knowledge", "approach", "comms"))
            ),
        )  # fmt: skip


async def _next_request(db: Database) -> int:
    from sqlalchemy import func, select

    from storage.models import Request

    async with db.read() as session:
        return 1 + int(await session.scalar(select(func.coalesce(func.max(Request.id), 0))))


def _on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """stderr as a terminal; set in the test itself, as pytest's capture resets sys.stderr
    between a fixture and the test."""
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    return screen


def test_a_large_export_to_a_file_shows_a_bar_on_a_terminal_only(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    asyncio.run(_with_db(database_url, _many_ratings, 10_005))
    terminal = _on_a_terminal(monkeypatch)
    monkeypatch.setenv("CXBOT_DATABASE_URL", database_url)
    out = tmp_path / "ratings.csv"
    assert main(["export", "ratings", "--out", str(out)]) == 0
    assert "ratings: 100%" in terminal.getvalue()
    assert "10.0k/10.0k" in terminal.getvalue()
    assert capsys.readouterr().out == f"Wrote 10,005 ratings to {out}.\n"
    assert len(out.read_text().splitlines()) == 10_006
    # Rows scrolling by on that same terminal would be drawn over: no bar then.
    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    terminal.truncate(0)
    assert main(["export", "ratings"]) == 0
    assert terminal.getvalue() == ""
    assert len(screen.getvalue().splitlines()) == 10_006
    # Nor in a log.
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    assert main(["export", "ratings", "--out", str(out)]) == 0
    assert log.getvalue() == ""


def test_a_small_export_shows_no_bar(
    seeded: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    terminal = _on_a_terminal(monkeypatch)
    assert main(["export", "ratings", "--out", str(tmp_path / "r.csv")]) == 0
    assert terminal.getvalue() == ""


def _peak_rss_of_export(database_url: str, out: Path) -> int:
    """The export run as its own process, to a file; its peak resident size in bytes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXBOT_")}
    env["CXBOT_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "adapters.cli", "export", "ratings", "--out", str(out)]
    with open(out.with_suffix(".err"), "w") as err:
        child = subprocess.Popen(command, cwd=REPO, env=env, stdout=err, stderr=err)
        # wait4 gives this one child's peak, where RUSAGE_CHILDREN keeps the largest so far.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, out.with_suffix(".err").read_text()
    return usage.ru_maxrss * 1024


@pytest.mark.slow
def test_a_million_ratings_export_in_the_memory_of_a_hundred_thousand(
    database_url: str, tmp_path: Path
) -> None:
    peaks = []
    for added, total in ((100_000, 100_000), (900_000, 1_000_000)):
        asyncio.run(_with_db(database_url, _many_ratings, added))
        out = tmp_path / f"{total}.csv"
        peaks.append(_peak_rss_of_export(database_url, out))
        with open(out, "rb") as written:
            assert sum(1 for _ in written) == total + 1
    small, large = peaks
    FIGURES[f"export peak MiB, 100k → 1M ratings ({database_url.split(':')[0]})"] = (
        f"{small / 2**20:.0f} → {large / 2**20:.0f}"
    )
    assert large <= small * 1.2 + 4 * 2**20, f"peak grew from {small:,} to {large:,} bytes"


def test_an_anonymous_rating_names_neither_person_nor_request(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_with_db(database_url, partial(seed, anonymous=frozenset({"IT-CCCC3"}))))
    monkeypatch.setenv("CXBOT_DATABASE_URL", database_url)
    for form in ("csv", "json"):
        code, out, _ = _export(capsys, "ratings", "--since", "2026-03-03", "--format", form)
        assert code == 0
        assert "chloe" not in out and "IT-CCCC3" not in out
        assert "Nobody told me" in out
    assert out == (
        '[\n{"request": null, "rater": null, "dimension": "communication", "score": 1,'
        ' "rated_at": "2026-03-03T00:00:00+00:00", "comment": "Nobody told me"}\n]\n'
    )
