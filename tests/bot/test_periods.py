"""Reading the period a lead typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import messages as m
from bot.cx.periods import is_period, parse_period, quarter_of
from bot.errors import BadInput

UTC_ZONE = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 5, 20, 10, 30, tzinfo=UTC)


def test_rolling_periods_end_now_and_compare_with_the_same_length_before() -> None:
    period = parse_period("7d", zone=UTC_ZONE, now=NOW)
    assert (period.start, period.end) == (NOW - timedelta(days=7), NOW)
    assert (period.previous.start, period.previous.end) == (NOW - timedelta(days=14), period.start)
    assert period.label == "last 7 days"


def test_thirty_days_is_the_default_and_case_does_not_matter() -> None:
    assert parse_period("", zone=UTC_ZONE, now=NOW).days == 30
    assert parse_period(" 90D ", zone=UTC_ZONE, now=NOW).days == 90


def test_quarter_is_this_quarter_so_far_from_local_midnight() -> None:
    period = parse_period("quarter", zone=PARIS, now=NOW)
    # 1 April 00:00 in Paris (summer time, UTC+2) is 31 March 22:00 UTC.
    assert period.start == datetime(2026, 3, 31, 22, tzinfo=UTC)
    assert period.end == NOW
    assert period.previous.end == period.start
    assert period.previous.length == period.length
    assert period.label == "Q2 2026 so far"


def test_a_date_range_takes_whole_local_days_both_included() -> None:
    period = parse_period("2026-01-01..2026-03-31", zone=PARIS, now=NOW)
    assert period.start == datetime(2025, 12, 31, 23, tzinfo=UTC)
    # 1 April, Paris summer time: the range ends at 31 March 22:00 UTC.
    assert period.end == datetime(2026, 3, 31, 22, tzinfo=UTC)
    assert period.previous.end == period.start
    assert period.label == "1 Jan 2026 to 31 Mar 2026"
    one_day = parse_period("2026-02-03..2026-02-03", zone=UTC_ZONE, now=NOW)
    assert one_day.days == 1


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("forever", m.PERIOD_UNKNOWN),
        ("12d", m.PERIOD_UNKNOWN),
        ("2026-02-30..2026-03-31", m.PERIOD_BAD_DATE),
        ("2026-03-31..2026-01-01", m.PERIOD_BACKWARDS),
        ("2020-01-01..2026-03-31", m.PERIOD_TOO_LONG),
    ],
)
def test_a_period_that_cannot_be_read_gets_words_with_an_example(typed: str, words: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_period(typed, zone=UTC_ZONE, now=NOW)
    assert caught.value.message == words
    assert "cx-summary" in caught.value.message


def test_words_are_told_from_periods() -> None:
    assert all(map(is_period, ("7d", "30d", "90d", "quarter", "2026-01-01..2026-01-31")))
    assert not any(map(is_period, ("team", "tess", "@slack:T1:U1", "12d")))


def test_quarters_are_numbered_as_the_pulse_files_them() -> None:
    assert quarter_of(datetime(2026, 12, 31).date()) == 20264
    assert quarter_of(datetime(2026, 1, 1).date()) == 20261
