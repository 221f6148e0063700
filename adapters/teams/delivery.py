"""Sends outbox messages to Microsoft Teams through the Bot Connector.

Targets: `person:teams:<tenant>:<object id>` (their chat with the bot), `triage` (the
TEAMS_TRIAGE_CHANNEL) and `thread:<channel id>;messageid=<root id>` (a reply in a channel
thread, as Teams names a channel message's conversation). Where each is comes from the
references the inbound side stores, so any process sends the same way. A person with none
gets their chat created; one Teams will not let the bot reach is told to the desk once and
the message given up, never retried forever.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

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
from botframework.connector import ConnectorClient
from msrest.exceptions import ClientRequestError, DeserializationError

from adapters.core import Core
from adapters.teams.cards import as_attachment, fallback_text, render_card
from adapters.teams.people import person_key
from adapters.teams.settings import TeamsSettings
from bot.delivery.dispatch import Address, GiveUp, Outgoing, Result, RetryLater, Sent
from bot.delivery.pace import TEAMS_ACROSS, TEAMS_PER_CONVERSATION
from bot.delivery.targets import Op, Place, Target
from bot.people import platform_of, teams_parts
from bot.views import Card
from storage import charts as chart_store
from storage import people as people_store

log = logging.getLogger(__name__)

T = TypeVar("T")
CHANNEL = "msteams"
# Worth another try besides 429: what Teams' docs name (412, 502, 504) and any 5xx.
TRANSIENT = frozenset({412, 500, 502, 503, 504})
UNREACHABLE = frozenset({403, 404})  # of a person: blocked, removed or never installed
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
_UPDATABLE = ("conversation", "message", "service_url")  # what an update in place needs
# The SDK sends with requests, whose failures msrest wraps in ClientRequestError.
NETWORK = (ClientRequestError, OSError, TimeoutError)


class TeamsDelivery:
    per_destination = TEAMS_PER_CONVERSATION
    across = TEAMS_ACROSS

    def __init__(self, adapter: CloudAdapter, settings: TeamsSettings, core: Core) -> None:
        self.adapter = adapter
        self.settings = settings
        self.core = core
        # Passed on every call: an empty one is the SDK's "anonymous", for the emulator only.
        self.app_id = settings.app_id or ""
        # One Bot Connector client per service URL, kept: made per message (as the SDK's
        # continue_conversation does) a client costs more CPU than the send itself.
        self._connectors: dict[str, ConnectorClient] = {}

    async def close(self) -> None:
        for client in self._connectors.values():
            await client.__aexit__(None, None, None)
        self._connectors.clear()

    @property
    def has_triage(self) -> bool:
        """IT works in a Teams channel: every request's triage card goes there."""
        return bool(self.settings.triage_channel)

    async def deliver(self, message: Outgoing) -> Result:
        identity = _person(message.target)
        activity = _activity(message.card, await self._chart_url(message.card))
        await asyncio.sleep(0)  # let requests that came while rendering be acknowledged
        try:
            async with asyncio.timeout(SEND_SECONDS):
                where = message.address or {}
                if message.op == Op.UPSERT and all(where.get(k) for k in _UPDATABLE):
                    if await self._update(where, activity):
                        return Sent(where)
                    log.info("teams: card %s is gone; posting it again", message.card_key)
                return await self._post(message.target, activity)
        except ErrorResponseException as error:
            return await self._refused(error, identity)
        except NETWORK as error:
            return RetryLater(error=f"network: {type(error).__name__}: {error}")
        except DeserializationError as error:  # an answer that is not the Bot Connector's JSON
            return RetryLater(error=f"unreadable answer from Teams: {error}"[:500])

    async def _chart_url(self, card: Card) -> str | None:
        """Where Teams fetches the card's chart: kept here and served by this server at
        CXBOT_PUBLIC_URL (Teams fetches a card's images itself). None without a public
        address, or when the chart cannot be kept: the card then goes without it."""
        public = self.core.settings.public_url
        if card.image is None or not public:
            return None
        try:
            async with self.core.db.write() as session:
                token = await chart_store.save(
                    session=session, png=base64.b64decode(card.image.png_base64)
                )
        except Exception:
            log.warning("teams: could not keep a chart; the card goes without it", exc_info=True)
            return None
        return f"{public}/charts/{token}.png"

    # --- where to -------------------------------------------------------------------------

    async def _post(self, target: str, activity: Activity) -> Result:
        found = Target.parse(target)
        if found is not None and found.place is Place.PERSON and _person(target):
            return await self._post_to_person(found.where, activity)
        if found is not None and found.place is Place.TRIAGE:
            channel, conversation = self.settings.triage_channel, self.settings.triage_channel
            if not channel:
                return GiveUp("no Teams triage channel (is TEAMS_TRIAGE_CHANNEL set?)")
        elif found is not None and found.place is Place.THREAD:
            conversation = found.where
            channel = conversation.split(";", 1)[0]
        else:
            return GiveUp(f"no Teams conversation for {target!r}")
        reference = await self._stored(f"channel:teams:{channel}") or await self._in_tenant(channel)
        if reference is None:
            return GiveUp(f"the Teams app is not installed in the team of channel {channel}")
        # Posted to the channel, a message starts a thread; to `…;messageid=<root>`, a reply.
        reference.conversation.id = conversation
        return await self._send(reference, activity)

    async def _post_to_person(self, identity: str, activity: Activity) -> Result:
        reference = await self._stored(person_key(identity))
        if reference is None:
            reference = await self._create(identity)
        if reference is None:
            return await self._unreachable(identity, "never talked to the bot; tenant unknown")
        # Teams writes "tenantId", the SDK reads "tenantID": a stored reference may lack it.
        if (parts := teams_parts(identity)) and not reference.conversation.tenant_id:
            reference.conversation.tenant_id = parts[0]
        return await self._send(reference, activity)

    async def _create(self, identity: str) -> ConversationReference | None:
        """Their personal chat with the bot, made through the service URL the bot knows
        for their tenant, and stored; None when the bot knows no way to them."""
        if (parts := teams_parts(identity)) is None:
            return None
        tenant = await self._stored(f"tenant:teams:{parts[0]}")
        if tenant is None or not tenant.service_url:
            return None
        tenant_id, object_id = parts
        bot = tenant.bot or ChannelAccount(id=f"28:{self.app_id}")
        parameters = ConversationParameters(
            is_group=False,
            bot=bot,
            # Teams takes an Entra ID object id for the one member of a personal chat.
            members=[ChannelAccount(id=object_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )
        url, create = tenant.service_url, self.adapter.create_conversation
        created = await self._turn(
            lambda run: create(self.app_id, run, parameters, CHANNEL, url), _conversation_id
        )
        reference = ConversationReference(
            channel_id=CHANNEL,
            service_url=url,
            bot=bot,
            user=ChannelAccount(aad_object_id=object_id),
            conversation=ConversationAccount(
                id=created, tenant_id=tenant_id, conversation_type="personal"
            ),
        )
        async with self.core.db.write() as session:
            await people_store.save_conversation(
                session=session,
                key=person_key(identity),
                platform="teams",
                reference=reference.serialize(),
            )
        log.info("teams: started a personal chat with %s", identity)
        return reference

    async def _in_tenant(self, channel: str) -> ConversationReference | None:
        """A way to a channel nobody has written in yet (Teams announces an installation in
        the team's General channel, not in the triage channel): the bot's service URL for
        its tenant (MICROSOFT_APP_TENANT_ID's, else the last seen), with the channel's id."""
        async with self.core.db.read() as session:
            found = await people_store.latest_conversation(
                session=session,
                prefix=f"tenant:teams:{(self.settings.app_tenant_id or '').lower()}",
            )
        if not found:
            return None
        tenant = ConversationReference.deserialize(found)
        if not tenant.service_url:
            return None
        tenant_id = (tenant.conversation.tenant_id if tenant.conversation else None) or (
            found.get("conversation", {}).get("tenantId")
        )
        return ConversationReference(
            channel_id=CHANNEL,
            service_url=tenant.service_url,
            bot=tenant.bot or ChannelAccount(id=f"28:{self.app_id}"),
            conversation=ConversationAccount(
                id=channel, is_group=True, conversation_type="channel", tenant_id=tenant_id
            ),
        )

    async def _stored(self, key: str) -> ConversationReference | None:
        async with self.core.db.read() as session:
            found = await people_store.conversation(session=session, key=key)
        return ConversationReference.deserialize(found) if found else None

    # --- sending --------------------------------------------------------------------------

    async def _connector(self, service_url: str) -> ConnectorClient:
        client = self._connectors.get(service_url)
        if client is None:
            claims = self.adapter.create_claims_identity(self.app_id)
            factory = self.adapter.bot_framework_authentication.create_connector_factory(claims)
            client = self._connectors[service_url] = await factory.create(service_url, None)
        return client

    async def _send(self, reference: ConversationReference, activity: Activity) -> Sent:
        # Proactive: a new message in the conversation (not a reply to some activity).
        activity = TurnContext.apply_conversation_reference(activity, reference)
        activity.reply_to_id = None
        client = await self._connector(reference.service_url)
        response = await client.conversations.send_to_conversation(
            reference.conversation.id, activity
        )
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
        conversation = ConversationAccount(id=where["conversation"], tenant_id=where.get("tenant"))
        reference = ConversationReference(
            channel_id=CHANNEL, service_url=where["service_url"], conversation=conversation
        )
        activity = TurnContext.apply_conversation_reference(activity, reference)
        activity.id = str(where["message"])
        activity.reply_to_id = None
        client = await self._connector(reference.service_url)
        try:
            await client.conversations.update_activity(
                reference.conversation.id, activity.id, activity
            )
        except ErrorResponseException as error:
            if _status(error) != 404:
                raise
            return False
        return True

    async def _turn(
        self,
        start: Callable[[Callable[[TurnContext], Awaitable[None]]], Awaitable[Any]],
        work: Callable[[TurnContext], Awaitable[T]],
    ) -> T:
        """Runs `work` in a turn the adapter starts; returns what it returned, raises what it
        raised (the adapter would give that to its on_turn_error, meant for live turns)."""
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
        return outcome.result()  # InvalidStateError if the adapter never ran the turn

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


def _person(target: str) -> str | None:
    """The Teams person a target names, or None (another platform's person, a channel)."""
    found = Target.parse(target)
    if found is None or found.place is not Place.PERSON or platform_of(found.where) != "teams":
        return None
    return found.where


def _activity(card: Card, image_url: str | None = None) -> Activity:
    # The fallback goes in `summary` (notifications, clients without cards), not `text`:
    # Teams shows a message's text above its card, which would say everything twice.
    shape = as_attachment(render_card(card, image_url=image_url))
    # Built, not deserialized: msrest would walk the whole card to copy it.
    attachment = Attachment(content_type=shape["contentType"], content=shape["content"])
    return Activity(
        type=ActivityTypes.message, summary=fallback_text(card), attachments=[attachment]
    )


async def _conversation_id(context: TurnContext) -> str:
    return str(context.activity.conversation.id)


def _status(error: ErrorResponseException) -> int:
    return int(getattr(getattr(error, "response", None), "status_code", 0) or 0)


def _code(error: ErrorResponseException) -> str | None:  # e.g. ConversationBlockedByUser
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
