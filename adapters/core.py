"""The one place the core is put together, for the server and for the console alike."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.delivery.dispatch import Delivery, Dispatcher
from bot.desk import Desk
from bot.people import Directory
from bot.settings import Settings
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Core:
    """The bot without any platform: the desk people talk to, the outbox's dispatcher, the
    people directory, and each mounted platform's delivery."""

    settings: Settings
    db: Database
    dispatcher: Dispatcher
    desk: Desk
    directory: Directory
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    # Run first at shutdown, in order, while the database is still open: a platform's
    # connections and the work still going after its acknowledgements.
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def add(self, platform: str, delivery: Delivery, *, triage: bool) -> None:
        """Registers a platform's delivery; `triage`: IT works in one of its channels, so
        every request's triage card is posted there too."""
        self.deliveries[platform] = delivery
        if triage:
            notify = self.desk.requests.notify
            notify.triage = (*notify.triage, platform)

    @property
    def triage(self) -> tuple[str, ...]:
        return self.desk.requests.notify.triage


def build_core(
    settings: Settings, db: Database, *, observe: Callable[[str, str], None] | None = None
) -> Core:
    deliveries: dict[str, Delivery] = {}
    dispatcher = Dispatcher(db, settings, deliveries, observe=observe)
    desk = Desk(db, settings, dispatcher.wake)
    return Core(settings, db, dispatcher, desk, Directory(db), deliveries)
