"""Sends outbox messages to Slack through the Web API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import uploads
from adapters.slack.render import render_blocks, render_text
from bot.delivery.dispatch import GiveUp, Outgoing, Result, RetryLater, Sent
from bot.delivery.pace import Window
from bot.delivery.targets import Op, Place, Target
from bot.people import slack_parts

log = logging.getLogger(__name__)

# Errors that will not go away by trying again.
PERMANENT = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "account_inactive",
        "is_archived",
        "not_in_channel",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "cant_update_message",
        "user_disabled",
        "restricted_action",
        "channel_is_archived",
    }
)
_CARD_GONE = frozenset({"message_not_found", "edit_window_closed"})
DEFAULT_RETRY_AFTER = 30.0


class SlackDelivery:
    # Slack allows "1 message per second per channel, short bursts >1 allowed" without
    # saying how short, so no window is declared: a burst (fifty new requests in the triage
    # channel) goes at once, and a channel Slack refuses is then kept to its Retry-After
    # between messages (see `Pace`), like the workspace-wide limits, which are learned too.
    per_destination: tuple[Window, ...] = ()

    def __init__(self, client: AsyncWebClient, triage_channel: str | None) -> None:
        self.client = client
        self.triage_channel = triage_channel

    @property
    def has_triage(self) -> bool:
        """IT works in a Slack channel: every request's triage card goes there."""
        return bool(self.triage_channel)

    def _channel_for(self, target: str) -> str | None:
        """`triage`, `person:slack:<org>:<user>` (their DM), `thread:<channel>:<thread ts>`."""
        found = Target.parse(target)
        if found is None:
            return None
        if found.place is Place.TRIAGE:
            return self.triage_channel
        if found.place is Place.PERSON:
            parts = slack_parts(found.where)
            return parts[1] if parts else None
        return found.where.split(":")[0] or None

    @staticmethod
    def _thread_for(target: str) -> str | None:
        """The thread a reply goes to, for a `thread:<channel>:<thread ts>` target."""
        found = Target.parse(target)
        if found is None or found.place is not Place.THREAD or found.where.count(":") != 1:
            return None
        return found.where.split(":")[1] or None

    async def deliver(self, message: Outgoing) -> Result:
        channel = self._channel_for(message.target)
        if channel is None:
            return GiveUp(f"no Slack channel for {message.target!r} (is SLACK_TRIAGE_CHANNEL set?)")
        blocks = render_blocks(message.card)
        text = render_text(message.card)
        # Rendering through slack_sdk's models takes about a millisecond: let the requests
        # that arrived meanwhile be acknowledged before the call is built and sent.
        await asyncio.sleep(0)
        try:
            where = message.address or {}
            if message.op == Op.UPSERT and where.get("conversation") and where.get("message"):
                try:
                    await self.client.chat_update(
                        channel=where["conversation"], ts=where["message"], text=text, blocks=blocks
                    )
                    return Sent(where)
                except SlackApiError as error:
                    if error.response.get("error") not in _CARD_GONE:
                        raise
                    log.info("slack: card %s is gone; posting it again", message.card_key)
            thread = self._thread_for(message.target)
            response = await self.client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                thread_ts=thread,
                unfurl_links=False,
                unfurl_media=False,
            )
            posted = address(str(response["channel"]), str(response["ts"]))
            await self._picture(message, posted["conversation"], thread)
            return Sent(posted)
        except SlackApiError as error:
            return _classify(error)
        except (aiohttp.ClientError, TimeoutError) as error:
            return RetryLater(error=f"network: {type(error).__name__}: {error}")

    async def _picture(self, message: Outgoing, conversation: str, thread: str | None) -> None:
        """The card's picture, right after it: in its thread when the card is a reply, else
        in the conversation itself, where it shows at once (a thread of its own in a direct
        message would fold it away behind "1 reply"). Sent with the card only: an update in
        place keeps the picture already there.

        A picture that fails is logged (by `uploads`) and left: the card is out, and trying
        the message again would post the card twice.
        """
        if message.card.image is not None:
            image = message.card.image
            await uploads.upload(self.client, image, channel=conversation, thread_ts=thread)


def address(channel: str, ts: str) -> dict[str, str]:
    """Where a Slack message is: its channel and its timestamp (Slack's message id)."""
    return {"conversation": channel, "message": ts}


def _classify(error: SlackApiError) -> Result:
    response = error.response
    code = response.get("error") or f"http {response.status_code}"
    if response.status_code == 429 or code == "ratelimited":
        return RetryLater(error="ratelimited", after_seconds=_retry_after(response.headers))
    if response.status_code >= 500 or code in (
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    ):
        return RetryLater(error=code)
    # Permanent errors, and any error we do not know, are not retried forever.
    return GiveUp(code if code in PERMANENT else f"unexpected: {code}")


def _retry_after(headers: Mapping[str, str]) -> float:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            try:
                value = value[0] if isinstance(value, list) else value
                return max(0.0, float(value))
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER
