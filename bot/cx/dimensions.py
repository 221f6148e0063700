"""The five dimensions of IT customer experience (seeds article 000)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    question: str


# Communication and Approachability lead: they move first, so leads read them first.
DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("communication", "Communication", "Were you kept in the loop?"),
    Dimension("approachability", "Approachability", "Was it easy to ask for help?"),
    Dimension("speed", "Speed", "Did it feel quick?"),
    Dimension("knowledge", "Technical knowledge", "Did we know our stuff?"),
    Dimension("quality", "Quality", "Did the fix do what you needed?"),
)
BY_KEY = {d.key: d for d in DIMENSIONS}
SCORES = (1, 2, 3, 4, 5)
