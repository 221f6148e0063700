"""Calendar moments: the latest one due, in the configured zone, across daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from bot.jobs import calendar
from bot.jobs.calendar import Due
from bot.jobs.scheduler import Job, Scheduler
from bot.settings import Settings
from storage import jobs as job_store
from storage.db import Database

PARIS = ZoneInfo("Europe/Paris")


def settings(**values: str) -> Settings:
    return Settings(**values)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def slot_on(year: int, month: int, day: int) -> int:
    """The job_runs slot of a calendar moment on that local date."""
    return date(year, month, day).toordinal()


def test_the_weekly_moment_is_the_latest_monday_at_nine() -> None:
    weekly = calendar.weekly(settings())  # Monday 09:00 UTC by default
    monday = utc(2026, 12, 7, 9, 0)
    assert weekly.latest(monday) == Due(slot_on(2026, 12, 7), monday)
    assert weekly.latest(monday - timedelta(seconds=1)) == Due(
        slot_on(2026, 11, 30), utc(2026, 11, 30, 9)
    )
    assert weekly.latest(utc(2026, 12, 9, 15, 30)).slot == slot_on(2026, 12, 7)  # Wednesday
    assert weekly.latest(utc(2026, 12, 14, 8, 59)).slot == slot_on(2026, 12, 7)  # next Monday
    assert weekly.latest(utc(2026, 12, 14, 9, 0)).slot == slot_on(2026, 12, 14)


def test_the_digest_comes_late_by_two_days_at_most_never_on_a_friday_evening() -> None:
    digest = calendar.digest_days(settings())  # Monday 09:00 UTC by default
    # A restart or an outage: it still comes, up to two days late.
    assert digest.latest(utc(2026, 12, 9, 9, 0)).slot == slot_on(2026, 12, 7)  # Wednesday
    # Later (or a server installed mid-week): it waits for the next Monday.
    assert digest.latest(utc(2026, 12, 9, 9, 1)) is None
    assert digest.latest(utc(2026, 12, 11, 22, 40)) is None  # Friday evening
    assert digest.latest(utc(2026, 12, 14, 9, 0)).slot == slot_on(2026, 12, 14)


def test_the_day_and_time_are_read_in_the_configured_zone() -> None:
    weekly = calendar.weekly(
        settings(
            CXBOT_TIMEZONE="Europe/Paris", CXBOT_DIGEST_DAY="friday", CXBOT_DIGEST_TIME="07:30"
        )
    )
    # Friday 11 December 2026, 07:30 in Paris is 06:30 UTC (winter time, UTC+1).
    assert weekly.latest(utc(2026, 12, 11, 6, 29)).slot == slot_on(2026, 12, 4)
    due = weekly.latest(utc(2026, 12, 11, 6, 30))
    assert due is not None and due.slot == slot_on(2026, 12, 11)
    assert due.at.tzinfo == PARIS and (due.at.hour, due.at.minute) == (7, 30)
    # Thursday 23:00 UTC is already Friday 08:00 in Tokyo: that Friday's 07:00 is due.
    tokyo = calendar.weekly(
        settings(CXBOT_TIMEZONE="Asia/Tokyo", CXBOT_DIGEST_DAY="fri", CXBOT_DIGEST_TIME="07:00")
    )
    assert tokyo.latest(utc(2026, 12, 10, 23, 0)).slot == slot_on(2026, 12, 11)


def test_nine_oclock_stays_nine_oclock_local_across_daylight_saving() -> None:
    weekly = calendar.weekly(settings(CXBOT_TIMEZONE="Europe/Paris"))
    # Paris moves to summer time on Sunday 29 March 2026: 09:00 is 08:00 UTC before, 07:00 after.
    before = weekly.latest(utc(2026, 3, 23, 8, 0))
    after = weekly.latest(utc(2026, 3, 30, 7, 0))
    assert before is not None and after is not None
    assert before.at.astimezone(UTC) == utc(2026, 3, 23, 8, 0)
    assert after.at.astimezone(UTC) == utc(2026, 3, 30, 7, 0)
    assert weekly.latest(utc(2026, 3, 30, 6, 59)).slot == slot_on(2026, 3, 23)
    # And back on Sunday 25 October 2026.
    assert weekly.latest(utc(2026, 10, 26, 7, 59)).slot == slot_on(2026, 10, 19)
    assert weekly.latest(utc(2026, 10, 26, 8, 0)).slot == slot_on(2026, 10, 26)


def test_a_time_the_clocks_skip_comes_when_they_allow_and_a_repeated_one_comes_once() -> None:
    daily = calendar.daily(settings(CXBOT_TIMEZONE="Europe/Paris", CXBOT_DIGEST_TIME="02:30"))
    # 29 March 2026: 02:00 → 03:00 in Paris; there is no 02:30, it comes at 03:30 (01:30 UTC).
    assert daily.latest(utc(2026, 3, 29, 1, 29)).slot == slot_on(2026, 3, 28)
    assert daily.latest(utc(2026, 3, 29, 1, 30)).slot == slot_on(2026, 3, 29)
    # 25 October 2026: 03:00 → 02:00; 02:30 happens twice, the day's moment is the first.
    assert daily.latest(utc(2026, 10, 25, 0, 29)).slot == slot_on(2026, 10, 24)
    first = daily.latest(utc(2026, 10, 25, 0, 30))
    second = daily.latest(utc(2026, 10, 25, 1, 30))
    assert first == second and first is not None and first.slot == slot_on(2026, 10, 25)


def test_the_quarter_starts_on_its_first_working_day() -> None:
    quarterly = calendar.quarterly(settings())
    # 1 October 2026 is a Thursday; 1 January 2028 a Saturday, so Monday 3 January.
    assert quarterly.latest(utc(2026, 10, 1, 9, 0)).slot == slot_on(2026, 10, 1)
    assert quarterly.latest(utc(2026, 10, 1, 8, 59)) is None  # July's is past its grace
    assert quarterly.latest(utc(2028, 1, 2, 12, 0)) is None  # Q4's was three months ago
    assert quarterly.latest(utc(2028, 1, 3, 9, 0)).slot == slot_on(2028, 1, 3)
    assert calendar.first_working_day(date(2028, 4, 1)) == date(2028, 4, 3)


def test_a_pulse_missed_by_more_than_its_grace_waits_for_the_next_quarter() -> None:
    quarterly = calendar.quarterly(settings())
    late = utc(2026, 10, 1, 9, 0) + calendar.PULSE_GRACE
    assert quarterly.latest(late).slot == slot_on(2026, 10, 1)
    assert quarterly.latest(late + timedelta(seconds=1)) is None


def test_quarters_are_numbered_by_year_and_quarter() -> None:
    assert calendar.quarter_number(date(2026, 12, 31)) == 20264
    assert calendar.previous_quarter_start(date(2027, 1, 4)) == date(2026, 10, 1)
    assert calendar.quarter_number(calendar.previous_quarter_start(date(2026, 2, 1))) == 20254


async def test_a_calendar_job_runs_once_per_moment_on_a_frozen_clock(db: Database) -> None:
    runs: list[str] = []

    async def run() -> str:
        runs.append("ran")
        return "ran"

    paris = settings(CXBOT_TIMEZONE="Europe/Paris", CXBOT_DIGEST_TIME="02:30")
    job = Job("nightly", 900, run, calendar=calendar.daily(paris))
    scheduler = Scheduler(db, [job])
    looks = [
        utc(2026, 3, 28, 1, 45),  # Saturday 02:45 in Paris: the day's moment
        utc(2026, 3, 28, 12, 0),
        utc(2026, 3, 29, 1, 15),  # Sunday 03:15 summer time: 02:30 has not come yet
        utc(2026, 3, 29, 1, 30),  # 03:30: as late as the skipped 02:30 can come
        utc(2026, 3, 29, 1, 45),
        utc(2026, 3, 30, 0, 30),  # Monday 02:30 summer time
    ]
    for moment in looks:
        with time_machine.travel(moment, tick=False):
            await scheduler.fire(job)
    async with db.read() as session:
        slots = [r.slot for r in await job_store.runs(session=session, job="nightly")]
    assert (
        slots == [slot_on(2026, 3, 28), slot_on(2026, 3, 29), slot_on(2026, 3, 30)]
        and len(runs) == 3
    )


def test_the_start_up_log_says_what_leads_get_and_when() -> None:
    from bot.jobs.timetable import schedule_line

    line = schedule_line(settings(CXBOT_DIGEST_DAY="Friday", CXBOT_TIMEZONE="Europe/Paris"))
    assert "weekly digest: every Friday at 09:00 Europe/Paris" in line
    assert "daily low scores off" in line and "quarterly pulse off" in line
    quiet = schedule_line(settings(CXBOT_WEEKLY_DIGEST="0", CXBOT_QUARTERLY_PULSE="1"))
    assert "weekly digest: off" in quiet and "quarterly pulse on" in quiet
