"""Where an outbox message goes and what it does there, in the core's own words.

A target is stored as text in the outbox (`person:<identity>`, `thread:<platform's words>`,
`triage`); each platform's delivery reads it back with `Target.parse` and decides what it
means there (a DM, a reply in a thread, the triage channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Op(StrEnum):
    # A new message each time.
    POST = "post"
    # A card kept current: updated in place once posted.
    UPSERT = "upsert"


class Place(StrEnum):
    PERSON = "person"
    THREAD = "thread"
    TRIAGE = "triage"


@dataclass(frozen=True)
class Target:
    place: Place
    # The person's identity, or the thread in the platform's own words; empty for triage.
    where: str = ""

    def __str__(self) -> str:
        return f"{self.place.value}:{self.where}" if self.where else self.place.value

    @classmethod
    def parse(cls, text: str) -> Target | None:
        """The target written as `text`, or None for anything this version does not know."""
        head, _, where = text.partition(":")
        try:
            place = Place(head)
        except ValueError:
            return None
        if (place is Place.TRIAGE) != (where == ""):
            return None
        return cls(place, where)


TRIAGE = str(Target(Place.TRIAGE))


def person(identity: str) -> str:
    """A message to one person, in their own chat with the bot."""
    return str(Target(Place.PERSON, identity))


def thread(words: str) -> str:
    """A reply where the person acted (a channel thread), in the platform's words."""
    return str(Target(Place.THREAD, words))
