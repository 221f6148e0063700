"""`cxbot chat`: talk to the bot in a terminal as any person, with no workspace."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from adapters.console.delivery import ConsoleDelivery
from adapters.console.render import clean, render_card, render_choices
from bot.desk import Desk
from bot.dispatch import Delivery, Dispatcher
from bot.people import valid_identity
from bot.reply import Reply
from bot.settings import Settings
from bot.views import Button
from storage.db import Database
from storage.migrate import migrate

log = logging.getLogger(__name__)

Reader = Callable[[str], Awaitable[str | None]]

WELCOME = (
    "cxbot — you are {who}.\n"
    "Type /track and what you need, /track on its own, a tracking code, or just ask.\n"
    "Leads: /cx-summary [7d|30d|90d]. Type a number to tap a button.\n"
    "/as <identity> to become someone else (e.g. /as slack:T1:U2), /quit to leave."
)


async def _terminal(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


class Console:
    def __init__(
        self, desk: Desk, identity: str, read: Reader, write: Callable[[str], None]
    ) -> None:
        self.desk = desk
        self.delivery: ConsoleDelivery | None = None
        self.identity = identity
        self.read = read
        self.write = write
        self.buttons: list[Button] = []

    def add_buttons(self, buttons: list[Button]) -> int:
        self.buttons.extend(buttons)
        return len(self.buttons)

    def show(self, reply: Reply) -> None:
        if reply.card is not None:
            self.buttons = []
            text, self.buttons = render_card(reply.card)
            self.write(text)

    async def handle(self, line: str) -> bool:
        """One line typed; False when the person wants to leave."""
        line = line.strip()
        if line in ("/quit", "/exit"):
            return False
        if not line:
            return True
        if line.startswith("/as"):
            who = line[3:].strip()
            if valid_identity(who):
                self.identity = who
                self.buttons = []
                self.write(f"You are now {who}.")
                if self.delivery is not None:
                    self.delivery.replay(who)
            else:
                self.write("That isn't an identity I know. It looks like slack:T1:U2.")
            return True
        if line.isdigit():
            await self.tap(int(line))
            return True
        if line.startswith("/track"):
            self.show(await self.desk.track(self.identity, line[len("/track") :]))
        elif line.startswith("/cx-summary"):
            self.show(await self.desk.summary(self.identity, line[len("/cx-summary") :]))
        else:
            self.show(await self.desk.chat(self.identity, line))
        return True

    async def tap(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.write(f"There is no button {number} on screen.")
            return
        button = self.buttons[number - 1]
        reply = await self.desk.press(self.identity, button.action, button.value)
        if reply.form is None:
            self.show(reply)
            return
        form = reply.form
        text = await self.read(f"{clean(form.text_label)}: ") or ""
        choice = None
        if form.choices:
            picked = (await self.read(render_choices(form) + "\n> ") or "").strip()
            if picked.isdigit() and 1 <= int(picked) <= len(form.choices):
                choice = form.choices[int(picked) - 1][0]
        self.show(await self.desk.submit(self.identity, form.action, form.value, text, choice))


async def run_chat(
    settings: Settings,
    identity: str,
    *,
    read_line: Reader | None = None,
    write: Callable[[str], None] = print,
) -> None:
    read = read_line or _terminal
    db = Database(settings.database_url)
    try:
        await migrate(db)
        console: Console | None = None
        delivery = ConsoleDelivery(
            write,
            lambda: console.identity if console else identity,
            lambda b: console.add_buttons(b) if console else 0,
        )
        deliveries: dict[str, Delivery] = {
            "slack": delivery,
            "teams": delivery,
            "console": delivery,
        }
        dispatcher = Dispatcher(db, settings, deliveries)
        console = Console(Desk(db, settings, dispatcher.wake), identity, read, write)
        console.delivery = delivery
        write(WELCOME.format(who=identity))
        await dispatcher.drain()
        while True:
            line = await read("> ")
            if line is None:
                break
            try:
                if not await console.handle(line):
                    break
                await dispatcher.drain()
            except Exception:
                log.exception("chat: could not handle %r", line)
                write("Sorry, something went wrong on our side. Please try again.")
    finally:
        await db.dispose()
