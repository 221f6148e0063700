"""Moments on a calendar (every day, one day a week, the first working day of a quarter) at a
time of day in the configured time zone, and the latest one due.

A calendar job's period is its latest moment due: a replica that was down at 09:00 finds the
morning's moment still unclaimed when it comes back and catches up, but never an older one.
09:00 stays 09:00 local time across daylight-saving changes; a time the clocks skip that day
(02:30 when they go from 02:00 to 03:00) comes as late as the clocks allow, a time they pass
twice comes the first time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.settings import Settings

# Saturday and Sunday (Monday is 0): a quarter's first working day is never one of them.
WEEKEND = (5, 6)
QUARTER_MONTHS = (1, 4, 7, 10)
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Due:
    """One moment of a calendar that has come: `slot` names it in job_runs (its local date's
    ordinal: consecutive days are consecutive slots, as job_runs' pruning expects), `at` is
    the moment in the calendar's zone."""

    slot: int
    at: datetime

    @property
    def day(self) -> date:
        return self.at.date()


@dataclass(frozen=True)
class Calendar:
    """Days (`days(today)` gives the candidate days, newest first) at `at` in `zone`.

    `grace`: a moment missed by more than this is not caught up (a pulse switched on in the
    middle of a quarter waits for the next quarter); None catches up until the next moment.
    """

    zone: ZoneInfo
    at: time
    days: Callable[[date], Iterator[date]]
    grace: timedelta | None = None

    def moment(self, day: date) -> datetime:
        """`at` on `day` in the zone, as the clocks show it."""
        naive = datetime.combine(day, self.at)
        # Through UTC and back: a skipped time (fold 0 reads it with the offset before the
        # change) becomes the real moment an hour later; a repeated time stays the first.
        return naive.replace(tzinfo=self.zone).astimezone(UTC).astimezone(self.zone)

    def latest(self, now: datetime) -> Due | None:
        """The newest moment at or before `now`, or None when it is past its grace."""
        today = now.astimezone(self.zone).date()
        for day in self.days(today):
            moment = self.moment(day)
            if moment <= now:
                if self.grace is not None and now - moment > self.grace:
                    return None
                return Due(slot=day.toordinal(), at=moment)
        return None


def _every_day(today: date) -> Iterator[date]:
    yield today
    yield today - timedelta(days=1)


def _weekly(weekday: int) -> Callable[[date], Iterator[date]]:
    def days(today: date) -> Iterator[date]:
        this_week = today - timedelta(days=(today.weekday() - weekday) % 7)
        yield this_week
        yield this_week - timedelta(days=7)

    return days


def quarter_start(day: date) -> date:
    return date(day.year, QUARTER_MONTHS[(day.month - 1) // 3], 1)


def previous_quarter_start(day: date) -> date:
    return quarter_start(quarter_start(day) - timedelta(days=1))


def quarter_number(day: date) -> int:
    """The quarter a day is in, as stored: 20261 for January to March 2026."""
    return day.year * 10 + (day.month - 1) // 3 + 1


def first_working_day(day: date) -> date:
    while day.weekday() in WEEKEND:
        day += timedelta(days=1)
    return day


def _quarterly(today: date) -> Iterator[date]:
    this_quarter = quarter_start(today)
    yield first_working_day(this_quarter)
    yield first_working_day(previous_quarter_start(this_quarter))


def daily(settings: Settings) -> Calendar:
    """Every day at the digest time."""
    return Calendar(settings.zone, settings.digest_at[1], _every_day)


# The weekly digest comes late by at most this much (a restart, a short outage); a server
# down for longer, or installed in the middle of the week, waits for the next digest day
# rather than sending Monday's digest on a Friday evening.
DIGEST_GRACE = timedelta(days=2)


def weekly(settings: Settings) -> Calendar:
    """The digest's day of the week, at the digest time."""
    weekday, at = settings.digest_at
    return Calendar(settings.zone, at, _weekly(weekday))


def digest_days(settings: Settings) -> Calendar:
    """The weekly digest's calendar: `weekly`, caught up within DIGEST_GRACE only."""
    return replace(weekly(settings), grace=DIGEST_GRACE)


# A quarter's pulse missed by more than this waits for the next quarter.
PULSE_GRACE = timedelta(days=14)


def quarterly(settings: Settings) -> Calendar:
    """The first working day of each quarter (Monday to Friday), at the digest time."""
    return Calendar(settings.zone, settings.digest_at[1], _quarterly, grace=PULSE_GRACE)
