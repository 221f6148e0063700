"""The summary card leads read, and the card a technician reads of their own ratings.

Communication and Approachability come first (DIMENSIONS is in that order). The sentence at
the top says what to work on first, chosen from the figures by `focus`: its rules, in order,
are the constants below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import messages as m
from bot.cx.dimensions import BY_KEY, DIMENSIONS
from bot.cx.followup_cards import reference
from bot.cx.periods import Period
from bot.views import Card, Field, Image, ItemList, ListItem
from storage.summary import Scores

if TYPE_CHECKING:
    from bot.cx.summary import Figures

LEADING = ("communication", "approachability")
# Fewer rated requests than this, or fewer answers than this share of the cards sent, and
# the averages say little: the first thing to do is to ask more people.
FEW_RATED = 10
LOW_RESPONSE_RATE = 0.3
# A fall this big since the previous period (with at least PREVIOUS_ENOUGH ratings then).
DROP = 0.3
PREVIOUS_ENOUGH = 3
# Speed this much better with regular updates, on at least SPEED_ENOUGH ratings each side,
# while fewer than REGULAR_ENOUGH of requests had them: the seed's advice, on our own data.
SPEED_GAP = 0.5
SPEED_ENOUGH = 3
REGULAR_ENOUGH = 0.8
# Below this average, a dimension is worth working on.
GOOD = 4.0
# Shown of each list; the rest are counted.
TECHNICIAN_ROWS = 12
UNCHANGED = 0.05


def summary_card(figures: Figures) -> Card:
    title = _title(figures)
    fields = [
        _dimension(d.key, *figures.scores.get(d.key, (Scores(), Scores()))) for d in DIMENSIONS
    ]
    fields += [
        Field(m.SUMMARY_RESPONSES, _responses(figures)),
        Field(m.SUMMARY_MEASURED, _measured(figures)),
    ]
    if figures.scope.technician is None:
        fields.append(Field(m.SUMMARY_TECHNICIANS, _technicians(figures)))
    if figures.pulse[0] is not None:
        fields.append(Field(m.SUMMARY_PULSE, _pulse(*figures.pulse)))  # type: ignore[arg-type]
    return Card(
        title=title,
        text=focus(figures),
        fields=tuple(fields),
        lists=(_follow_ups(figures), *_comments(figures.comments)),
        footer=m.SUMMARY_FOOTER,
        fallback=title,
    )


def too_few_card(figures: Figures, *, rated: int) -> Card:
    """One technician with too few ratings to show without pointing at who gave them."""
    title = _title(figures)
    text = m.SCOPE_TOO_FEW.format(
        name=figures.scope.name, rated=rated_requests(rated), least=figures.least
    )
    return Card(title=title, text=text, fallback=title)


def mine_card(
    period: Period,
    own: Mapping[str, tuple[Scores, Scores]],
    team: Mapping[str, tuple[Scores, Scores]],
    comments: Sequence[tuple[str | None, int | None, str, str | None]],
    *,
    least: int,
) -> Card:
    title = m.MINE_TITLE.format(period=period.label)
    rated = max((now.count for now, _ in own.values()), default=0)
    shown = rated >= least
    fields = []
    for d in DIMENSIONS:
        theirs = team.get(d.key, (Scores(), Scores()))[0]
        mine = own.get(d.key, (Scores(), Scores()))[0]
        team_words = _average(theirs)
        if shown and mine.count:
            value = m.MINE_LINE.format(
                average=mine.average, count=_count(mine.count), team=team_words
            )
        else:
            value = m.MINE_TEAM_ONLY.format(team=team_words)
        fields.append(Field(d.label, value))
    text = m.MINE_TEXT if shown else m.MINE_TOO_FEW.format(rated=rated_requests(rated), least=least)
    return Card(
        title=title, text=text, fields=tuple(fields), lists=_comments(comments, mine=True),
        fallback=title,
    )  # fmt: skip


def with_image(card: Card, image: Image) -> Card:
    return dataclasses.replace(card, image=image)


def focus(figures: Figures) -> str:
    """One plain sentence on what to work on first, from the figures (rules: see above)."""
    now = {k: pair[0] for k, pair in figures.scores.items() if pair[0].count}
    if not now:
        return m.FOCUS_NONE.format(period=figures.period.label)
    rated = max(s.count for s in now.values())
    responses = figures.responses
    rate = responses.answered / responses.sent if responses.sent else None
    if rated < FEW_RATED or (rate is not None and rate < LOW_RESPONSE_RATE):
        return m.FOCUS_FEW.format(rated=rated_requests(rated))
    drops = [
        (now[k].average - before.average, k)  # type: ignore[operator]
        for k, (_, before) in figures.scores.items()
        if k in now and before.count >= PREVIOUS_ENOUGH
    ]
    if drops and min(drops)[0] <= -DROP:
        delta, key = min(drops)
        return m.FOCUS_DROP.format(label=BY_KEY[key].label, delta=-delta)
    measured = figures.measured
    (fast, n_fast), (slow, n_slow) = measured.speed_regular, measured.speed_irregular
    if (
        fast is not None and slow is not None and min(n_fast, n_slow) >= SPEED_ENOUGH
        and fast - slow >= SPEED_GAP and measured.regular < REGULAR_ENOUGH * measured.resolved
    ):  # fmt: skip
        return m.FOCUS_UPDATES.format(regular=fast, irregular=slow)
    leading = [(now[k].average, k) for k in LEADING if k in now]
    if leading and min(leading)[0] < GOOD:  # type: ignore[operator]
        average, key = min(leading)  # type: ignore[type-var]
        return m.FOCUS_LEADING.format(label=BY_KEY[key].label, average=average)
    lowest, key = min((s.average, k) for k, s in now.items())  # type: ignore[type-var]
    if lowest < GOOD:  # type: ignore[operator]
        return m.FOCUS_LOWEST.format(label=BY_KEY[key].label, average=lowest)
    return m.FOCUS_ALL_GOOD


def _title(figures: Figures) -> str:
    if figures.scope.technician is None:
        return m.SUMMARY_TITLE_TEAM.format(period=figures.period.label)
    return m.SUMMARY_TITLE_ONE.format(name=figures.scope.name, period=figures.period.label)


def _dimension(key: str, now: Scores, before: Scores) -> Field:
    label = BY_KEY[key].label
    if not now.count:
        return Field(label, m.NO_RATINGS)
    average = now.average or 0.0
    bar = "█" * round(average) + "░" * (5 - round(average))
    ratings = m.RATING_ONE if now.count == 1 else m.RATING_MANY
    line = m.SUMMARY_LINE.format(bar=bar, average=average, count=now.count, ratings=ratings)
    spread = m.SUMMARY_SPREAD.format(counts=" · ".join(str(n) for n in now.counts))
    return Field(label, f"{line}\n{_change(now, before)}\n{spread}")


def _change(now: Scores, before: Scores) -> str:
    if not before.count or now.average is None or before.average is None:
        return m.CHANGE_NONE
    delta = now.average - before.average
    if abs(delta) < UNCHANGED:
        return m.CHANGE_SAME.format(before=before.average)
    words = m.CHANGE_UP if delta > 0 else m.CHANGE_DOWN
    return words.format(delta=abs(delta), before=before.average)


def _responses(figures: Figures) -> str:
    r = figures.responses
    if r.sent:
        line = m.RESPONSES_LINE.format(answered=r.answered, sent=r.sent, rate=r.answered / r.sent)
    else:
        line = m.RESPONSES_NONE
    if not (r.fatigue or r.sampled):
        return line
    return f"{line}\n{m.RESPONSES_NOT_ASKED.format(fatigue=r.fatigue, sampled=r.sampled)}"


def _measured(figures: Figures) -> str:
    x = figures.measured
    if not x.resolved:
        return m.MEASURED_NONE
    (fast, n_fast), (slow, n_slow) = x.speed_regular, x.speed_irregular
    share = x.regular / x.resolved
    return "\n".join(
        (
            m.MEASURED_FIRST.format(time=_duration(x.first_response)),
            m.MEASURED_RESOLVE.format(time=_duration(x.to_resolve)),
            m.MEASURED_REGULAR.format(regular=x.regular, resolved=x.resolved, share=share),
            m.MEASURED_SPEED.format(
                regular=_average(Scores(), fast, n_fast),
                irregular=_average(Scores(), slow, n_slow),
            ),
        )
    )


def _technicians(figures: Figures) -> str:
    lines = []
    for name, dims in figures.technicians[:TECHNICIAN_ROWS]:
        values = " · ".join(f"{dims[d.key][0]:.1f}" if d.key in dims else "–" for d in DIMENSIONS)
        lines.append(f"{name}: {values}")
    if lines:
        lines.insert(0, m.TECHNICIANS_HEAD)
    if len(figures.technicians) > TECHNICIAN_ROWS:
        lines.append(m.AND_MORE.format(n=len(figures.technicians) - TECHNICIAN_ROWS))
    if figures.hidden:
        hidden = m.TECHNICIANS_HIDDEN_ONE if figures.hidden == 1 else m.TECHNICIANS_HIDDEN
        lines.append(hidden.format(n=figures.hidden, least=figures.least))
    return "\n".join(lines) or m.TECHNICIANS_NONE


def _pulse(quarter: int, dims: Mapping[str, tuple[float, int]]) -> str:
    answers = max((n for _, n in dims.values()), default=0)
    values = " · ".join(f"{d.label} {dims[d.key][0]:.1f}" for d in DIMENSIONS if d.key in dims)
    head = m.PULSE_HEAD.format(number=quarter % 10, year=quarter // 10, answers=answers)
    return f"{head}\n{values}"


def _follow_ups(figures: Figures) -> ItemList:
    count, oldest = figures.follow_ups
    if not count:
        return ItemList(m.FOLLOWUPS_NONE)
    items = tuple(
        ListItem(
            reference(code, follow_up),
            title or m.FOLLOWUPS_ANONYMOUS_ITEM,
            _age(figures.now - opened),
        )
        for code, title, follow_up, opened in oldest
    )
    more = m.AND_MORE.format(n=count - len(items)) if count > len(items) else ""
    return ItemList(m.FOLLOW_UPS_TITLE.format(n=count), items, more)


def _age(age: timedelta) -> str:
    if age.days < 1:
        return m.FOLLOWUP_AGE_TODAY
    return m.FOLLOWUP_AGE_ONE if age.days == 1 else m.FOLLOWUP_AGE.format(days=age.days)


def _comments(
    comments: Sequence[tuple[str | None, int | None, str, str | None]], *, mine: bool = False
) -> tuple[ItemList, ...]:
    if not comments:
        return ()
    items = tuple(
        ListItem(
            reference(code, follow_up),
            m.COMMENT_QUOTE.format(text=text),
            who or m.COMMENT_ANONYMOUS,
        )
        for code, follow_up, text, who in comments
    )
    return (ItemList(m.COMMENTS_MINE if mine else m.COMMENTS_TITLE, items),)


def _average(scores: Scores, average: float | None = None, count: int | None = None) -> str:
    average = scores.average if average is None and count is None else average
    count = scores.count if count is None else count
    if average is None or not count:
        return m.NO_RATINGS
    return m.AVERAGE.format(average=average, count=_count(count))


def _count(n: int) -> str:
    return f"{n} {m.RATING_ONE if n == 1 else m.RATING_MANY}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return m.DURATION_NONE
    if seconds < 3600:
        return m.SUMMARY_MINUTES.format(n=max(1, round(seconds / 60)))
    if seconds < 48 * 3600:
        return m.SUMMARY_HOURS.format(n=seconds / 3600)
    return m.SUMMARY_DAYS.format(n=seconds / 86_400)


def rated_requests(n: int) -> str:
    """ "1 rated request", "4 rated requests"."""
    return m.RATED_ONE if n == 1 else m.RATED_MANY.format(n=n)
