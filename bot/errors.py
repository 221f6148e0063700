"""The few kinds of thing that go wrong, each carrying what to tell the person."""

from __future__ import annotations


class CxbotError(Exception):
    """Something the person should hear about in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(CxbotError):
    """The person may not do this."""


class NotFound(CxbotError):
    """No such request that this person may see."""


class BadInput(CxbotError):
    """What the person typed cannot be used as it is."""
