"""The front desk: turns what a person typed or tapped into a use case and a reply.

Every adapter (Slack, Teams, the console) calls the entry points below with the person's
identity and what they did (`track`, `open_from_message`, `summary`, `chat`, `press`,
`submit`), plus `first_delivery` to drop a redelivered event, `send` to message someone and
`unreachable`/`reachable` when a platform says a person can or cannot be messaged; none of
them knows the use cases one by one.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

from bot import messages as m
from bot import views
from bot.cx import cards as cx_cards
from bot.cx import followup_cards, pulse
from bot.cx.comments import Comments
from bot.cx.followups import FollowUps
from bot.cx.summary import Summaries
from bot.cx.surveys import Surveys
from bot.delivery import notify
from bot.errors import BadInput, CxbotError, NotAllowed
from bot.people import Person, Role, valid_identity
from bot.reply import NOTHING, Reply
from bot.requests import cards, codes
from bot.requests.listings import LISTINGS, Listings
from bot.requests.statuses import Status
from bot.requests.usecases import Requests
from bot.settings import Settings
from bot.views import Card
from storage import events as event_store
from storage import roles as role_store
from storage.db import Database

log = logging.getLogger(__name__)

Handler = Callable[[Person, str], Awaitable[Reply]]
# A form sent back: (person, value, text, choice).
FormHandler = Callable[[Person, str, str, str | None], Awaitable[Reply]]

_WHERE_IS_MY_TICKET = re.compile(
    r"\b(where('?s| is| are)|status|my (tickets?|requests?)|any (news|update))\b", re.IGNORECASE
)
_CODE_IN_TEXT = re.compile(r"\bIT[\s-]?[0-9A-Za-z]{6}\b", re.IGNORECASE)
_HAS_DIGIT = re.compile(r"\d")
# A role granted or taken away by another process (`cxbot roles …`) counts within this many
# seconds: roles were a third of a lookup's database time, and change a few times a year.
ROLES_REUSE_SECONDS = 5.0
ROLES_REUSE_MAX = 10_000
_PAGE = re.compile(r"[0-9]{1,4}")
# Command words an employee's sentence may start with ("update my laptop", "follow up on…"):
# without a code after them, a technician meant the command, anyone else a request.
_SENTENCE_WORDS = frozenset({"update", "resolve", "take", "follow"})


def _split(text: str) -> tuple[str, str]:
    head, _, rest = text.strip().partition(" ")
    return head, rest.strip()


def _is_code_like(token: str) -> bool:
    """A lone token someone most likely meant as a tracking code."""
    if not codes.looks_like_code(token):
        return False
    if token.strip().upper().startswith("IT-"):
        return True
    try:
        codes.parse_code(token)
        return True
    except codes.CodeError:
        return bool(_HAS_DIGIT.search(token))


def _mentioned_code(text: str) -> str | None:
    """A tracking code written inside a sentence, but not "it failed" or "it worked"."""
    for found in _CODE_IN_TEXT.finditer(text):
        candidate = found.group(0)
        try:
            codes.parse_code(candidate)
            return candidate
        except codes.CodeError:
            if _HAS_DIGIT.search(candidate):
                return candidate
    return None


class Desk:
    def __init__(self, db: Database, settings: Settings, wake: Callable[[], None]) -> None:
        self.db = db
        self.settings = settings
        self.requests = Requests(db, settings, wake)
        self.listings = Listings(db)
        self.surveys = Surveys(db, settings, wake)
        self.summaries = Summaries(db, settings)
        self.comments = Comments(db, settings, wake)
        self.followups = FollowUps(db, settings, wake)
        self.pulse = pulse.Pulse(db, settings, wake)
        # identity -> (when its roles were read, the person); see ROLES_REUSE_SECONDS.
        self._people: dict[str, tuple[float, Person]] = {}
        self.clock: Callable[[], float] = time.monotonic
        self._words: dict[str, Handler] = {
            "update": self._update,
            "resolve": self._resolve,
            "take": self._take,
            "reopen": self._reopen,
            "follow": self._follow,
            "unfollow": self._unfollow,
            "cc": self._cc,
        }
        self._buttons: dict[str, Handler] = {
            cards.TAKE: self._take,
            cards.RESOLVE: self._resolve,
            cards.REOPEN: self._reopen,
            cards.SHOW: self._show,
            cards.UPDATE: self._open_form,
            cx_cards.RATE: self._rate,
            cx_cards.COMMENT: self.comments.form,
            cx_cards.ANONYMOUS: self.comments.toggle_anonymous,
            followup_cards.REACH_OUT: self.followups.reach_out,
            followup_cards.FOLLOW_UP_RESOLVED: self.followups.resolve_form,
            pulse.PULSE: self._pulse,
        }

        # Each form's action → what saves it.
        self._forms: dict[str, FormHandler] = {
            cards.UPDATE: self._submit_update,
            cx_cards.COMMENT: self._submit_comment,
            followup_cards.REACH_OUT: self._submit_message,
            followup_cards.FOLLOW_UP_RESOLVED: self._submit_resolved,
        }

    async def person(self, identity: str) -> Person:
        if not valid_identity(identity):
            raise BadInput(m.WHO_ARE_YOU)
        now = self.clock()
        known = self._people.get(identity)
        if known is not None and now - known[0] < ROLES_REUSE_SECONDS:
            return known[1]
        async with self.db.read() as session:
            roles = await role_store.roles_of(session=session, identity=identity)
        person = Person(
            identity, frozenset(Role(r) for r in roles if r in Role.__members__.values())
        )
        if len(self._people) >= ROLES_REUSE_MAX:
            self._people.clear()
        self._people[identity] = (now, person)
        return person

    def forget_roles(self) -> None:
        """Reads everyone's roles afresh on their next request (after a grant made here)."""
        self._people.clear()

    # --- the entry points ------------------------------------------------------------------

    async def track(self, identity: str, text: str) -> Reply:
        """`/track …`: the words in DESIGN.md."""
        return await self._polite(identity, lambda person: self._track(person, text))

    async def open_from_message(self, identity: str, text: str) -> Reply:
        """A message turned into a request (Slack's "Track as IT request" shortcut)."""
        return await self._polite(identity, lambda person: self._open(person, text))

    async def summary(self, identity: str, text: str) -> Reply:
        return await self._polite(identity, lambda person: self._summary(person, text))

    async def mine(self, identity: str, text: str) -> Reply:
        """`/cx-me [period]`: a technician's own ratings."""
        return await self._polite(identity, lambda person: self._mine(person, text))

    async def chat(self, identity: str, text: str) -> Reply:
        """A message typed to the bot in a direct conversation."""
        return await self._polite(identity, lambda person: self._chat(person, text))

    async def press(self, identity: str, action: str, value: str) -> Reply:
        """A button tap."""
        handler = self._buttons.get(action)
        if handler is None:
            log.info("skipping unknown button action %r", action)
            return NOTHING
        return await self._polite(identity, lambda person: handler(person, value))

    async def submit(
        self, identity: str, action: str, value: str, text: str, choice: str | None
    ) -> Reply:
        """A form sent back (the update form, a comment, a lead's note or message)."""
        handler = self._forms.get(action)
        if handler is None:
            log.info("skipping unknown form %r", action)
            return NOTHING
        return await self._polite(identity, lambda person: handler(person, value, text, choice))

    async def open_follow_ups(self, identity: str) -> Card | None:
        """A lead's open follow-ups (for their Slack App Home); None for anyone else."""
        person = await self.person(identity)
        if Role.LEAD not in person.roles and Role.ADMIN not in person.roles:
            return None
        return await self.followups.listing(person)

    async def first_delivery(self, event_id: str) -> bool:
        """True the first time a platform event is seen; a redelivery is ignored."""
        async with self.db.write() as session:
            return await event_store.first_delivery(session=session, event_id=event_id[:200])

    async def send(self, identity: str, card: Card, *, thread: str | None = None) -> None:
        """A message to one person, through the outbox; `thread` (the platform's own words
        for a place in a conversation) answers there instead of in a new message."""
        async with self.db.write() as session:
            await notify.post(session=session, identity=identity, card=card, thread=thread)
        self.requests.wake()

    async def unreachable(self, identity: str) -> None:
        """A platform could not message this person: see `Requests.unreachable`."""
        await self.requests.unreachable(identity)

    async def reachable(self, identity: str) -> None:
        await self.requests.reachable(identity)

    # --- plumbing ------------------------------------------------------------------------------

    async def _polite(self, identity: str, work: Callable[[Person], Awaitable[Reply]]) -> Reply:
        """Runs the work as this person; what went wrong becomes a polite card."""
        try:
            return await work(await self.person(identity))
        except CxbotError as error:
            return Reply(card=views.message(error.message), problem=True)

    def _route(self, text: str) -> tuple[str, Handler | None, str]:
        """What `/track <text>` asks for: mine, help, a word's usage, a list, show, open, one
        of the words, or a sentence starting with a word (decided by who typed it)."""
        text = text.strip()
        if not text:
            return "mine", None, ""
        if text.lower() in ("help", "?"):
            return "help", None, ""
        head, rest = _split(text)
        word = head.lower()
        handler = self._words.get(word)
        if handler is not None:
            if rest and _is_code_like(_split(rest)[0]):
                return "word", handler, rest
            if not rest or word not in _SENTENCE_WORDS:
                return "usage", None, word
            return "sentence", None, text
        if word in LISTINGS and (not rest or _PAGE.fullmatch(rest)):
            return "list", None, text
        if len(text) <= 16 and _is_code_like(text):
            return "show", None, text
        return "open", None, text

    def track_only_reads(self, text: str) -> bool:
        """True when `/track <text>` changes nothing (a list, a lookup, help), so an adapter
        may acknowledge first and answer after; a change is answered once it is saved."""
        return self._route(text)[0] in ("mine", "help", "usage", "list", "show")

    async def _track(self, person: Person, text: str) -> Reply:
        kind, handler, rest = self._route(text)
        if kind == "mine":
            return Reply(card=await self.listings.mine(person))
        if kind == "help":
            return self._help(person)
        if kind == "usage":
            return self._usage(rest)
        if kind == "sentence":
            word = _split(rest)[0].lower()
            return self._usage(word) if person.can_work else await self._open(person, rest)
        if kind == "list":
            word, page = _split(rest)
            card = await self.listings.listing(person, word.lower(), int(page or 1))
            return Reply(card=card)
        if handler is not None:
            return await handler(person, rest)
        if kind == "show":
            return await self._show(person, rest)
        return await self._open(person, rest)

    async def _chat(self, person: Person, text: str) -> Reply:
        text = text.strip()
        head, rest = _split(text)
        if head.lower() == "track":
            return await self._track(person, rest)
        if head.lower() in ("cx-summary", "summary"):
            return await self._summary(person, rest)
        if head.lower() == "cx-me":
            return await self._mine(person, rest)
        if text.lower() in ("follow-ups", "followups", "follow ups"):
            return Reply(card=await self.followups.listing(person))
        mentioned = _mentioned_code(text)
        if mentioned:
            return await self._show(person, mentioned)
        if len(text) <= 16 and _is_code_like(text):
            return await self._show(person, text)
        if _WHERE_IS_MY_TICKET.search(text):
            return Reply(card=await self.listings.mine(person))
        if text.lower() in ("help", "?", "hi", "hello"):
            return self._help(person)
        return Reply(card=views.message(m.CHAT_HINT))

    def _help(self, person: Person) -> Reply:
        text = m.HELP_TEXT + (m.HELP_STAFF + m.HELP_MINE if person.can_work else "")
        text += m.HELP_LEAD if person.can_read_summary else ""
        return Reply(card=views.message(text, title=m.HELP_TITLE, fallback=m.HELP_TITLE))

    def _usage(self, word: str) -> Reply:
        """A command word typed without what it needs: how to use it, with an example."""
        return Reply(card=views.message(m.WORD_HELP[word]))

    async def _summary(self, person: Person, text: str) -> Reply:
        return Reply(card=await self.summaries.summary(person, text))

    async def _mine(self, person: Person, text: str) -> Reply:
        return Reply(card=await self.summaries.mine(person, text))

    # --- words and buttons ------------------------------------------------------------------

    async def _open(self, person: Person, text: str) -> Reply:
        request = await self.requests.open(person, text)
        return Reply(
            card=views.message(m.RECEIVED_ACK.format(code=request.code), title=m.RECEIVED_TITLE)
        )

    async def _show(self, person: Person, text: str) -> Reply:
        return Reply(card=await self.requests.show(person, text))

    async def _take(self, person: Person, text: str) -> Reply:
        request, changed = await self.requests.take(person, _split(text)[0])
        words = m.TOOK if changed else m.ALREADY_YOURS
        return Reply(card=views.message(words.format(code=request.code)))

    async def _update(self, person: Person, text: str) -> Reply:
        typed, rest = _split(text)
        if not person.can_work:
            raise NotAllowed(m.NOT_ALLOWED_WORK)
        if not rest:
            raise BadInput(m.UPDATE_NEEDS_TEXT.format(code=typed[:20]))
        request = await self.requests.update(person, typed, rest)
        return Reply(card=views.message(m.UPDATED.format(code=request.code)))

    async def _resolve(self, person: Person, text: str) -> Reply:
        typed, note = _split(text)
        request, asked = await self.requests.resolve(person, typed, note)
        words = m.RESOLVED_ACK if asked else m.RESOLVED_NO_SURVEY
        return Reply(card=views.message(words.format(code=request.code)))

    async def _reopen(self, person: Person, text: str) -> Reply:
        typed, note = _split(text)
        request = await self.requests.reopen(person, typed, note)
        return Reply(card=views.message(m.REOPENED_ACK.format(code=request.code)))

    async def _follow(self, person: Person, text: str) -> Reply:
        request = await self.requests.follow(person, _split(text)[0])
        return Reply(card=views.message(m.FOLLOWING.format(code=request.code)))

    async def _unfollow(self, person: Person, text: str) -> Reply:
        request = await self.requests.follow(person, _split(text)[0], on=False)
        return Reply(card=views.message(m.NOT_FOLLOWING.format(code=request.code)))

    async def _cc(self, person: Person, text: str) -> Reply:
        typed, rest = _split(text)
        request, people = await self.requests.cc(person, typed, rest)
        return Reply(card=cards.people_added(request.code, people))

    async def _rate(self, person: Person, value: str) -> Reply:
        await self.surveys.rate(person, value)
        return NOTHING

    async def _pulse(self, person: Person, value: str) -> Reply:
        await self.pulse.rate(person, value)
        return NOTHING

    async def _open_form(self, person: Person, value: str) -> Reply:
        if not person.can_work:
            raise NotAllowed(m.NOT_ALLOWED_WORK)
        async with self.db.read() as session:
            request = await self.requests.find(session, person, value)
        return Reply(form=cards.update_form(request))

    async def _submit_update(
        self, person: Person, value: str, text: str, choice: str | None
    ) -> Reply:
        status = Status(choice) if choice in Status.__members__.values() else None
        request = await self.requests.update(person, value, text, status)
        return Reply(card=views.message(m.UPDATED.format(code=request.code)))

    async def _submit_comment(
        self, person: Person, value: str, text: str, choice: str | None
    ) -> Reply:
        return await self.comments.save(person, value, text)

    async def _submit_message(
        self, person: Person, value: str, text: str, choice: str | None
    ) -> Reply:
        return await self.followups.send_message(person, value, text)

    async def _submit_resolved(
        self, person: Person, value: str, text: str, choice: str | None
    ) -> Reply:
        return await self.followups.resolve(person, value, text)
