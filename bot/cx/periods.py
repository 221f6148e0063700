"""The period a summary covers, from what a lead typed: `7d`, `30d`, `90d`, `quarter` or
`2026-01-01..2026-03-31`.

Every period is compared with the one just before it, of the same length. `quarter` is the
current calendar quarter so far (in the configured time zone): a lead asking in the middle
of a quarter wants to know how it is going, not how the last one went; the last full quarter
is a date range away (`2026-07-01..2026-09-30`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import messages as m
from bot.errors import BadInput

DEFAULT = "30d"
ROLLING = {"7d": 7, "30d": 30, "90d": 90}
# A range longer than this is most likely a typing mistake (2062 for 2026).
MAX_DAYS = 3 * 366
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|…)\s*(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, and how to name it to a person."""

    start: datetime
    end: datetime
    label: str

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - self.length, self.start, m.PERIOD_PREVIOUS)

    @property
    def days(self) -> float:
        return self.length / timedelta(days=1)


def is_period(word: str) -> bool:
    """True when `word` reads as a period (a scope word never does)."""
    word = word.strip().lower()
    return word in ROLLING or word == "quarter" or bool(_RANGE.match(word))


def parse_period(text: str, *, zone: ZoneInfo, now: datetime) -> Period:
    """The period `text` names (empty: the default); BadInput with an example otherwise."""
    word = text.strip().lower() or DEFAULT
    if word in ROLLING:
        days = ROLLING[word]
        return Period(now - timedelta(days=days), now, m.PERIOD_LAST_DAYS.format(days=days))
    if word == "quarter":
        return _quarter_so_far(zone, now)
    found = _RANGE.match(word)
    if found is None:
        raise BadInput(m.PERIOD_UNKNOWN)
    try:
        first, last = date.fromisoformat(found.group(1)), date.fromisoformat(found.group(2))
    except ValueError:
        raise BadInput(m.PERIOD_BAD_DATE) from None
    if last < first:
        raise BadInput(m.PERIOD_BACKWARDS)
    if (last - first).days >= MAX_DAYS:
        raise BadInput(m.PERIOD_TOO_LONG)
    label = m.PERIOD_RANGE.format(first=_day(first), last=_day(last))
    return Period(_midnight(first, zone), _midnight(last + timedelta(days=1), zone), label)


def quarter_of(day: date) -> int:
    """`20264` for a day in the last quarter of 2026 (how pulse answers are filed)."""
    return day.year * 10 + (day.month - 1) // 3 + 1


def _quarter_so_far(zone: ZoneInfo, now: datetime) -> Period:
    today = now.astimezone(zone).date()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    number = (first.month - 1) // 3 + 1
    return Period(
        _midnight(first, zone), now, m.PERIOD_QUARTER.format(number=number, year=first.year)
    )


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _day(day: date) -> str:
    return f"{day.day} {m.CHART_MONTHS[day.month - 1]} {day.year}"
