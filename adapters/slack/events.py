"""Events: a person's direct message to the bot, and their opening of its App Home.

Bolt acknowledges an event itself once the listener returns, so each listener hands its
work to a kept task and returns at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import senders
from adapters.slack.render import render_blocks
from adapters.slack.text import cc_to_identities, message_text
from bot.desk import Desk
from bot.people import slack_identity

log = logging.getLogger(__name__)

# Slack's limit on an App Home view; each card renders to at most 50 blocks.
HOME_MAX_BLOCKS = 100
# Messages people write, as Slack labels them; edits, deletions, bots' posts and the rest
# are not someone asking the bot something.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


class Events:
    """Mixed into Listeners, which provides what is declared here."""

    desk: Desk
    senders: senders.Senders
    later: Callable[[Awaitable[None]], None]
    _seen: Callable[[str, str], None]

    async def message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        self.later(self._message(body, event))

    async def _message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        if event.get("subtype") not in PERSON_SUBTYPES:
            return
        if not await self.desk.first_delivery(f"slack:{body.get('event_id', '')}"):
            log.info("slack: event %s was already handled", body.get("event_id"))
            return
        sender = senders.of_event(body, event)
        organisation = await self.senders.organisation(sender)
        identity = slack_identity(organisation, sender.user)
        self._seen(identity, sender.user)
        typed = cc_to_identities(str(event.get("text") or ""), organisation)
        reply = await self.desk.chat(identity, message_text({**event, "text": typed}))
        if reply.card is None:
            return
        thread = event.get("thread_ts")
        if isinstance(thread, str) and thread and event.get("channel"):
            # Answered where the person wrote: in their thread.
            await self.desk.send(identity, reply.card, thread=f"{event['channel']}:{thread}")
        else:
            await self.desk.send(identity, reply.card)

    async def home(
        self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        self.later(self._home(body, event, client))

    async def _home(
        self, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab") not in (None, "home"):
            return
        sender = senders.of_event(body, event)
        user = sender.user
        identity = await self.senders.identity(sender)
        reply = await self.desk.track(identity, "")
        # A lead's open follow-ups come first: they are what needs them.
        follow_ups = await self.desk.open_follow_ups(identity)
        cards = [card for card in (follow_ups, reply.card) if card is not None]
        if cards:
            blocks = [block for card in cards for block in render_blocks(card)]
            view = {"type": "home", "blocks": blocks[:HOME_MAX_BLOCKS]}
            await client.views_publish(user_id=user, view=view)
