"""Builds the leads' views of follow-ups: the card kept current in each lead's chat, the list
of open ones (App Home, the `follow-ups` word, the daily reminder), the forms, and the
message an anonymous person receives.

Anonymity is decided here, once: a follow-up whose survey is anonymous never carries the
requester's name or identity, nor the request's code or title (a lead can look any code up,
and a title often names its writer); it is known to leads by its own number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot import messages as m
from bot.cx.dimensions import DIMENSIONS
from bot.views import Button, Card, Field, Form, ItemList, ListItem, plain_line
from storage.followups import FollowUpState
from storage.models import FollowUp, Request, Survey

Names = Mapping[str, str]
# The lead's buttons: "I'll reach out" (a form when the person is anonymous), and "Resolved"
# (a form with a note).
REACH_OUT, FOLLOW_UP_RESOLVED = "follow_up_reach", "follow_up_resolved"
# The most follow-ups a list shows; the rest are counted.
LIST_MAX = 25


@dataclass(frozen=True)
class Incident:
    """One follow-up with everything its views show."""

    follow_up: FollowUp
    request: Request
    survey: Survey | None
    chosen: Mapping[str, int]

    @property
    def anonymous(self) -> bool:
        return self.survey is not None and self.survey.anonymous

    @property
    def reference(self) -> str:
        """How leads know it: the tracking code, or its own number when anonymous."""
        return reference(None if self.anonymous else self.request.code, self.follow_up.id)


def reference(code: str | None, follow_up: int | None) -> str:
    """How a lead sees a request's feedback: its tracking code, or — when the person asked to
    stay anonymous (`code` None) — the follow-up's own number: any lead can look a code up
    and see who asked."""
    if code is not None:
        return code
    return f"#{follow_up}" if follow_up is not None else m.FOLLOWUPS_ANONYMOUS_ITEM


def scores(chosen: Mapping[str, int], *, low_only: bool = False) -> str:
    """ "Communication 2 · Speed 1", in the order leads read the dimensions."""
    shown = [
        m.SCORE.format(label=d.label, score=chosen[d.key])
        for d in DIMENSIONS
        if d.key in chosen and (not low_only or chosen[d.key] <= 2)
    ]
    return " · ".join(shown) or m.NO_RATINGS


def _title(incident: Incident) -> str:
    if incident.anonymous:
        return m.FOLLOWUP_TITLE_ANONYMOUS.format(number=incident.follow_up.id)
    return m.FOLLOWUP_TITLE.format(code=incident.request.code)


def _name(names: Names, identity: str | None, otherwise: str) -> str:
    return names.get(identity or "", otherwise)


def _state_fields(follow_up: FollowUp, names: Names) -> list[Field]:
    owner = _name(names, follow_up.owner, m.FOLLOWUP_A_LEAD)
    if follow_up.state == FollowUpState.RESOLVED:
        fields = [Field(m.FOLLOWUP_RESOLVED_BY, owner, person=follow_up.owner)]
        return [*fields, Field(m.FOLLOWUP_NOTE, follow_up.note)] if follow_up.note else fields
    if follow_up.state == FollowUpState.REACHING:
        return [Field(m.FOLLOWUP_REACHING, owner, person=follow_up.owner)]
    return [Field(m.FOLLOWUP_STATE, m.FOLLOWUP_OPEN)]


def follow_up_card(incident: Incident, names: Names) -> Card:
    """The card each lead gets, updated in place as the follow-up moves."""
    request, follow_up = incident.request, incident.follow_up
    fields: list[Field] = []
    if not incident.anonymous:
        fields.append(
            Field(m.FOLLOWUP_FROM, _name(names, request.requester, m.REQUESTER), request.requester)
        )
        if request.assignee:
            name = _name(names, request.assignee, m.IT_SUPPORT)
            fields.append(Field(m.FOLLOWUP_WORKED_BY, name, person=request.assignee))
    fields.append(Field(m.FOLLOWUP_SCORES, scores(incident.chosen)))
    if incident.survey is not None and incident.survey.comment:
        fields.append(Field(m.FOLLOWUP_COMMENT, incident.survey.comment))
    fields.extend(_state_fields(follow_up, names))
    value = str(follow_up.id)
    buttons = ()
    if follow_up.state != FollowUpState.RESOLVED:
        buttons = (
            Button(m.REACH_OUT, REACH_OUT, value, "primary", opens_form=incident.anonymous),
            Button(m.FOLLOWUP_RESOLVE, FOLLOW_UP_RESOLVED, value, opens_form=True),
        )
    title = _title(incident)
    low = scores(incident.chosen, low_only=True)
    return Card(
        title=title,
        text=m.FOLLOWUP_ANONYMOUS_TEXT if incident.anonymous else request.title,
        fields=tuple(fields),
        buttons=buttons,
        footer=m.FOLLOWUP_FOOTER if follow_up.state != FollowUpState.RESOLVED else "",
        fallback=plain_line(m.FOLLOWUP_FALLBACK.format(title=title, scores=low)),
    )


def open_list(
    incidents: Sequence[Incident], names: Names, *, title: str, total: int, footer: str = ""
) -> Card:
    """Open follow-ups as a list: what, the low scores, who is on it."""
    items = []
    for incident in incidents[:LIST_MAX]:
        what = (
            m.FOLLOWUPS_ANONYMOUS_ITEM
            if incident.anonymous
            else plain_line(incident.request.title, 80)
        )
        follow_up = incident.follow_up
        if follow_up.state == FollowUpState.REACHING:
            name = _name(names, follow_up.owner, m.FOLLOWUP_A_LEAD)
            state = m.FOLLOWUPS_STATE_REACHING.format(name=name)
        else:
            state = m.FOLLOWUPS_STATE_OPEN
        low = scores(incident.chosen, low_only=True)
        items.append(
            ListItem(
                code=incident.reference,
                title=m.FOLLOWUPS_LOWEST.format(title=what, scores=low),
                status=state,
            )
        )
    hidden = total - len(items)
    more = m.AND_MORE.format(n=hidden) if hidden > 0 else ""
    lists = (ItemList(title="", items=tuple(items), more=more),) if items else ()
    return Card(
        title=title,
        text="" if items else m.FOLLOWUPS_NONE,
        lists=lists,
        footer=footer if items else "",
        fallback=title,
    )


def resolve_form(incident: Incident) -> Form:
    return Form(
        title=m.RESOLVE_FORM_TITLE,
        submit_label=m.RESOLVE_FORM_SUBMIT,
        action=FOLLOW_UP_RESOLVED,
        value=str(incident.follow_up.id),
        text_label=m.RESOLVE_FORM_TEXT,
        text_placeholder=m.RESOLVE_FORM_PLACEHOLDER,
    )


def message_form(incident: Incident) -> Form:
    return Form(
        title=m.MESSAGE_FORM_TITLE,
        submit_label=m.MESSAGE_FORM_SUBMIT,
        action=REACH_OUT,
        value=str(incident.follow_up.id),
        text_label=m.MESSAGE_FORM_TEXT,
        text_placeholder=m.MESSAGE_FORM_PLACEHOLDER,
    )


def lead_message(request: Request, lead: str, lead_name: str, text: str) -> Card:
    """A lead's words, passed on to a person who rated anonymously."""
    return Card(
        title=m.LEAD_MESSAGE_TITLE.format(code=request.code),
        text=text,
        fields=(Field(m.LEAD_MESSAGE_FROM, lead_name, person=lead),),
        footer=m.LEAD_MESSAGE_FOOTER.format(name=lead_name),
        fallback=m.LEAD_MESSAGE_TITLE.format(code=request.code),
    )
