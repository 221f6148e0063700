"""The summary leads read (`/cx-summary [period] [scope]`), the weekly digest, and what a
technician sees of their own ratings (`/cx-me [period]`).

The figures come from storage/summary.py, one aggregate query each; this module picks the
period and the scope, puts names to identities, and hands the figures to the cards.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import messages as m
from bot.cx import summary_cards as cards
from bot.cx.chart import weekly_chart_image
from bot.cx.dimensions import DIMENSIONS
from bot.cx.periods import Period, is_period, parse_period, quarter_of
from bot.errors import BadInput, NotAllowed
from bot.people import Person
from bot.requests.usecases import people_in
from bot.settings import Settings
from bot.views import Card, Image
from storage import measured as measured_store
from storage import people as people_store
from storage import summary as store
from storage.db import Database
from storage.types import utcnow

# Week n of storage.summary.weekly starts on this Monday + n weeks.
_FIRST_MONDAY = date(1970, 1, 5)
SCOPE_TEAM = "team"


@dataclass(frozen=True)
class Scope:
    """The whole team (technician None), or one technician and the name they go by."""

    technician: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Figures:
    period: Period
    scope: Scope
    scores: dict[str, tuple[store.Scores, store.Scores]]
    responses: store.Responses
    measured: measured_store.Measured
    technicians: list[tuple[str, dict[str, tuple[float, int]]]]
    hidden: int
    follow_ups: tuple[int, list[tuple[str | None, str | None, int, datetime]]]
    comments: list[tuple[str | None, int | None, str, str | None]]
    pulse: tuple[int | None, dict[str, tuple[float, int]]]
    least: int
    now: datetime


class Summaries:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.clock: Callable[[], datetime] = utcnow

    async def summary(self, person: Person, text: str) -> Card:
        """`/cx-summary [period] [team | @technician | name]`, for leads and admins."""
        if not person.can_read_summary:
            raise NotAllowed(m.NOT_ALLOWED_SUMMARY)
        period_word, scope_words = _split(text)
        period = parse_period(period_word, zone=self.settings.zone, now=self.clock())
        scope = await self._scope(scope_words)
        figures = await self.figures(period, scope)
        if scope.technician is not None and _rated(figures.scores) < figures.least:
            return cards.too_few_card(figures, rated=_rated(figures.scores))
        return await self._with_chart(cards.summary_card(figures), period, scope)

    async def digest(self, *, days: int = 7) -> Card:
        """The team's summary for the last `days` days, for the weekly digest."""
        now = self.clock()
        period = Period(now - timedelta(days=days), now, m.PERIOD_LAST_DAYS.format(days=days))
        figures = await self.figures(period, Scope())
        return await self._with_chart(cards.summary_card(figures), period, Scope())

    async def mine(self, person: Person, text: str) -> Card:
        """`/cx-me [period]`: a technician's own averages beside the team's, and the comments
        on their requests; nobody else's figures, names or identities."""
        if not (person.can_work or person.can_read_summary):
            raise NotAllowed(m.NOT_ALLOWED_MINE)
        period_word, rest = _split(text)
        if rest:
            raise BadInput(m.MINE_USAGE)
        period = parse_period(period_word, zone=self.settings.zone, now=self.clock())
        async with self.db.read() as session:
            args = {"session": session, "start": period.start, "end": period.end}
            team = await store.scores(**args, before=period.previous.start)
            own = await store.scores(
                **args, before=period.previous.start, technician=person.identity
            )
            comments = await store.latest_comments(**args, technician=person.identity)
        # The technician's own feedback, never who gave it.
        anonymous = [(code, number, comment, None) for code, number, comment, _ in comments]
        return cards.mine_card(
            period, own, team, anonymous, least=self.settings.summary_min_ratings
        )

    async def _scope(self, words: str) -> Scope:
        if not words or words.lower() == SCOPE_TEAM:
            return Scope()
        async with self.db.read() as session:
            mentioned = people_in(words)
            if mentioned:
                names = await people_store.names_of(session=session, identities=mentioned[:1])
                return Scope(mentioned[0], names.get(mentioned[0], m.SCOPE_SOMEONE))
            # "@Tess Tech" typed without the platform's autocomplete is a name too.
            found = await store.technicians_named(session=session, name=words.lstrip("@ "))
        if not found:
            raise BadInput(m.SCOPE_UNKNOWN.format(words=words[:60]))
        if len(found) > 1:
            names = ", ".join(sorted(name for _, name in found))
            raise BadInput(m.SCOPE_AMBIGUOUS.format(words=words[:60], names=names))
        return Scope(*found[0])

    async def figures(self, period: Period, scope: Scope) -> Figures:
        """Every figure of the summary card, for the period and scope."""
        technician = scope.technician
        offset = zone_offset(self.settings, period.end)
        least = self.settings.summary_min_ratings
        args = {"start": period.start, "end": period.end, "technician": technician}
        async with self.db.read() as session:
            scores = await store.scores(session=session, before=period.previous.start, **args)
            responses = await store.responses(session=session, **args)
            measured = await measured_store.measured(session=session, offset=offset, **args)
            rows, hidden = (
                ([], 0)
                if technician
                else await store.technician_rows(
                    session=session, start=period.start, end=period.end, least=least
                )
            )
            follow_ups = await store.open_follow_ups(session=session, technician=technician)
            comments = await store.latest_comments(session=session, **args)
            quarter = quarter_of(period.end.astimezone(self.settings.zone).date())
            pulse = await store.pulse(session=session, quarter=quarter)
            named = [who for _, _, _, who in comments if who] + list(rows)
            names = await people_store.names_of(session=session, identities=named)
        return Figures(
            period=period,
            scope=scope,
            scores=scores,
            responses=responses,
            measured=measured,
            # A technician with no name known is shown as "a technician", never by identity.
            technicians=sorted(
                ((names.get(who, m.SCOPE_SOMEONE), dims) for who, dims in dict(rows).items()),
                key=lambda row: row[0].lower(),
            ),
            hidden=hidden,
            follow_ups=follow_ups,
            comments=[
                (code, number, text, names.get(who, m.COMMENT_SOMEONE) if who else None)
                for code, number, text, who in comments
            ],
            pulse=pulse,
            least=least,
            now=self.clock(),
        )

    async def weekly_points(self, period: Period, scope: Scope) -> dict[tuple[int, str], float]:
        """(week number, dimension) → average, for the chart."""
        async with self.db.read() as session:
            return await store.weekly(
                session=session,
                start=period.start,
                end=period.end,
                offset=zone_offset(self.settings, period.end),
                technician=scope.technician,
            )

    async def _with_chart(self, card: Card, period: Period, scope: Scope) -> Card:
        """The card with its weekly chart, drawn off the event loop; no chart without ratings."""
        points = await self.weekly_points(period, scope)
        if not points:
            return card
        offset = zone_offset(self.settings, period.end)
        image = await asyncio.to_thread(chart_of, period, points, offset)
        return cards.with_image(card, image)


