"""What a timeline entry records. Stored as its value, so the names never change."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    OPENED = "opened"
    ASSIGNED = "assigned"
    # A status change, with the technician's note if they wrote one.
    STATUS = "status"
    # A note from the technician, the status unchanged.
    UPDATE = "update"
    REOPENED = "reopened"
    # Closed by cxbot itself, some days after it was resolved.
    CLOSED = "closed"
