"""People in the console go by plain names: `sam` is the identity `console:local:sam`."""

from __future__ import annotations

import re

from bot.people import (
    IDENTITY_IN_TEXT,
    console_identity,
    console_name,
    platform_of,
    user_part,
    valid_identity,
)

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}(?:\.[A-Za-z0-9_-]{1,64})*")
# `@name` as a person types it; `@slack:T1:U2` (an identity) is left as it is.
_AT_NAME = re.compile(r"(?<![\w@])@(" + _NAME.pattern + r")(?![\w:-])")
_PLATFORMS = {"slack": "Slack", "teams": "Teams"}


def identity_of(typed: str) -> str | None:
    """The identity for a name or an identity typed after `--as` or `/as`; None if neither."""
    typed = typed.strip()
    if valid_identity(typed):
        return typed
    if _NAME.fullmatch(typed) and len(typed) <= 128:
        return console_identity(typed)
    return None


def name_of(identity: str) -> str:
    """How the console shows a person: their name, or a readable stand-in for another
    platform's person (the console cannot look up Slack or Teams names)."""
    name = console_name(identity)
    if name is not None:
        return name
    platform, user = platform_of(identity), user_part(identity)
    if platform in _PLATFORMS and user:
        return f"{user} ({_PLATFORMS[platform]})"
    return identity


def names_in(text: str) -> str:
    """Text with any identity in it shown as a name."""
    return IDENTITY_IN_TEXT.sub(lambda found: name_of(found.group(0)), text)


def mentions_as_identities(words: str) -> str:
    """What follows `/track` with each `@name` of a `cc` turned into `@console:local:name`,
    the form the desk accepts on every platform."""
    head, _, rest = words.strip().partition(" ")
    if head.lower() != "cc":
        return words
    return f"{head} " + _AT_NAME.sub(lambda found: "@" + console_identity(found.group(1)), rest)