def chart_of(period: Period, points: dict[tuple[int, str], float], offset: float) -> Image:
    first = _week_of(period.start, offset)
    last = _week_of(period.end - timedelta(microseconds=1), offset)
    numbers = range(first, last + 1)
    weeks = [_FIRST_MONDAY + timedelta(weeks=n) for n in numbers]
    series = {d.key: [points.get((n, d.key)) for n in numbers] for d in DIMENSIONS}
    return weekly_chart_image(weeks, series, title=m.CHART_TITLE)


def _week_of(when: datetime, offset: float) -> int:
    local = when.timestamp() + offset - (_FIRST_MONDAY - date(1970, 1, 1)).days * 86_400
    return int(local // (7 * 86_400))


def zone_offset(settings: Settings, when: datetime) -> float:
    """The time zone's offset from UTC at `when`, in seconds (weeks and weekends are local)."""
    shift = when.astimezone(settings.zone).utcoffset()
    return shift.total_seconds() if shift else 0.0


_RANGE_SPACES = re.compile(r"\s*(\.\.|…)\s*")


def _split(text: str) -> tuple[str, str]:
    """(the period word, or "", the rest: the scope)."""
    # A range typed with spaces ("2026-06-01 .. 2026-06-30") is one word.
    words = _RANGE_SPACES.sub(r"\1", text).split()
    for n, word in enumerate(words):
        if is_period(word):
            return word, " ".join(words[:n] + words[n + 1 :])
    return "", " ".join(words)


def _rated(scores: dict[str, tuple[store.Scores, store.Scores]]) -> int:
    """At least how many requests were rated: a request has one rating per dimension."""
    return max((now.count for now, _ in scores.values()), default=0)
