"""Who sent an activity, and where they (and their channel, and their tenant) can be reached.

Every activity carries the sender's Entra ID object id, their name, the tenant and a way back
(the serviceUrl and the conversation). The names go to the core's directory; the ways back
are kept as ConversationReferences for the delivery, which sends through them later, from
any replica:

- `person:<identity>`: the person's personal chat with the bot;
- `channel:teams:<conversation id>`: a channel (without its `;messageid=` thread part) or a
  group chat;
- `tenant:teams:<tenant id>`: the latest reference seen in the tenant, whose serviceUrl lets
  the delivery open a personal chat with someone it has no reference for.

A reference is written only when it changed: the activity id is left out (it changes with
every message and is not needed to reach anyone), and what was written is remembered.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.people import teams_identity, valid_identity
from storage import people as people_store
from storage.db import Database

log = logging.getLogger(__name__)

PLATFORM = "teams"
PERSONAL = "personal"
THREAD_MARK = ";messageid="
# Teams' conversation ids are well under 200 characters; a longer one is no conversation
# Teams made, would only fail in the delivery, and might not fit the key column (300).
MAX_CONVERSATION_ID = 280
# What no database stores: NUL (PostgreSQL refuses it) and lone surrogates (not encodable).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A mention's words as Teams writes them in the text.
_AT = re.compile(r"</?at[^>]*>", re.IGNORECASE)
_SERVICE_URL = re.compile(r"^https?://[\x21-\x7e]{1,500}$")
# Whether someone is marked unreachable is read again after this many seconds: another
# replica's delivery may have marked them since.
REACHABLE_RECHECK_SECONDS = 60.0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def clean(text: str) -> str:
    """Text any database takes: what none can store becomes U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def clean_activity(activity: Activity) -> None:
    """Cleans, in place, every string of the activity this adapter reads or stores."""
    for part, names in (
        (activity, ("id", "text", "name", "action", "reply_to_id")),
        (activity.conversation, ("id", "conversation_type", "name")),
        (activity.from_property, ("id", "name", "aad_object_id")),
        (activity.recipient, ("id", "name")),
    ):
        for name in names:
            value = getattr(part, name, None) if part is not None else None
            if isinstance(value, str) and _UNSTORABLE.search(value):
                setattr(part, name, clean(value))


