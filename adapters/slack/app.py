"""Slack through Bolt: payloads in, neutral desk calls, Block Kit out.

Bolt checks every request's signature; each listener acknowledges first when it can, and
answers the person politely whatever happens. The listeners live by kind, in commands.py,
interactions.py and events.py; here are their registration, the acknowledgement in time and
the work kept going after it until shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import bolt_logs, senders
from adapters.slack.auth import BotIdentity
from adapters.slack.commands import Commands
from adapters.slack.events import Events
from adapters.slack.interactions import FORM_CALLBACK, SHORTCUT_CALLBACK, Interactions
from adapters.slack.names import Names
from bot.desk import Desk
from bot.people import SlackOrganisations

log = logging.getLogger(__name__)

AFTER_ACK_CONCURRENCY = 2
# Slack waits 3 s for an acknowledgement. A change is acknowledged once it is saved; one not
# saved by then (a slow database) is acknowledged without its answer, which follows later.
ACK_WITHIN = 2.5
# At shutdown, work still going after its acknowledgement gets this long to finish.
CLOSE_WITHIN = 5.0
# Bolt's default runs each listener on its own and looks every 10 ms whether it has
# acknowledged: every acknowledgement waited for the next look. Run in line, a listener's
# acknowledgement goes the moment it is given; the listeners hand whatever comes after it to
# a task of their own (Listeners.later). bench/ uses the same setting for its bare Bolt.
PROCESS_BEFORE_RESPONSE = True


def build_app(*, client: AsyncWebClient, signing_secret: str, listeners: Listeners) -> AsyncApp:
    """A Bolt app whose Web API calls go through `client` (its base URL and session)."""
    bolt_logs.install()
    app_client = AsyncWebClient(
        base_url=client.base_url, session=client.session, timeout=client.timeout
    )
    app = AsyncApp(
        client=app_client,
        signing_secret=signing_secret,
        authorize=BotIdentity(client).as_function(),
        process_before_response=PROCESS_BEFORE_RESPONSE,
    )
    listeners.register(app)
    return app


class Listeners(Commands, Interactions, Events):
    """Every Slack listener of one process, sharing its desk and its kept tasks."""

    def __init__(
        self,
        desk: Desk,
        http: aiohttp.ClientSession | None = None,
        organisations: SlackOrganisations | None = None,
        names: Names | None = None,
    ) -> None:
        self.desk = desk
        self.senders = senders.Senders(
            organisations or SlackOrganisations(desk.db, moved=desk.forget_roles),
            seen=self._seen,
        )
        # Looks up the names of people seen for the first time, after the acknowledgement.
        self.names = names
        # For answers sent to a slash command's response_url after its acknowledgement.
        self.http = http
        # Work done after an acknowledgement takes turns, a few at a time, so that a burst
        # of it never keeps the next person's acknowledgement waiting.
        self.after_ack = asyncio.Semaphore(AFTER_ACK_CONCURRENCY)
        # The event loop keeps only weak references to tasks: these are kept until they end.
        self._tasks: set[asyncio.Future[Any]] = set()

    def _seen(self, identity: str, user: str) -> None:
        if self.names is not None and self.names.wanted(identity):
            self.later(self.names.look_up(identity, user))

    def later(self, work: Awaitable[None]) -> None:
        """Runs `work` after the acknowledgement has gone; close() waits for it."""
        self._keep(asyncio.ensure_future(work))

    def _keep(self, task: asyncio.Future[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack: work after an acknowledgement failed", exc_info=task.exception())

    async def close(self, within: float = CLOSE_WITHIN) -> None:
        """Waits up to `within` seconds for the work still going after acknowledgements (an
        answer, a saved tap), then cancels what is left."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._tasks and (left := deadline - loop.time()) > 0:
            await asyncio.wait(set(self._tasks), timeout=left)
        if self._tasks:
            log.warning("slack: %d answers were still going at shutdown", len(self._tasks))
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def register(self, app: AsyncApp) -> None:
        app.command("/track")(self.track)
        app.command("/cx-summary")(self.summary)
        app.command("/cx-me")(self.mine)
        app.action(re.compile(r"^cx:"))(self.button)
        app.view(FORM_CALLBACK)(self.form)
        app.shortcut(SHORTCUT_CALLBACK)(self.shortcut)
        app.event("message")(self.message)
        app.event("app_home_opened")(self.home)
        app.error(self.error)

    async def error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("slack: a listener failed", exc_info=error)

    async def _ack_in_time(
        self,
        ack: AsyncAck,
        work: Callable[[], Awaitable[dict[str, Any]]],
        *,
        failed: dict[str, Any],
        late: dict[str, Any],
        then: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        """Acknowledges with what `work` answers (`failed` if it fails, logged). Not done
        within ACK_WITHIN, it is acknowledged with `late`; the work goes on, and `then` gets
        its answer."""

        async def answer() -> dict[str, Any]:
            try:
                return await work()
            except Exception:
                log.exception("slack: could not handle a request")
                return failed

        task = asyncio.ensure_future(answer())
        self._keep(task)
        done, _ = await asyncio.wait({task}, timeout=ACK_WITHIN)
        if done:
            await ack(**task.result())
            return
        log.warning("slack: not answered within %s s; acknowledged, the answer follows", ACK_WITHIN)
        await ack(**late)

        async def follow() -> None:
            await then(await task)

        self.later(follow())
