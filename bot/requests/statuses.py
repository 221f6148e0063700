"""The plain-language statuses of a request and the moves between them."""

from __future__ import annotations

from enum import StrEnum

from bot import messages as m


class Status(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_ON_YOU = "waiting_on_you"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)


_LABELS = {status: m.STATUS_LABELS[status.value] for status in Status}

OPEN_STATUSES = tuple(s for s in Status if s.is_open)

# What a technician may set from each status. Reopening is its own action.
_WORKING = {Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_ON_YOU, Status.RESOLVED}
ALLOWED_MOVES: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset(_WORKING),
    Status.ASSIGNED: frozenset(_WORKING),
    Status.IN_PROGRESS: frozenset(_WORKING),
    Status.WAITING_ON_YOU: frozenset(_WORKING),
    Status.REOPENED: frozenset(_WORKING),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.CLOSED: frozenset({Status.REOPENED}),
}

# Statuses a technician can pick in the "Post update" form.
UPDATE_CHOICES = (Status.IN_PROGRESS, Status.WAITING_ON_YOU, Status.RESOLVED)


def can_move(current: Status, new: Status) -> bool:
    return new == current or new in ALLOWED_MOVES[current]
