"""Builds the views of requests from what is stored: the tracking and triage cards,
notices, lists and the technician's update form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot import messages as m
from bot.requests.statuses import UPDATE_CHOICES, Status
from bot.requests.timeline import Kind
from bot.views import (
    Button,
    Card,
    Field,
    Form,
    ItemList,
    ListItem,
    TimelineEntry,
    plain_line,
)
from storage.models import Request
from storage.models import TimelineEntry as StoredEntry

# Button actions, shared by every platform.
TAKE, UPDATE, RESOLVE, SHOW, REOPEN = "take", "update", "resolve", "show", "reopen"


def _status(request: Request) -> Status:
    return Status(request.status)


def _entry_text(entry: StoredEntry) -> str:
    if entry.kind == Kind.OPENED:
        return m.TIMELINE_OPENED
    if entry.kind == Kind.ASSIGNED:
        return m.TIMELINE_ASSIGNED
    if entry.kind == Kind.REOPENED:
        return m.TIMELINE_REOPENED + (f": {entry.text}" if entry.text else "")
    if entry.kind == Kind.STATUS and entry.status:
        changed = m.TIMELINE_STATUS.format(status=Status(entry.status).label)
        return f"{changed}: {entry.text}" if entry.text else changed
    return entry.text


Names = Mapping[str, str]


def _timeline(
    entries: Iterable[StoredEntry], *, viewer: str, requester: str, names: Names
) -> tuple[TimelineEntry, ...]:
    """Who did what: `who` is the person's name, or their part when no name is known."""
    result = []
    for entry in entries:
        if entry.actor == viewer:
            who, person = m.YOU, None
        elif entry.actor.startswith("system:"):  # cxbot itself, e.g. the closing job
            who, person = m.IT_SUPPORT, None
        elif entry.actor == requester:
            who, person = names.get(entry.actor, m.REQUESTER), entry.actor
        else:
            who, person = names.get(entry.actor, m.IT_SUPPORT), entry.actor
        result.append(TimelineEntry(when=entry.at, who=who, text=_entry_text(entry), person=person))
    return tuple(result)


def _fields(request: Request, names: Names) -> tuple[Field, ...]:
    assignee = (
        Field(
            m.FIELD_ASSIGNEE,
            names.get(request.assignee, m.IT_SUPPORT),
            person=request.assignee,
        )
        if request.assignee
        else Field(m.FIELD_ASSIGNEE, m.NOBODY_YET)
    )
    return (Field(m.FIELD_STATUS, _status(request).label), assignee)


def staff_buttons(request: Request) -> tuple[Button, ...]:
    status = _status(request)
    if not status.is_open:
        return (Button(m.REOPEN, REOPEN, request.code),)
    buttons = [
        Button(m.POST_UPDATE, UPDATE, request.code, "primary", opens_form=True),
        Button(m.RESOLVE, RESOLVE, request.code),
    ]
    if request.assignee is None:
        buttons.insert(0, Button(m.TAKE, TAKE, request.code, "primary"))
        buttons[1] = Button(m.POST_UPDATE, UPDATE, request.code, opens_form=True)
    return tuple(buttons)


def usual_time(seconds: float) -> str:
    """A duration in the words a person would use: hours, then calendar days."""
    hours = seconds / 3600
    if hours <= 1:
        return m.UNDER_AN_HOUR
    if hours < 24:
        return m.HOURS.format(n=round(hours))
    return m.DAYS.format(n=round(hours / 24))


def tracking_card(
    request: Request,
    entries: Iterable[StoredEntry],
    *,
    viewer: str,
    staff: bool = False,
    usual_seconds: float | None = None,
    names: Names | None = None,
) -> Card:
    """The parcel page: what was asked, where it stands, what happened, what's next.

    `names`: what people are called, by identity (people not in it are shown by their part).
    """
    names = names or {}
    status = _status(request)
    if staff:
        buttons = staff_buttons(request)
    elif status == Status.RESOLVED:
        buttons = (Button(m.REOPEN, REOPEN, request.code),)
    else:
        buttons = ()
    fields = _fields(request, names)
    if usual_seconds is not None and status.is_open:
        fields = (*fields, Field(m.FIELD_USUAL, usual_time(usual_seconds)))
    title = m.CARD_TITLE.format(code=request.code, status=status.label)
    return Card(
        title=title,
        text=request.title,
        fields=fields,
        timeline=_timeline(entries, viewer=viewer, requester=request.requester, names=names),
        buttons=buttons,
        footer=m.NEXT_STEP[status].format(code=request.code),
        # Where it stands, not "is now": the card is posted once and then kept current.
        fallback=_with_title(title, request),
    )


