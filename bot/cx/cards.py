"""The rating card: a row of score buttons per dimension, an optional comment, and "keep my
feedback anonymous"."""

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
    rows = score_rows(
        action=RATE,
        about=request.code,
        chosen=chosen,
        questions={d.key: d.question for d in DIMENSIONS},
        open_=open_,
    )
    done = len(chosen) == len(DIMENSIONS)
    return Card(
        title=m.RATE_TITLE.format(code=request.code),
        text=m.RATE_TEXT.format(title=request.title),
        fields=_added(survey),
        rating_rows=rows,
        buttons=_rating_buttons(request, survey) if open_ else (),
        footer=closed or (m.RATE_THANKS if done else ""),
        fallback=m.RATE_FALLBACK.format(code=request.code),
        form=comment_form(request, survey) if open_ else None,
    )


def score_rows(
    *,
    action: str,
    about: str,
    chosen: Mapping[str, int],
    questions: Mapping[str, str],
    open_: bool,
) -> tuple[RatingRow, ...]:
    """A row of score buttons per dimension, the chosen score marked; a tap's value is
    `<about>:<dimension>:<score>`. Once the card is closed, the rows keep the choices and
    lose the buttons."""
    rows = []
    for dimension in DIMENSIONS:
        picked = chosen.get(dimension.key)
        buttons = tuple(
            Button(
                label=str(score),
                action=action,
                value=f"{about}:{dimension.key}:{score}",
                style="primary" if score == picked else "default",
                selected=score == picked,
            )
            for score in SCORES
        )
        rows.append(
            RatingRow(
                dimension=dimension.key,
                label=dimension.label,
                question=questions[dimension.key],
                chosen=picked,
                buttons=buttons if open_ else (),
            )
        )
    return tuple(rows)


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


def comment_form(request: Request, survey: Survey | None = None) -> Form:
    """The comment box; it starts with the comment saved before, if any."""
    return Form(
        title=m.COMMENT_FORM_TITLE,
        submit_label=m.COMMENT_FORM_SUBMIT,
        action=COMMENT,
        value=request.code,
        text_label=m.COMMENT_FORM_TEXT,
        text_placeholder=m.COMMENT_FORM_PLACEHOLDER,
        text=(survey.comment or "") if survey is not None else "",
    )
