"""Builds the views of customer experience: the rating card and the summary."""

from __future__ import annotations

from collections.abc import Mapping

from bot import messages as m
from bot.cx.dimensions import DIMENSIONS, SCORES
from bot.views import Button, Card, Field, RatingRow
from storage.models import Request

# The button action of a score on the rating card.
RATE = "rate"


def rating_card(request: Request, chosen: Mapping[str, int], *, open_: bool = True) -> Card:
    rows = []
    for dimension in DIMENSIONS:
        picked = chosen.get(dimension.key)
        buttons = tuple(
            Button(
                label=str(score),
                action=RATE,
                value=f"{request.code}:{dimension.key}:{score}",
                style="primary" if score == picked else "default",
                selected=score == picked,
            )
            for score in SCORES
        )
        rows.append(
            RatingRow(
                dimension=dimension.key,
                label=dimension.label,
                question=dimension.question,
                chosen=picked,
                buttons=buttons if open_ else (),
            )
        )
    done = len(chosen) == len(DIMENSIONS)
    return Card(
        title=m.RATE_TITLE.format(code=request.code),
        text=m.RATE_TEXT.format(title=request.title),
        rating_rows=tuple(rows),
        footer=m.RATE_THANKS if done else "",
        fallback=m.RATE_FALLBACK.format(code=request.code),
    )


def summary_card(days: int, figures: Mapping[str, tuple[float, int]]) -> Card:
    fields = []
    for dimension in DIMENSIONS:
        if dimension.key in figures:
            average, count = figures[dimension.key]
            bar = "█" * round(average) + "░" * (5 - round(average))
            ratings = m.RATING_ONE if count == 1 else m.RATING_MANY
            value = m.SUMMARY_LINE.format(bar=bar, average=average, count=count, ratings=ratings)
        else:
            value = m.SUMMARY_NONE
        fields.append(Field(dimension.label, value))
    title = m.SUMMARY_TITLE.format(days=days)
    return Card(
        title=title,
        text="" if figures else m.SUMMARY_EMPTY.format(days=days),
        fields=tuple(fields),
        footer=m.SUMMARY_FOOTER,
        fallback=title,
    )
