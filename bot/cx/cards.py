"""Builds the views of customer experience: the rating card and the summary."""

from __future__ import annotations

from collections.abc import Mapping

from bot import messages as m
from bot.cx.dimensions import DIMENSIONS, SCORES
from bot.views import Button, Card, Field, Form, RatingRow
from storage.models import Request, Survey

# The button action of a score on the rating card.
RATE = "rate"
# The rating card's other buttons: a comment (a form), anonymity (a tap toggles it).
COMMENT, ANONYMOUS = "comment", "anonymous"
# The lead's follow-up card: "I'll reach out" (a form when the person is anonymous), and
# "Resolved" (a form with a note).
REACH_OUT, FOLLOW_UP_RESOLVED = "follow_up_reach", "follow_up_resolved"


def rating_card(
    request: Request,
    chosen: Mapping[str, int],
    *,
    open_: bool = True,
    closed: str = "",
    survey: Survey | None = None,
) -> Card:
    """`closed`: why the card takes no more taps (its time is up, the request was reopened),
    shown on the card in place of the buttons. `survey`: what the person added (a comment,
    anonymity), shown on the card."""
    open_ = open_ and not closed
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
        fields=_added(survey),
        rating_rows=tuple(rows),
        buttons=_rating_buttons(request, survey) if open_ else (),
        footer=closed or (m.RATE_THANKS if done else ""),
        fallback=m.RATE_FALLBACK.format(code=request.code),
        form=comment_form(request) if open_ else None,
    )


def _added(survey: Survey | None) -> tuple[Field, ...]:
    """The comment, and whether leads see the person's name."""
    anonymous = survey is not None and survey.anonymous
    shown = Field(m.ANONYMOUS_FIELD, m.ANONYMOUS_ON if anonymous else m.ANONYMOUS_OFF)
    if survey is not None and survey.comment:
        return (Field(m.COMMENT_FIELD, survey.comment), shown)
    return (shown,)


def _rating_buttons(request: Request, survey: Survey | None) -> tuple[Button, ...]:
    commented = survey is not None and bool(survey.comment)
    anonymous = survey is not None and survey.anonymous
    return (
        Button(
            m.COMMENT_CHANGE if commented else m.COMMENT_BUTTON,
            COMMENT,
            request.code,
            opens_form=True,
        ),
        Button(m.ANONYMOUS_BUTTON, ANONYMOUS, request.code, selected=anonymous),
    )


def comment_form(request: Request) -> Form:
    return Form(
        title=m.COMMENT_FORM_TITLE,
        submit_label=m.COMMENT_FORM_SUBMIT,
        action=COMMENT,
        value=request.code,
        text_label=m.COMMENT_FORM_TEXT,
        text_placeholder=m.COMMENT_FORM_PLACEHOLDER,
        choice_label="",
    )
