"""`cxbot chat`: talk to the bot in a terminal as any person, with no workspace."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from adapters.console import words as w
from adapters.console.board import Board, looks_like_tap
from adapters.console.delivery import ConsoleDelivery
from adapters.console.people import identity_of, mentions_as_identities, name_of
from adapters.console.render import clean, render_card, render_choices
from adapters.console.terminal import TerminalReader
from adapters.core import build_core
from bot.desk import Desk
from bot.reply import Reply
from bot.settings import Settings
from storage.db import Database
from storage.migrate import migrate

log = logging.getLogger(__name__)

Reader = Callable[[str], Awaitable[str | None]]


class Console:
    def __init__(
        self,
        desk: Desk,
        identity: str,
        read: Reader,
        write: Callable[[str], None],
        board: Board,
        delivery: ConsoleDelivery | None = None,
    ) -> None:
        self.desk = desk
        self.identity = identity
        self.read = read
        self.write = write
        self.board = board
        self.delivery = delivery
        self._commands: dict[str, Callable[[str], Awaitable[None]]] = {
            "/track": self._track,
            "/cx-summary": self._summary,
            "/cx-me": self._mine,
            "/as": self._become,
        }

    def show(self, reply: Reply) -> None:
        if reply.card is not None:
            keys = self.board.place(reply.card, self.identity)
            self.write(render_card(reply.card, keys))

    async def handle(self, line: str) -> bool:
        """One line typed; False when the person wants to leave."""
        line = line.strip()
        if line in ("/quit", "/exit"):
            return False
        head, _, rest = line.partition(" ")
        command = self._commands.get(head.lower())
        if command is not None:
            await command(rest)
        elif looks_like_tap(line):
            await self.tap(line)
        elif line:
            await self._chat(line)
        return True

    async def _track(self, words: str) -> None:
        self.show(await self.desk.track(self.identity, mentions_as_identities(words)))

    async def _summary(self, words: str) -> None:
        self.show(await self.desk.summary(self.identity, mentions_as_identities(words)))

    async def _mine(self, words: str) -> None:
        self.show(await self.desk.mine(self.identity, words))

    async def _chat(self, line: str) -> None:
        head, _, rest = line.partition(" ")
        if head.lower() in ("track", "cx-summary"):  # "track cc IT-… @kim", as in Slack DMs
            line = f"{head} {mentions_as_identities(rest)}"
        self.show(await self.desk.chat(self.identity, line))

    async def _become(self, typed: str) -> None:
        self.become(typed.strip())

    def become(self, typed: str) -> None:
        if not typed:
            self.write(w.YOU_ARE.format(name=name_of(self.identity)))
            return
        identity = identity_of(typed)
        if identity is None:
            self.write(w.NOT_A_PERSON)
            return
        self.identity = identity
        self.write(w.NOW_YOU_ARE.format(name=name_of(identity)))
        if self.delivery is not None:
            self.delivery.replay(identity)

    async def tap(self, typed: str) -> None:
        button = self.board.find(typed, self.identity)
        if button is None:
            words = w.NUMBER_ALONE if typed.isdigit() else w.NO_SUCH_TAP
            self.write(words.format(typed=typed, tap_hint=w.TAP_HINT))
            return
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
    who: str,
    *,
    read_line: Reader | None = None,
    write: Callable[[str], None] = print,
) -> None:
    """Chats until /quit or the end of input. Ctrl-C (the task cancelled) says goodbye and
    is passed on, so the command exits as interrupted."""
    identity = identity_of(who)
    if identity is None:
        raise ValueError(w.NOT_A_PERSON)
    read = read_line or TerminalReader()
    db = Database(settings.database_url)
    try:
        await migrate(db)
        board = Board()
        console: Console | None = None
        delivery = ConsoleDelivery(write, lambda: console.identity if console else identity, board)
        core = build_core(settings, db)
        # Whoever you are in the console, every message shows here; the team's channel once.
        core.add("console", delivery, triage=True)
        core.add("slack", delivery, triage=False)
        core.add("teams", delivery, triage=False)
        dispatcher = core.dispatcher
        console = Console(core.desk, identity, read, write, board, delivery)
        write(w.WELCOME.format(name=name_of(identity), identity=identity, tap_hint=w.TAP_HINT))
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
                write(w.SORRY)
        write(w.GOODBYE)
    except (asyncio.CancelledError, KeyboardInterrupt):
        # Ctrl-C leaves the cursor after the prompt: end that line first.
        write("")
        write(w.GOODBYE)
        raise
    finally:
        await db.dispose()