def tenant_of(activity: Activity) -> str:
    """The tenant, from channelData.tenant.id: the SDK reads nothing else."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant")
    return _text(tenant.get("id")) if isinstance(tenant, dict) else ""


def identity_of(activity: Activity) -> str | None:
    """`teams:<tenant>:<object id>` of the sender; None when the activity does not say."""
    sender = activity.from_property
    object_id = _text(getattr(sender, "aad_object_id", None))
    tenant = tenant_of(activity)
    if not object_id or not tenant:
        return None
    identity = teams_identity(tenant, object_id)
    return identity if valid_identity(identity) else None


def name_of(activity: Activity) -> str | None:
    return _text(getattr(activity.from_property, "name", None)) or None


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    kind = _text(getattr(conversation, "conversation_type", None))
    # The Bot Framework Emulator names no type: a conversation that is not a group is 1:1.
    return kind == PERSONAL or (not kind and not getattr(conversation, "is_group", False))


def conversation_id(activity: Activity) -> str:
    """The conversation without its thread part: the channel, or the chat."""
    return _text(activity.conversation.id).split(THREAD_MARK, 1)[0]


def thread_of(activity: Activity) -> str:
    """Where an answer in the conversation goes: a channel's thread as Teams names it
    (`<channel id>;messageid=<root id>`), or the chat itself."""
    whole = _text(activity.conversation.id)
    if THREAD_MARK in whole or is_personal(activity):
        return whole
    root = _text(activity.reply_to_id)
    return f"{whole}{THREAD_MARK}{root}" if root and whole.startswith("19:") else whole


def mentions_named(activity: Activity, text: str) -> str:
    """Everyone else @mentioned as the core reads a person: `<at>Tess Tech</at>` becomes
    Tess's identity when Teams gives her Entra ID object id, else the name she goes by
    (Teams' user mentions usually carry only the 29: id, which the core does not know).
    The bot's own mention goes, also when it came without its `text` (group chats), which
    the SDK's removal misses."""
    tenant = tenant_of(activity)
    bot = getattr(activity.recipient, "id", None)
    for entity in activity.entities or []:
        if str(getattr(entity, "type", "")).lower() != "mention":
            continue
        extra = getattr(entity, "additional_properties", None) or {}
        mentioned = extra.get("mentioned")
        if not isinstance(mentioned, dict):
            continue
        shown = extra.get("text") or f"<at>{mentioned.get('name')}</at>"
        if not isinstance(shown, str) or shown not in text:
            continue
        object_id = mentioned.get("aadObjectId")
        if bot and mentioned.get("id") == bot:
            who = ""
        elif isinstance(object_id, str) and object_id and tenant:
            who = teams_identity(tenant, object_id)
        else:
            who = _AT.sub("", shown)
        text = text.replace(shown, clean(who).strip())
    return text


def person_key(identity: str) -> str:
    return f"person:{identity}"


def channel_key(conversation: str) -> str:
    return f"channel:{PLATFORM}:{conversation}"


def tenant_key(tenant: str) -> str:
    return f"tenant:{PLATFORM}:{tenant.lower()}"


def reference_of(activity: Activity) -> dict[str, Any]:
    """The way back to this conversation, as stored (msrest's JSON shape)."""
    reference = TurnContext.get_conversation_reference(activity).serialize()
    reference.pop("activityId", None)
    conversation = reference.get("conversation")
    if isinstance(conversation, dict) and isinstance(conversation.get("id"), str):
        conversation["id"] = conversation["id"].split(THREAD_MARK, 1)[0]
    return reference


class References:
    """Saves the ways back an activity shows, and says when someone wrote again after
    being marked unreachable; both with as few database round trips as a busy chat allows."""

    MAX_KNOWN = 50_000

    def __init__(self, db: Database, clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.clock = clock
        self._written: dict[str, str] = {}
        self._checked: dict[str, float] = {}

    async def remember(self, activity: Activity, identity: str) -> None:
        reference = reference_of(activity)
        # Only the Bot Connector's own address is worth keeping (checked against the token,
        # when there is one); anything else would only fail later, in the delivery.
        if not _SERVICE_URL.match(str(reference.get("serviceUrl") or "")):
            return
        if len(_text(activity.conversation.id)) > MAX_CONVERSATION_ID:
            return
        # key → (reference, what must differ for it to be written again)
        whole = json.dumps(reference, sort_keys=True, default=str)
        wanted: dict[str, tuple[dict[str, Any], str]] = {}
        if is_personal(activity):
            wanted[person_key(identity)] = reference, whole
        elif conversation_id(activity):
            # Without whoever wrote last: a busy channel then costs no writes either.
            shared = {k: v for k, v in reference.items() if k != "user"}
            wanted[channel_key(conversation_id(activity))] = (
                shared,
                json.dumps(shared, sort_keys=True, default=str),
            )
        if tenant := tenant_of(activity):
            # Only the serviceUrl matters there: a new person's message need not rewrite it.
            wanted[tenant_key(tenant)] = reference, str(reference["serviceUrl"])
        changed = {
            key: (value, mark)
            for key, (value, mark) in wanted.items()
            if self._written.get(key) != mark
        }
        if not changed:
            return
        async with self.db.write() as session:
            for key, (value, _) in changed.items():
                await people_store.save_conversation(
                    session=session, key=key, platform=PLATFORM, reference=value
                )
        if len(self._written) + len(changed) > self.MAX_KNOWN:
            self._written.clear()
        self._written.update((key, mark) for key, (_, mark) in changed.items())

    async def has_personal(self, identity: str) -> bool:
        """Whether the person's personal chat with the bot is known."""
        if person_key(identity) in self._written:
            return True
        async with self.db.read() as session:
            found = await people_store.conversation(session=session, key=person_key(identity))
        return found is not None

    async def was_unreachable(self, identity: str, *, now: bool = False) -> bool:
        """Whether the person is marked unreachable; read at most once a minute per
        person unless `now` (an installation: they may have come back this moment)."""
        at = self.clock()
        last = self._checked.get(identity)
        if not now and last is not None and at - last < REACHABLE_RECHECK_SECONDS:
            return False
        async with self.db.read() as session:
            record = await people_store.person(session=session, identity=identity)
        if len(self._checked) >= self.MAX_KNOWN:
            self._checked.clear()
        self._checked[identity] = at
        return record is not None and record.unreachable_at is not None