def _with_title(where: str, request: Request) -> str:
    return plain_line(m.WITH_TITLE_PLAIN.format(where=where, title=plain_line(request.title)))


def triage_card(
    request: Request, entries: Iterable[StoredEntry], *, names: Names | None = None
) -> Card:
    names = names or {}
    status = _status(request)
    title = m.CARD_TITLE.format(code=request.code, status=status.label)
    new = status == Status.RECEIVED and request.assignee is None
    return Card(
        title=title,
        text=request.title,
        fields=(
            Field(m.FROM, names.get(request.requester, m.REQUESTER), person=request.requester),
            *_fields(request, names),
        ),
        timeline=_timeline(entries, viewer="", requester=request.requester, names=names),
        buttons=staff_buttons(request),
        fallback=_with_title(m.NEW_IN_TRIAGE.format(code=request.code) if new else title, request),
    )


def notice(request: Request, entry: StoredEntry) -> Card:
    """The DM a requester or watcher gets when something they can see changes."""
    status = _status(request)
    if entry.kind == Kind.ASSIGNED:
        text = m.TAKEN_NOTICE.format(code=request.code)
    elif entry.kind in (Kind.STATUS, Kind.REOPENED) and not entry.text:
        text = m.STATUS_NOTICE_PLAIN.format(code=request.code, status=status.label)
    else:
        text = entry.text
    if request.code in text:
        plain = text
    elif entry.kind in (Kind.STATUS, Kind.REOPENED):
        plain = m.STATUS_NOTICE_WITH_TEXT.format(code=request.code, status=status.label, text=text)
    else:
        plain = m.NOTICE_PLAIN.format(code=request.code, text=text)
    return Card(
        title=m.UPDATE_NOTICE_TITLE.format(code=request.code),
        text=text,
        fields=(Field(m.FIELD_STATUS, status.label),),
        buttons=(Button(m.VIEW, SHOW, request.code),),
        fallback=plain_line(plain),
    )


def item_list(title: str, requests: Iterable[Request], *, more: str = "") -> ItemList:
    items = tuple(
        ListItem(code=r.code, title=r.title, status=Status(r.status).label) for r in requests
    )
    return ItemList(title=title, items=items, more=more)


def request_lists(title: str, lists: Sequence[ItemList], *, empty: str) -> Card:
    """Lists under one title; the lists with nothing in them are left out."""
    shown = tuple(group for group in lists if group.items)
    return Card(title=title, text="" if shown else empty, lists=shown, fallback=title)


def people_added(code: str, people: Sequence[tuple[str, str | None]]) -> Card:
    """Who now gets messages about a request: a field per person (identity, name if known)."""
    count = m.CC_ONE if len(people) == 1 else m.CC_MANY.format(n=len(people))
    return Card(
        title="",
        text=m.CC_ADDED.format(code=code),
        fields=tuple(
            Field(m.CC_FIELD, name or m.A_COLLEAGUE, person=identity) for identity, name in people
        ),
        fallback=m.CC_ADDED_PLAIN.format(count=count, code=code),
    )


def update_form(request: Request) -> Form:
    current = _status(request)
    choices = tuple((s.value, s.label) for s in UPDATE_CHOICES if s != current)
    return Form(
        title=m.FORM_TITLE,
        submit_label=m.FORM_SUBMIT,
        action=UPDATE,
        value=request.code,
        text_label=m.FORM_TEXT,
        text_placeholder=m.FORM_PLACEHOLDER,
        choice_label=m.FORM_STATUS,
        choices=choices,
    )
