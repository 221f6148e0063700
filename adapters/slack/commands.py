"""Slash commands: /track, /cx-summary (its chart follows in a direct message) and /cx-me.

A command that only reads is acknowledged at once and answered on its response_url; one that
changes something is acknowledged with its answer once the change is saved.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import senders, uploads
from adapters.slack.render import render_blocks, render_text
from adapters.slack.text import cc_to_identities, decode, mentions_to_identities
from bot import messages as m
from bot import views
from bot.desk import Desk
from bot.people import slack_identity
from bot.reply import Reply
from bot.views import Card

log = logging.getLogger(__name__)

RESPOND_TIMEOUT = 10


def _plain(text: str, organisation: str) -> str:
    """Slack text as the core takes it: people named in a `cc` stay identities."""
    return decode(cc_to_identities(text, organisation))


def _ephemeral(card: Card) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": render_text(card), "blocks": render_blocks(card)}


def _command_key(request: AsyncBoltRequest | None, body: dict[str, Any]) -> str:
    """The same signed command sent again has the same body and timestamp."""
    raw = (request.raw_body if request is not None else "") or json.dumps(body, sort_keys=True)
    stamp = request.headers.get("x-slack-request-timestamp", [""])[0] if request else ""
    return "slack-command:" + hashlib.sha256(f"{stamp}:{raw}".encode()).hexdigest()


class Commands:
    """Mixed into Listeners, which provides what is declared here."""

    desk: Desk
    senders: senders.Senders
    http: aiohttp.ClientSession | None
    after_ack: asyncio.Semaphore
    later: Callable[[Awaitable[None]], None]
    _seen: Callable[[str, str], None]
    _ack_in_time: Callable[..., Awaitable[None]]

    async def _track_as_sender(self, body: dict[str, Any]) -> Reply:
        sender = senders.of_command(body)
        organisation = await self.senders.organisation(sender)
        text = _plain(str(body.get("text") or ""), organisation)
        identity = slack_identity(organisation, sender.user)
        self._seen(identity, sender.user)
        return await self.desk.track(identity, text)

    async def track(
        self, ack: AsyncAck, body: dict[str, Any], request: AsyncBoltRequest | None = None
    ) -> None:
        reads = self.desk.track_only_reads(decode(str(body.get("text") or "")))
        if reads and body.get("response_url"):
            await ack()
            self.later(self._answer_after(body, lambda: self._track_as_sender(body)))
            return

        async def work() -> dict[str, Any]:
            # Slack signs a command once; the same body and timestamp again is a replay.
            if not await self.desk.first_delivery(_command_key(request, body)):
                log.info("slack: a command was sent again; not doing it twice")
                return _ephemeral(views.message(m.ALREADY_GOT_THAT))
            # A change is acknowledged once it is saved, so "it's in" is never a promise.
            reply = await self._track_as_sender(body)
            return _ephemeral(reply.card or views.message(m.SOMETHING_WRONG))

        await self._ack_command(ack, body, work)

    async def _ack_command(
        self, ack: AsyncAck, body: dict[str, Any], work: Callable[[], Awaitable[dict[str, Any]]]
    ) -> None:
        """Acknowledges a command with what `work` answers, or, when that takes too long, with
        a note that the answer will follow on its response_url."""
        await self._ack_in_time(
            ack,
            work,
            failed=_ephemeral(views.message(m.SOMETHING_WRONG)),
            late=_ephemeral(views.message(m.STILL_WORKING)),
            then=lambda payload: self._post(body, payload),
        )

    async def _summary_as_sender(self, body: dict[str, Any]) -> Reply:
        sender = senders.of_command(body)
        identity = await self.senders.identity(sender)
        # `/cx-summary 30d @tess`: the technician named is an identity to the core.
        organisation = await self.senders.organisation(sender)
        text = decode(mentions_to_identities(str(body.get("text") or ""), organisation))
        return await self.desk.summary(identity, text)

    async def summary(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient | None = None
    ) -> None:
        async def chart(card: Card) -> None:
            # The answer is seen by the lead alone and cannot carry a file: the chart goes to
            # their direct messages with the bot.
            if card.image is not None and client is not None and body.get("user_id"):
                user = str(body["user_id"])
                await uploads.upload_to_person(
                    client, card.image, user=user, comment=m.CHART_FOR_SUMMARY
                )

        if body.get("response_url"):
            await ack()
            answer = self._answer_after(body, lambda: self._summary_as_sender(body), then=chart)
            self.later(answer)
            return

        async def work() -> dict[str, Any]:
            card = (await self._summary_as_sender(body)).card or views.message(m.SOMETHING_WRONG)
            self.later(chart(card))
            return _ephemeral(card)

        await self._ack_command(ack, body, work)

    async def _mine_as_sender(self, body: dict[str, Any]) -> Reply:
        identity = await self.senders.identity(senders.of_command(body))
        return await self.desk.mine(identity, decode(str(body.get("text") or "")))

    async def mine(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """`/cx-me`: a technician's own ratings, seen by them alone."""
        if body.get("response_url"):
            await ack()
            self.later(self._answer_after(body, lambda: self._mine_as_sender(body)))
            return

        async def work() -> dict[str, Any]:
            card = (await self._mine_as_sender(body)).card or views.message(m.SOMETHING_WRONG)
            return _ephemeral(card)

        await self._ack_command(ack, body, work)

    async def _answer_after(
        self,
        body: dict[str, Any],
        answer: Callable[[], Awaitable[Reply]],
        *,
        then: Callable[[Card], Awaitable[None]] | None = None,
    ) -> None:
        """Answers an acknowledged command through its response_url, politely on failure;
        `then` gets the card once the answer is posted."""
        async with self.after_ack:
            try:
                card = (await answer()).card or views.message(m.SOMETHING_WRONG)
            except Exception:
                log.exception("slack: could not answer a command")
                card = views.message(m.SOMETHING_WRONG)
        # Only finding the answer takes turns: the post waits on the network, and the next
        # answer need not wait for it.
        try:
            payload = _ephemeral(card)
        except Exception:
            log.exception("slack: could not render an answer")
            payload = _ephemeral(views.message(m.SOMETHING_WRONG))
        await self._post(body, payload)
        if then is not None:
            await then(card)

    async def _post(self, body: dict[str, Any], payload: dict[str, Any]) -> None:
        """Posts an answer to a command's response_url; a failure is logged."""
        if not body.get("response_url"):
            log.warning("slack: an answer came late for a command without a response_url")
            return
        try:
            webhook = AsyncWebhookClient(
                url=str(body["response_url"]), session=self.http, timeout=RESPOND_TIMEOUT
            )
            await asyncio.sleep(0)  # rendering took a while: acknowledgements go first
            sent = await webhook.send_dict(payload)
            if sent.status_code >= 400:
                log.warning("slack: response_url answered %s", sent.status_code)
        except Exception as error:
            log.warning("slack: could not post the answer to response_url: %s", error)
