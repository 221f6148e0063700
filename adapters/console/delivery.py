"""Delivers outbox messages to the terminal: the person's own DMs in full."""

from __future__ import annotations

from collections.abc import Callable

from adapters.console.render import render_card
from bot.dispatch import Outgoing, Result, Sent
from bot.views import Button, Card


class ConsoleDelivery:
    def __init__(
        self,
        out: Callable[[str], None],
        viewer: Callable[[], str],
        buttons: Callable[[list[Button]], int],
    ) -> None:
        self.out = out
        self.viewer = viewer
        self.add_buttons = buttons
        self._count = 0
        # Messages for people other than the one at the keyboard, shown when they take over.
        self.waiting: dict[str, list[tuple[Card, bool]]] = {}

    def show(self, card: Card, where: str, updated: bool) -> None:
        note = " (updated)" if updated else ""
        text, buttons = render_card(card, first_number=self.add_buttons([]) + 1)
        self.add_buttons(buttons)
        self.out(f"\n— {where}{note} —\n{text}")

    def replay(self, identity: str) -> None:
        """Shows what arrived for this person while someone else was at the keyboard."""
        for card, updated in self.waiting.pop(identity, []):
            self.show(card, "message to you", updated)

    async def deliver(self, message: Outgoing) -> Result:
        updated = message.op == "upsert" and message.message_id is not None
        if message.target in (f"person:{self.viewer()}", "triage"):
            where = "team channel" if message.target == "triage" else "message to you"
            self.show(message.card, where, updated)
        else:
            who = message.target.removeprefix("person:")
            self.waiting.setdefault(who, []).append((message.card, updated))
            self.out(f"(message for {who}: {message.card.title or message.card.text[:60]})")
        if updated:
            return Sent(message.channel or message.target, message.message_id or "")
        self._count += 1
        return Sent(message.target, str(self._count))
