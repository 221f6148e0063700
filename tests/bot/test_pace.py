"""Pace: after a platform's first "too many", no second holds more sends than it accepted."""

from __future__ import annotations

from bot.dispatch import Pace


def test_unlimited_until_told_otherwise() -> None:
    pace = Pace()
    assert [pace.book(10.0) for _ in range(100)] == [10.0] * 100


def test_after_a_429_each_second_holds_what_was_accepted() -> None:
    pace = Pace()
    for n in range(3):
        pace.taken(pace.book(100.0 + n * 0.1))
    pace.book(100.3)  # the fourth was refused
    pace.limited(100.35)
    assert pace.limit == 3
    booked = [pace.book(100.4) for _ in range(7)]
    every = [100.0, 100.1, 100.2, *booked]  # what the platform takes
    for n in range(3, len(every)):
        assert every[n] - every[n - 3] >= 1.0, every  # never four inside one second
    assert booked[-1] < 103.5  # ten sends at three a second: done early in the fourth second


def test_a_limit_is_forgotten_after_a_quiet_spell() -> None:
    pace = Pace()
    pace.taken(pace.book(0.0))
    pace.limited(0.5)
    assert pace.limit == 1
    assert pace.book(0.6) > 0.6
    assert pace.book(0.6 + Pace.FORGET_AFTER + 1) == 0.6 + Pace.FORGET_AFTER + 1
    assert pace.limit is None
