"""The quarterly pulse (the original QSTAC method): once a quarter, everyone who asked IT for
something gets one anonymous five-row card about IT overall.

Each person's card carries a random token; the answers are saved under the token alone, so
what leads see never names anyone. Taps work like rating taps: saved at once, changeable
while the card is open, the card re-rendered in place.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import messages as m
from bot.cx.cards import score_rows
from bot.cx.dimensions import BY_KEY, DIMENSIONS, SCORES
from bot.delivery import notify
from bot.errors import BadInput, NotAllowed
from bot.jobs.calendar import Due, previous_quarter_start, quarter_number, quarter_start
from bot.jobs.scheduler import Write
from bot.people import Person
from bot.settings import Settings
from bot.views import Card
from storage import pulse as store
from storage.db import Database
from storage.types import utcnow

# The button action of a score on the pulse card.
PULSE = "pulse"
# Tokens fit in a card key (`pulse:<token>`, at most 64 characters) and cannot be guessed.
TOKEN_BYTES = 24


def card_key(token: str) -> str:
    return f"pulse:{token}"


def pulse_card(token: str, chosen: Mapping[str, int], *, days: int, open_: bool = True) -> Card:
    rows = score_rows(
        action=PULSE, about=token, chosen=chosen, questions=m.PULSE_QUESTIONS, open_=open_
    )
    done = len(chosen) == len(DIMENSIONS)
    return Card(
        title=m.PULSE_TITLE,
        text=m.PULSE_TEXT.format(days=days) + "\n" + m.PULSE_ANONYMOUS,
        rating_rows=rows,
        footer=m.PULSE_THANKS if done else m.PULSE_ANONYMOUS,
        fallback=m.PULSE_FALLBACK,
    )


def parse_tap(value: str) -> tuple[str, str, int]:
    """`<token>:speed:4` → (token, dimension, score), or BadInput."""
    try:
        token, dimension, score_text = value.rsplit(":", 2)
        score = int(score_text)
    except ValueError:
        raise BadInput(m.PULSE_UNKNOWN) from None
    if not token or dimension not in BY_KEY or score not in SCORES:
        raise BadInput(m.PULSE_UNKNOWN)
    return token, dimension, score


class Pulse:
    def __init__(self, db: Database, settings: Settings, wake: Callable[[], None]) -> None:
        self.db = db
        self.settings = settings
        self.wake = wake

    async def prepare(self, due: Due) -> Write:
        """The quarter's cards: to everyone who opened a request in the quarter before."""
        this_quarter = quarter_start(due.day)
        asked_about = previous_quarter_start(this_quarter)
        quarter = quarter_number(asked_about)
        since, until = (self._midnight(day) for day in (asked_about, this_quarter))
        days = self.settings.survey_open_days

        async def write(session: AsyncSession) -> str:
            people = await store.requesters(session=session, since=since, until=until)
            sent = 0
            for identity in people:
                token = secrets.token_urlsafe(TOKEN_BYTES)
                if not await store.invite(
                    session=session, quarter=quarter, identity=identity, token=token
                ):
                    continue
                platform, target = notify.person_target(identity)
                await notify.upsert(
                    session=session,
                    platform=platform,
                    target=target,
                    card_key=card_key(token),
                    card=pulse_card(token, {}, days=days),
                    supersede=False,
                )
                sent += 1
            return f"asked {sent} people about quarter {quarter}"

        return write

    async def rate(self, person: Person, value: str) -> None:
        """Saves one tap under the card's token and re-renders the card with the choices."""
        token, dimension, score = parse_tap(value)
        days = self.settings.survey_open_days
        async with self.db.write() as session:
            invite = await store.invitation(session=session, token=token)
            if invite is None or invite.identity != person.identity:
                raise NotAllowed(m.PULSE_NOT_YOURS)
            if utcnow() >= invite.sent_at + timedelta(days=days):
                raise BadInput(m.PULSE_CLOSED)
            await store.save(
                session=session,
                quarter=invite.quarter,
                token=token,
                dimension=dimension,
                score=score,
            )
            chosen = await store.chosen(session=session, token=token)
            platform, target = notify.person_target(person.identity)
            await notify.upsert(
                session=session,
                platform=platform,
                target=target,
                card_key=card_key(token),
                card=pulse_card(token, chosen, days=days),
            )
        self.wake()

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.settings.zone).astimezone(UTC)
