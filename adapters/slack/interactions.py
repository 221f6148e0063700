"""Interactions: a button tapped on a card, a form (modal) sent back, the message shortcut.

A tap is acknowledged at once and handled after; a form waits for its answer, which Slack
shows on the form itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import senders
from adapters.slack.render import (
    action_name,
    render_blocks,
    render_modal,
    render_notice,
    render_text,
)
from adapters.slack.text import message_text
from bot import messages as m
from bot import views
from bot.desk import Desk
from bot.reply import Reply

log = logging.getLogger(__name__)

FORM_CALLBACK = "cx_form"
SHORTCUT_CALLBACK = "track_message"


def _form_metadata(raw: Any) -> dict[str, Any] | None:
    """The JSON object our forms carry in private_metadata; None if it is anything else."""
    try:
        meta = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


class Interactions:
    """Mixed into Listeners, which provides what is declared here."""

    desk: Desk
    senders: senders.Senders
    after_ack: asyncio.Semaphore
    later: Callable[[Awaitable[None]], None]
    _ack_in_time: Callable[..., Awaitable[None]]

    async def button(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        self.later(self._press(body, action, client))

    async def _press(
        self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        async with self.after_ack:
            try:
                sender = senders.of_interaction(body)
                user, identity = sender.user, await self.senders.identity(sender)
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
            try:
                await client.views_open(trigger_id=body.get("trigger_id"), view=view)
                return
            except SlackApiError as error:
                # A trigger_id lasts 3 s (expired_trigger_id when the database was slow):
                # the person tapped and waits, so they are told rather than left guessing.
                log.warning("slack: could not open a form: %s", error.response.get("error"))
                reply = Reply(card=views.message(m.FORM_NOT_OPENED), problem=True)
        if reply.card is None:
            return
        channel = str((body.get("channel") or {}).get("id") or user)
        text, blocks = render_text(reply.card), render_blocks(reply.card)
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
        except SlackApiError:
            await client.chat_postMessage(channel=user, text=text, blocks=blocks)

    async def form(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = _form_metadata(view.get("private_metadata"))
        if meta is None:
            # Not a form of ours as we wrote it: close it quietly; Slack takes no text here.
            log.warning("slack: a form came back with unreadable private_metadata; closed it")
            await ack()
            return

        async def work() -> dict[str, Any]:
            values = (view.get("state") or {}).get("values") or {}
            text = ((values.get("text") or {}).get("text") or {}).get("value") or ""
            option = ((values.get("choice") or {}).get("choice") or {}).get("selected_option")
            identity = await self.senders.identity(senders.of_interaction(body))
            reply = await self.desk.submit(
                identity,
                str(meta.get("action", "")),
                str(meta.get("value", "")),
                text,
                option.get("value") if option else None,
            )
            if reply.card is None:
                return {}
            if reply.problem:
                return {"response_action": "errors", "errors": {"text": reply.card.text[:2000]}}
            # An empty answer closes the modal with the bot's answer unsaid ("your message is
            # on its way"): it is said in the modal instead, which the person then closes.
            title = str((view.get("title") or {}).get("text") or "") or reply.card.title
            return {"response_action": "update", "view": render_notice(reply.card, title=title)}

        async def closed_already(answer: dict[str, Any]) -> None:
            if answer.get("response_action") == "errors":
                log.warning("slack: a form's answer came after the form had closed: %s", answer)

        await self._ack_in_time(
            ack,
            work,
            # A view submission takes no text: a failure is said on the form.
            failed={"response_action": "errors", "errors": {"text": m.SOMETHING_WRONG}},
            late={},  # the form closes; the update is saved once the database answers
            then=closed_already,
        )

    async def shortcut(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        self.later(self._shortcut(body, client))

    async def _shortcut(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        try:
            sender = senders.of_interaction(body)
            identity = await self.senders.identity(sender)
            message = body.get("message")
            text = message_text(message) if isinstance(message, dict) else ""
            if text:
                reply = await self.desk.open_from_message(identity, text)
            else:
                reply = Reply(card=views.message(m.NOTHING_TO_TRACK), problem=True)
            await self._show(client, body, sender.user, reply)
        except Exception:
            log.exception("slack: could not handle the message shortcut")
