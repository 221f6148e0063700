"""Every timed job the server runs, and when: one list, for `Scheduler`."""

from __future__ import annotations

from bot.desk import Desk
from bot.jobs import calendar
from bot.jobs.digests import Digests
from bot.jobs.housekeeping import Housekeeping
from bot.jobs.scheduler import Job, Mailing
from bot.settings import Settings
from storage.db import Database


def timetable(
    *, db: Database, settings: Settings, desk: Desk, housekeeping: Housekeeping
) -> list[Job | Mailing]:
    """Jobs that look for work every `jobs_every_seconds`, and jobs on the calendar in
    `CXBOT_TIMEZONE`: the follow-up reminder and the low scores daily, the leads' digest
    weekly, the pulse quarterly (the last three each switched on or off by a setting)."""
    every = settings.jobs_every_seconds
    daily, weekly = calendar.daily(settings), calendar.digest_days(settings)
    digests = Digests(db, settings, digest=desk.summaries.digest)
    jobs: list[Job | Mailing] = [
        Job("close-resolved", every, desk.requests.close_resolved),
        Job("prune", every, housekeeping.prune),
        Job("surveys", every, desk.surveys.expire_and_remind),
        Job("follow-up-reminders", every, desk.followups.remind, calendar=daily),
    ]
    if settings.weekly_digest:
        jobs.append(Mailing("weekly-digest", every, weekly, digests.weekly))
    if settings.daily_low_scores:
        jobs.append(Mailing("low-scores", every, daily, digests.low_scores))
    if settings.quarterly_pulse:
        jobs.append(Mailing("pulse", every, calendar.quarterly(settings), desk.pulse.prepare))
    return jobs


def schedule_line(settings: Settings) -> str:
    """What the leads get and when, for the log at start-up."""
    day = calendar.DAY_NAMES[settings.digest_at[0]]
    at = f"{settings.digest_time} {settings.timezone}"
    weekly = f"every {day} at {at}" if settings.weekly_digest else "off"
    return (
        f"Leads' weekly digest: {weekly}; follow-up reminders daily at {at};"
        f" daily low scores {'on' if settings.daily_low_scores else 'off'};"
        f" quarterly pulse {'on' if settings.quarterly_pulse else 'off'}"
        " (CXBOT_WEEKLY_DIGEST, CXBOT_DIGEST_DAY, CXBOT_DIGEST_TIME, CXBOT_TIMEZONE,"
        " CXBOT_DAILY_LOW_SCORES, CXBOT_QUARTERLY_PULSE)."
    )
