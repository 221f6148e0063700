"""Sends outbox messages to Microsoft Teams through the Bot Connector.

Targets: `person:teams:<tenant>:<object id>` (their personal chat with the bot), `triage`
(the channel in TEAMS_TRIAGE_CHANNEL) and `thread:<channel id>;messageid=<root id>` (a reply
in that channel thread: the conversation id Teams gives a channel message). Where each one
is comes from the conversation references the inbound side stores, so a restarted process
or another replica sends the same way. A person with no reference yet gets their personal
chat created, if the bot knows their tenant; a person Teams will not let the bot reach is
told to the desk once, and the message is given up, never retried forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import aiohttp
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from msrest.exceptions import ClientRequestError
from msrest.universal_http.requests import ClientRetryPolicy

from adapters.core import Core
from adapters.teams.cards import as_attachment, fallback_text, render_card
from adapters.teams.settings import TeamsSettings
from bot.dispatch import Address, GiveUp, Outgoing, Result, RetryLater, Sent
from bot.pace import TEAMS_PER_CONVERSATION
from bot.people import teams_parts
from bot.views import Card
from storage import people as people_store

log = logging.getLogger(__name__)

T = TypeVar("T")
CHANNEL = "msteams"
# Teams' answers worth another try: throttled (with its own wait, below), and the
# transient ones its docs name (412, 502, 504) or that any service may give.
TRANSIENT = frozenset({412, 500, 502, 503, 504})
# Said of a person: the bot is blocked, removed or was never installed for them.
UNREACHABLE = frozenset({403, 404})
# What a refusal means, for whoever reads the dead message (not words for people).
REFUSED = {
    400: "Teams could not read the message",
    401: "Teams did not accept the bot's credentials (check MICROSOFT_APP_ID and password)",
    403: "the bot may not post there (removed from that team or chat, or disabled)",
    404: "Teams has no such conversation (the app was removed, or it was deleted)",
    413: "the message is too big for Teams",
}
# Teams' throttling usually says when; when it does not, its shortest window is two seconds.
DEFAULT_RETRY_AFTER = 2.0
# Well inside the outbox lease, so no other replica claims a message still on its way.
SEND_SECONDS = 20.0
NETWORK = (aiohttp.ClientError, ClientRequestError, OSError, TimeoutError)

# msrest builds every client's retry policy by looking up 999 status codes in a 500-long
# list: 7 ms of CPU, twice a message (the SDK makes two clients a turn), which held each
# send back by 30 ms and the event loop with it. As a set, the same policy comes at once.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]


class TeamsDelivery:
    per_destination = TEAMS_PER_CONVERSATION

    def __init__(self, adapter: CloudAdapter, settings: TeamsSettings, core: Core) -> None:
        self.adapter = adapter
        self.settings = settings
        self.core = core

    @property
    def has_triage(self) -> bool:
        """IT works in a Teams channel: every request's triage card goes there."""
        return bool(self.settings.triage_channel)

    async def deliver(self, message: Outgoing) -> Result:
        identity = message.target.removeprefix("person:") if _is_person(message.target) else None
        activity = _activity(message.card)
        # Rendering takes a moment: let the requests that arrived meanwhile be acknowledged.
        await asyncio.sleep(0)
        try:
            async with asyncio.timeout(SEND_SECONDS):
                where = message.address or {}
                if message.op == "upsert" and where.get("conversation") and where.get("message"):
                    if await self._update(where, activity):
                        return Sent(where)
                    log.info("teams: card %s is gone; posting it again", message.card_key)
                return await self._post(message.target, activity)
        except ErrorResponseException as error:
            return await self._refused(error, identity)
        except NETWORK as error:
            return RetryLater(error=f"network: {type(error).__name__}: {error}")

    # --- where to -------------------------------------------------------------------------

    async def _post(self, target: str, activity: Activity) -> Result:
        if _is_person(target):
            return await self._post_to_person(target.removeprefix("person:"), activity)
        if target == "triage":
            channel, conversation = self.settings.triage_channel, self.settings.triage_channel
            if not channel:
                return GiveUp("no Teams triage channel (is TEAMS_TRIAGE_CHANNEL set?)")
        elif target.startswith("thread:"):
            conversation = target.removeprefix("thread:")
            channel = conversation.split(";", 1)[0]
        else:
            return GiveUp(f"no Teams conversation for {target!r}")
        reference = await self._stored(f"channel:teams:{channel}")
        if reference is None:
            return GiveUp(f"the Teams app is not installed in the team of channel {channel}")
        # Posted to the channel itself, a message starts a thread; to `…;messageid=<root>`,
        # it answers in that thread.
        reference.conversation.id = conversation
        return await self._send(reference, activity)

    async def _post_to_person(self, identity: str, activity: Activity) -> Result:
        reference = await self._stored(f"person:{identity}")
        if reference is None:
            reference = await self._create(identity)
        if reference is None:
            return await self._unreachable(identity, "never talked to the bot; tenant unknown")
        # The SDK reads a conversation's tenant from "tenantID", Teams writes "tenantId": a
        # reference taken from an activity may not have it, the identity always does.
        parts = teams_parts(identity)
        if parts and not reference.conversation.tenant_id:
            reference.conversation.tenant_id = parts[0]
        return await self._send(reference, activity)

    async def _create(self, identity: str) -> ConversationReference | None:
        """Their personal chat with the bot, made through the service URL the bot knows
        for their tenant, and stored; None when the bot knows no way to them."""
        parts = teams_parts(identity)
        tenant = await self._stored(f"tenant:teams:{parts[0]}") if parts else None
        if parts is None or tenant is None or not tenant.service_url:
            return None
        tenant_id, object_id = parts
        bot = tenant.bot or ChannelAccount(id=f"28:{self.settings.app_id or ''}")
        parameters = ConversationParameters(
            is_group=False,
            bot=bot,
            # Teams takes an Entra ID object id for the one member of a personal chat.
            members=[ChannelAccount(id=object_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )
        created = await self._turn(
            lambda run: self.adapter.create_conversation(
                self._app_id, run, parameters, CHANNEL, tenant.service_url
            ),
            _conversation_id,
        )
        reference = ConversationReference(
            channel_id=CHANNEL,
            service_url=tenant.service_url,
            bot=bot,
            user=ChannelAccount(aad_object_id=object_id),
            conversation=ConversationAccount(
                id=created, tenant_id=tenant_id, conversation_type="personal"
            ),
        )
        async with self.core.db.write() as session:
            await people_store.save_conversation(
                session=session,
                key=f"person:{identity}",
                platform="teams",
                reference=reference.serialize(),
            )
        log.info("teams: started a personal chat with %s", identity)
        return reference

    async def _stored(self, key: str) -> ConversationReference | None:
        async with self.core.db.read() as session:
            found = await people_store.conversation(session=session, key=key)
        # from_dict reads the wire's camelCase and Python's snake_case alike.
        return ConversationReference.from_dict(found) if found else None

    # --- sending --------------------------------------------------------------------------

    async def _send(self, reference: ConversationReference, activity: Activity) -> Sent:
        response = await self._continue(reference, lambda context: context.send_activity(activity))
        conversation = reference.conversation
        return Sent(
            {
                "conversation": conversation.id,
                "message": str(response.id) if response and response.id else "",
                "service_url": reference.service_url,
                "tenant": conversation.tenant_id,
            }
        )

    async def _update(self, where: Address, activity: Activity) -> bool:
        """Replaces the card at `where`; False when Teams no longer has it."""
        reference = ConversationReference(
            channel_id=CHANNEL,
            service_url=where.get("service_url"),
            conversation=ConversationAccount(
                id=where["conversation"], tenant_id=where.get("tenant")
            ),
        )
        activity.id = str(where["message"])
        try:
            await self._continue(reference, lambda context: context.update_activity(activity))
        except ErrorResponseException as error:
            if _status(error) != 404:
                raise
            return False
        return True

    async def _continue(
        self, reference: ConversationReference, work: Callable[[TurnContext], Awaitable[T]]
    ) -> T:
        return await self._turn(
            lambda run: self.adapter.continue_conversation(reference, run, bot_app_id=self._app_id),
            work,
        )

    async def _turn(
        self,
        start: Callable[[Callable[[TurnContext], Awaitable[None]]], Awaitable[Any]],
        work: Callable[[TurnContext], Awaitable[T]],
    ) -> T:
        """Runs `work` in a turn the adapter starts, and returns what it returned or raises
        what it raised: the adapter would hand an error to its on_turn_error (which answers
        a person in a live turn) instead of to us."""
        outcome: asyncio.Future[T] = asyncio.get_running_loop().create_future()

        async def run(context: TurnContext) -> None:
            # The SDK gives every continued turn a made-up activity id and sends the turn's
            # messages as replies to it; without one they are new messages, as the Bot
            # Connector's proactive "send to conversation" has them.
            context.activity.id = None
            # The SDK makes a client, with its own HTTP session, for every turn and never
            # closes it.
            client = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
            try:
                outcome.set_result(await work(context))
            except Exception as error:
                outcome.set_exception(error)
            finally:
                if client is not None:
                    await client.__aexit__(None, None, None)

        await start(run)
        if not outcome.done():
            raise RuntimeError("the Bot Framework adapter did not run the turn")
        return outcome.result()

    @property
    def _app_id(self) -> str:
        return self.settings.app_id or ""

    # --- refusals -------------------------------------------------------------------------

    async def _refused(self, error: ErrorResponseException, identity: str | None) -> Result:
        status = _status(error)
        code = _code(error) or f"http {status}"
        if status == 429:
            return RetryLater(error=code, after_seconds=_retry_after(error))
        if status in TRANSIENT or status >= 500:
            return RetryLater(error=f"{status} {code}")
        if identity is not None and status in UNREACHABLE:
            return await self._unreachable(identity, f"{status} {code}")
        return GiveUp(f"{REFUSED.get(status, 'Teams refused the message')} ({status} {code})")

    async def _unreachable(self, identity: str, why: str) -> GiveUp:
        await self.core.desk.unreachable(identity)
        return GiveUp(f"cannot reach {identity} in Teams: {why}")


def _is_person(target: str) -> bool:
    return target.startswith("person:teams:")


def _activity(card: Card) -> Activity:
    # The fallback goes in `summary` (notifications, clients without cards), not `text`:
    # Teams shows a message's text above its card, which would say everything twice.
    attachment = Attachment.deserialize(as_attachment(render_card(card)))
    return Activity(
        type=ActivityTypes.message, summary=fallback_text(card), attachments=[attachment]
    )


async def _conversation_id(context: TurnContext) -> str:
    return str(context.activity.conversation.id)


def _status(error: ErrorResponseException) -> int:
    response = getattr(error, "response", None)
    return int(getattr(response, "status_code", 0) or 0)


def _code(error: ErrorResponseException) -> str | None:
    """Teams' own reason (e.g. ConversationBlockedByUser), when the body says it."""
    body = getattr(getattr(error, "error", None), "error", None)
    return getattr(body, "code", None) or None


def _retry_after(error: ErrorResponseException) -> float:
    headers: Mapping[str, Any] = getattr(error.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                break  # an HTTP date: rare enough to wait the default
    return DEFAULT_RETRY_AFTER
