"""`cxbot export ratings|requests`: the rows as CSV or JSON, streamed to a file or stdout.

Memory stays flat whatever the size: rows go from the database cursor to the output one at
a time. JSON is one array with an object per line, so the file is valid JSON (even with no
rows) and still reads line by line. Times are ISO 8601 in UTC.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, aclosing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from storage import export as rows
from storage.db import Database

# Smaller exports end before a bar could be read.
BAR_FROM_ROWS = 10_000


@dataclass(frozen=True)
class Kind:
    fields: tuple[str, ...]
    count: Callable[..., Any]
    stream: Callable[..., AsyncIterator[Sequence[Any]]]


KINDS = {
    "ratings": Kind(rows.RATING_FIELDS, rows.count_ratings, rows.ratings),
    "requests": Kind(rows.REQUEST_FIELDS, rows.count_requests, rows.requests),
}


class BadArgument(ValueError):
    """An argument the export cannot use, explained in one line."""


def add_parser(commands: Any) -> None:
    export = commands.add_parser("export", help="write ratings or requests as CSV or JSON")
    export.add_argument("what", choices=list(KINDS))
    export.add_argument(
        "--since",
        help="from this day (YYYY-MM-DD) or moment (e.g. 2026-03-01T09:00) on; UTC",
    )
    export.add_argument(
        "--until",
        help="up to the end of this day (YYYY-MM-DD), or up to this moment, not included; UTC",
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--out", help="the file to write (default: standard output)")


def moment(text: str, *, option: str, end_of_day: bool = False) -> datetime:
    """A day or an ISO datetime as an aware UTC datetime; a day given as the end of a
    window stands for the whole day, so it ends at the next midnight."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        try:
            return datetime.combine(day, time(), UTC) + timedelta(days=1 if end_of_day else 0)
        except OverflowError:
            raise BadArgument(f"{option} {text} is too far ahead") from None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise BadArgument(
            f"{option} {text!r} is not a date: write it as YYYY-MM-DD (e.g. 2026-03-01) or as"
            " a date and time (e.g. 2026-03-01T09:00, UTC unless an offset is given)"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def window(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    since = moment(args.since, option="--since") if args.since else None
    until = moment(args.until, option="--until", end_of_day=True) if args.until else None
    if since is not None and until is not None and since >= until:
        raise BadArgument(f"--since {args.since} is not before --until {args.until}")
    return since, until


async def run(
    args: argparse.Namespace, *, database: Callable[[], AbstractAsyncContextManager[Database]]
) -> int:
    """The export, with every argument checked before the database is opened."""
    try:
        since, until = window(args)
        _check_folder(args.out)
    except BadArgument as problem:
        print(f"cxbot: {problem}", file=sys.stderr)
        return 2
    try:
        written = await _export(args, since, until, database)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other command-line tools do;
        # stdout goes to /dev/null so Python's own flush at exit does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    if args.out is not None:
        print(f"Wrote {written:,} {args.what} to {args.out}.")
    return 0


async def _export(
    args: argparse.Namespace,
    since: datetime | None,
    until: datetime | None,
    database: Callable[[], AbstractAsyncContextManager[Database]],
) -> int:
    kind = KINDS[args.what]
    with _output(args.out) as out:
        async with database() as db, rows.snapshot(db) as session:
            total = None
            if _wants_bar(to_file=args.out is not None):
                total = await kind.count(session=session, since=since, until=until)
            bar = tqdm(
                total=total,
                desc=args.what,
                unit=" rows",
                unit_scale=True,
                file=sys.stderr,
                disable=total is None or total <= BAR_FROM_ROWS,
            )
            source = kind.stream(session=session, since=since, until=until)
            # Closed here, before the session, even when the reader went away mid-way.
            async with aclosing(source):
                with bar:
                    written = await _write(source, WRITERS[args.format](out, kind.fields), bar)
    return written


def _check_folder(path: str | None) -> None:
    if path is None:
        return
    folder = Path(path).absolute().parent
    if not folder.is_dir():
        raise BadArgument(f"--out {path}: the folder {folder} does not exist")


def _wants_bar(*, to_file: bool) -> bool:
    """A bar is for someone watching a terminal: never in a log or a pipe, and not over the
    rows themselves while they scroll by on that same terminal."""
    return sys.stderr.isatty() and (to_file or not sys.stdout.isatty())


async def _write(source: AsyncIterator[Sequence[Any]], writer: Writer, bar: tqdm) -> int:
    written = 0
    async for row in source:
        writer.row(row)
        written += 1
        if written % 1000 == 0:
            bar.update(1000)
    bar.update(written % 1000)
    writer.end()
    return written


@contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    """stdout, or a file that appears whole: rows go to a hidden file beside it, renamed
    into place once complete, so a failed export never leaves half a file or spoils the
    last good one."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    # Created readable by its owner only (mkstemp): the rows name people.
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with open(handle, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(partial, target)
    except BaseException:
        os.unlink(partial)
        raise


class Writer:
    def __init__(self, out: IO[str], fields: Sequence[str]) -> None:
        self.out, self.fields = out, fields

    def row(self, values: Sequence[Any]) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Closes what the format opened; nothing for most."""


class CsvWriter(Writer):
    def __init__(self, out: IO[str], fields: Sequence[str]) -> None:
        super().__init__(out, fields)
        self.csv = csv.writer(out)
        self.csv.writerow(fields)

    def row(self, values: Sequence[Any]) -> None:
        self.csv.writerow([_plain(value) for value in values])


class JsonWriter(Writer):
    def __init__(self, out: IO[str], fields: Sequence[str]) -> None:
        super().__init__(out, fields)
        self.separator = "[\n"

    def row(self, values: Sequence[Any]) -> None:
        record = dict(zip(self.fields, (_plain(value) for value in values), strict=True))
        self.out.write(self.separator + json.dumps(record, ensure_ascii=False))
        self.separator = ",\n"

    def end(self) -> None:
        self.out.write("[]\n" if self.separator == "[\n" else "\n]\n")


WRITERS: dict[str, type[Writer]] = {"csv": CsvWriter, "json": JsonWriter}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
