"""Delivers outbox messages to the terminal: the person's own messages and the team
channel in full, an in-place update as one short line, and other people's messages when
they take over the keyboard."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from adapters.console import words as w
from adapters.console.board import TEAM, Board, Shown
from adapters.console.people import name_of
from adapters.console.render import buttons_line, changes, render_card, summary
from bot.delivery.dispatch import Outgoing, Result, Sent
from bot.delivery.targets import Op, Place, Target
from bot.views import Card


@dataclass(frozen=True)
class _Waiting:
    """Something for a person who is not at the keyboard: a card, or an update's line."""

    message_id: str = ""
    line: str = ""


class ConsoleDelivery:
    def __init__(self, out: Callable[[str], None], viewer: Callable[[], str], board: Board) -> None:
        self.out = out
        self.viewer = viewer
        self.board = board
        # Card references outlive a chat (they are stored): a new session's ids must not
        # match an earlier session's, or its updates would land on the wrong card.
        self._session = uuid.uuid4().hex[:8]
        self._count = 0
        self.waiting: dict[str, list[_Waiting]] = {}

    def replay(self, identity: str) -> None:
        """Shows what arrived for this person while someone else was at the keyboard."""
        for item in self.waiting.pop(identity, []):
            shown = self.board.shown(item.message_id) if item.message_id else None
            if shown is not None:
                self._show(render_card(shown.card, shown.keys), w.TO_YOU)
            elif item.line:
                self.out(item.line)

    async def deliver(self, message: Outgoing) -> Result:
        target = Target.parse(message.target)
        owner = TEAM if target is None or target.place is not Place.PERSON else target.where
        known = (message.address or {}).get("message")
        if message.op == Op.UPSERT and known is not None:
            replaced = self.board.replace(known, message.card)
            if replaced is not None:
                self._updated(owner, known, *replaced)
                return Sent({"conversation": owner, "message": known})
        message_id = known or self._new_id()
        keys = self.board.place(message.card, owner, message_id)
        if owner in (TEAM, self.viewer()):
            self._show(render_card(message.card, keys), w.TO_TEAM if owner == TEAM else w.TO_YOU)
        else:
            self.waiting.setdefault(owner, []).append(_Waiting(message_id=message_id))
            self.out(w.FOR_SOMEONE.format(name=name_of(owner), summary=summary(message.card)))
        return Sent({"conversation": owner, "message": message_id})

    def _updated(self, owner: str, message_id: str, before: Card, shown: Shown) -> None:
        line = changes(before, shown.card)
        if owner == TEAM:
            line = f"— {w.TO_TEAM} — {line}"
        if shown.card.buttons != before.buttons and (
            buttons := buttons_line(shown.card, shown.keys)
        ):
            line += "\n" + buttons
        if owner in (TEAM, self.viewer()):
            self.out(line)
            return
        waiting = self.waiting.setdefault(owner, [])
        # A card they have not seen yet is shown as it is now; no need to say it changed.
        if not any(item.message_id == message_id for item in waiting):
            waiting.append(_Waiting(line=line))

    def _show(self, text: str, where: str) -> None:
        self.out(f"\n— {where} —\n{text}")

    def _new_id(self) -> str:
        self._count += 1
        return f"{self._session}-{self._count}"
