"""Slack through Bolt: payloads in, neutral desk calls, Block Kit out.

Bolt checks every request's signature; each listener acknowledges first when it can, and
answers the person politely whatever happens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.render import action_name, render_blocks, render_modal, render_text
from bot import cards
from bot import messages as m
from bot.desk import Desk
from bot.people import slack_identity
from bot.reply import Reply
from bot.views import Card

log = logging.getLogger(__name__)

FORM_CALLBACK = "cx_form"
RESPOND_TIMEOUT = 10
AFTER_ACK_CONCURRENCY = 2
SHORTCUT_CALLBACK = "track_message"
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def mentions_to_identities(text: str, team_id: str) -> str:
    """`<@U123|sam>` → `@slack:T1:U123`, the neutral way to name a person."""
    return _MENTION.sub(lambda found: "@" + slack_identity(team_id, found.group(1)), text)


def _ephemeral(card: Card) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": render_text(card), "blocks": render_blocks(card)}


def _team(body: dict[str, Any]) -> str:
    user = body.get("user") or {}
    team = body.get("team") or {}
    return str(body.get("team_id") or user.get("team_id") or team.get("id") or "")


class BotIdentity:
    """Bolt's authorization for one workspace, without making people wait on `auth.test`.

    Bolt's default asks Slack `auth.test` on the first request and fails that request when
    Slack cannot be reached. People's commands need only the bot token, so this asks once
    in a while and answers with what it knows.
    """

    RETRY_SECONDS = 60.0

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.info: dict[str, Any] | None = None
        self._last_try = float("-inf")

    def as_function(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """Bolt reads the argument names of a plain function, so it gets one."""

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return await self.authorize(enterprise_id, team_id)

        return authorize

    async def authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        now = time.monotonic()
        if self.info is None and now - self._last_try >= self.RETRY_SECONDS:
            self._last_try = now
            try:
                self.info = dict((await self.client.auth_test()).data)  # type: ignore[arg-type]
            except Exception as error:
                log.warning("slack: auth.test failed (%s); answering people anyway", error)
        info = self.info or {}
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or info.get("team_id"),
            bot_token=self.client.token,
            bot_user_id=info.get("user_id"),
            bot_id=info.get("bot_id"),
        )


class _TokenNotice(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN is unused when the client carries it, as ours does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token`" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_TokenNotice())


def build_app(*, client: AsyncWebClient, signing_secret: str, desk: Desk) -> AsyncApp:
    """A Bolt app whose Web API calls go through `client` (its base URL and session)."""
    app_client = AsyncWebClient(
        base_url=client.base_url, session=client.session, timeout=client.timeout
    )
    app = AsyncApp(
        client=app_client,
        signing_secret=signing_secret,
        authorize=BotIdentity(client).as_function(),
        process_before_response=False,
    )
    Listeners(desk, client.session).register(app)
    return app


class Listeners:
    def __init__(self, desk: Desk, http: aiohttp.ClientSession | None = None) -> None:
        self.desk = desk
        # For answers sent to a slash command's response_url after its acknowledgement.
        self.http = http
        # Work done after an acknowledgement takes turns, a few at a time, so that a burst
        # of it never keeps the next person's acknowledgement waiting.
        self.after_ack = asyncio.Semaphore(AFTER_ACK_CONCURRENCY)

    def register(self, app: AsyncApp) -> None:
        app.command("/track")(self.track)
        app.command("/cx-summary")(self.summary)
        app.action(re.compile(r"^cx:"))(self.button)
        app.view(FORM_CALLBACK)(self.form)
        app.shortcut(SHORTCUT_CALLBACK)(self.shortcut)
        app.event("message")(self.message)
        app.event("app_home_opened")(self.home)
        app.error(self.error)

    async def error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("slack: a listener failed", exc_info=error)

    async def _guarded(self, ack: AsyncAck, work: Callable[[], Awaitable[None]]) -> None:
        """Runs the work; any failure is logged and answered politely, never a 500."""
        try:
            await work()
        except Exception:
            log.exception("slack: could not handle a request")
            if ack.response is None:
                await ack(text=m.SOMETHING_WRONG, response_type="ephemeral")

    # --- slash commands ------------------------------------------------------------------------

    async def track(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        identity = slack_identity(_team(body), str(body.get("user_id", "")))
        text = str(body.get("text") or "")
        if self.desk.track_only_reads(text) and body.get("response_url"):
            await ack()
            await self._answer_after(body, lambda: self.desk.track(identity, text))
            return

        async def work() -> None:
            typed = text
            if typed.lower().startswith("cc "):
                typed = mentions_to_identities(typed, _team(body))
            # A change is acknowledged once it is saved, so "it's in" is never a promise.
            reply = await self.desk.track(identity, typed)
            await ack(**_ephemeral(reply.card or cards.message(m.SOMETHING_WRONG)))

        await self._guarded(ack, work)

    async def summary(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        identity = slack_identity(_team(body), str(body.get("user_id", "")))
        text = str(body.get("text") or "")
        if body.get("response_url"):
            await ack()
            await self._answer_after(body, lambda: self.desk.summary(identity, text))
            return

        async def work() -> None:
            reply = await self.desk.summary(identity, text)
            await ack(**_ephemeral(reply.card or cards.message(m.SOMETHING_WRONG)))

        await self._guarded(ack, work)

    async def _answer_after(
        self, body: dict[str, Any], answer: Callable[[], Awaitable[Reply]]
    ) -> None:
        """Answers an acknowledged command through its response_url, politely on failure."""
        async with self.after_ack:
            try:
                card = (await answer()).card or cards.message(m.SOMETHING_WRONG)
            except Exception:
                log.exception("slack: could not answer a command")
                card = cards.message(m.SOMETHING_WRONG)
            try:
                webhook = AsyncWebhookClient(
                    url=str(body["response_url"]), session=self.http, timeout=RESPOND_TIMEOUT
                )
                payload = _ephemeral(card)
                await asyncio.sleep(0)  # rendering took a while: acknowledgements go first
                sent = await webhook.send_dict(payload)
                if sent.status_code >= 400:
                    log.warning("slack: response_url answered %s", sent.status_code)
            except Exception as error:
                log.warning("slack: could not post the answer to response_url: %s", error)

    # --- buttons, forms, shortcut ---------------------------------------------------------------

    async def button(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        async with self.after_ack:
            try:
                user = str((body.get("user") or {}).get("id", ""))
                identity = slack_identity(_team(body), user)
                name = action_name(str(action.get("action_id", ""))) or ""
                reply = await self.desk.press(identity, name, str(action.get("value") or ""))
                await self._show(client, body, user, reply)
            except Exception:
                log.exception("slack: could not handle a button")

    async def _show(
        self, client: AsyncWebClient, body: dict[str, Any], user: str, reply: Reply
    ) -> None:
        """Shows a reply to the person who tapped: a form, or a note only they can see."""
        if reply.form is not None:
            meta = json.dumps({"action": reply.form.action, "value": reply.form.value})
            view = render_modal(reply.form, callback_id=FORM_CALLBACK, private_metadata=meta)
            await client.views_open(trigger_id=body.get("trigger_id"), view=view)
            return
        if reply.card is None:
            return
        channel = str((body.get("channel") or {}).get("id") or user)
        text, blocks = render_text(reply.card), render_blocks(reply.card)
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
        except SlackApiError:
            await client.chat_postMessage(channel=user, text=text, blocks=blocks)

    async def form(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        async def work() -> None:
            meta = json.loads(view.get("private_metadata") or "{}")
            values = (view.get("state") or {}).get("values") or {}
            text = ((values.get("text") or {}).get("text") or {}).get("value") or ""
            option = ((values.get("choice") or {}).get("choice") or {}).get("selected_option")
            identity = slack_identity(_team(body), str((body.get("user") or {}).get("id", "")))
            reply = await self.desk.submit(
                identity,
                str(meta.get("action", "")),
                str(meta.get("value", "")),
                text,
                option.get("value") if option else None,
            )
            if reply.problem and reply.card is not None:
                await ack(response_action="errors", errors={"text": reply.card.text[:2000]})
            else:
                await ack()

        await self._guarded(ack, work)

    async def shortcut(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        try:
            user = str((body.get("user") or {}).get("id", ""))
            text = str((body.get("message") or {}).get("text") or "")
            reply = await self.desk.open_from_message(slack_identity(_team(body), user), text)
            await self._show(client, body, user, reply)
        except Exception:
            log.exception("slack: could not handle the message shortcut")

    # --- events (Bolt acknowledges these itself) ------------------------------------------------

    async def message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if not await self.desk.first_delivery(f"slack:{body.get('event_id', '')}"):
            log.info("slack: event %s was already handled", body.get("event_id"))
            return
        identity = slack_identity(_team(body), str(event.get("user", "")))
        reply = await self.desk.chat(identity, str(event.get("text") or ""))
        if reply.card is not None:
            await self.desk.send(identity, reply.card)

    async def home(
        self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab") not in (None, "home"):
            return
        user = str(event.get("user", ""))
        reply = await self.desk.track(slack_identity(_team(body), user), "")
        if reply.card is not None:
            view = {"type": "home", "blocks": render_blocks(reply.card)}
            await client.views_publish(user_id=user, view=view)
