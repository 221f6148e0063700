"""The lists a person can page through: their own open requests and, for IT, the ones
assigned to them and the ones waiting to be picked up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot import messages as m
from bot.errors import NotAllowed, NotFound
from bot.people import Person
from bot.requests import cards
from bot.requests.statuses import OPEN_STATUSES
from storage import requests as store
from storage.db import Database

# Requests shown per list; the rest are counted and paged.
PAGE_SIZE = 20


@dataclass(frozen=True)
class _Listing:
    """One list a person can page through: the word that pages it and its title."""

    word: str
    title: str
    staff_only: bool


MINE = _Listing("mine", m.LIST_OWN, staff_only=False)
ASSIGNED = _Listing("assigned", m.LIST_ASSIGNED, staff_only=True)
WAITING = _Listing("waiting", m.LIST_WAITING, staff_only=True)
LISTINGS = {listing.word: listing for listing in (MINE, ASSIGNED, WAITING)}


class Listings:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _page(
        self, session: AsyncSession, person: Person, listing: _Listing, page: int
    ) -> store.Page:
        offset = (page - 1) * PAGE_SIZE
        if listing is ASSIGNED:
            return await store.assigned_to(
                session=session,
                identity=person.identity,
                statuses=OPEN_STATUSES,
                limit=PAGE_SIZE,
                offset=offset,
            )
        if listing is WAITING:
            return await store.unassigned(
                session=session, statuses=OPEN_STATUSES, limit=PAGE_SIZE, offset=offset
            )
        return await store.open_requests_for(
            session=session,
            identity=person.identity,
            statuses=OPEN_STATUSES,
            limit=PAGE_SIZE,
            offset=offset,
        )

    @staticmethod
    def _more(listing: _Listing, found: store.Page, page: int) -> str:
        left = found.total - (page - 1) * PAGE_SIZE - len(found.requests)
        if left <= 0:
            return ""
        return m.LIST_MORE.format(
            more=left, size=min(left, PAGE_SIZE), word=listing.word, page=page + 1
        )

    async def mine(self, person: Person) -> cards.Card:
        """`/track` alone: a requester's open requests; a technician's work, list by list."""
        listings = (MINE, ASSIGNED, WAITING) if person.can_work else (MINE,)
        async with self.db.read() as session:
            pages = [
                (listing, await self._page(session, person, listing, 1)) for listing in listings
            ]
        if not person.can_work:
            ((listing, found),) = pages
            group = cards.item_list("", found.requests, more=self._more(listing, found, 1))
            return cards.request_lists(m.YOUR_OPEN_TITLE, [group], empty=m.NO_OPEN)
        groups = [
            cards.item_list(listing.title, found.requests, more=self._more(listing, found, 1))
            for listing, found in pages
        ]
        return cards.request_lists(m.STAFF_LISTS_TITLE, groups, empty=m.NOTHING_OPEN)

    async def listing(self, person: Person, word: str, page: int) -> cards.Card:
        """One list, one page of it: `/track waiting 2`."""
        listing = LISTINGS[word]
        if listing.staff_only and not person.can_work:
            raise NotAllowed(m.NOT_ALLOWED_WORK)
        page = max(page, 1)
        async with self.db.read() as session:
            found = await self._page(session, person, listing, page)
        # A requester has one list: it keeps the name it has on `/track`.
        name = listing.title if person.can_work else m.YOUR_OPEN_TITLE
        if not found.requests:
            if page > 1:
                raise NotFound(m.LIST_PAGE_EMPTY.format(page=page))
            empty = m.NO_OPEN if listing is MINE else m.LIST_NONE
            return cards.request_lists(name, [], empty=empty)
        first = (page - 1) * PAGE_SIZE + 1
        title = m.LIST_PAGE_TITLE.format(
            title=name,
            first=first,
            last=first + len(found.requests) - 1,
            total=found.total,
        )
        group = cards.item_list("", found.requests, more=self._more(listing, found, page))
        return cards.request_lists(title, [group], empty="")
