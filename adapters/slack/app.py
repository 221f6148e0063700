"""Slack through Bolt: payloads in, neutral desk calls, Block Kit out.

Bolt checks every request's signature; each listener acknowledges first when it can, and
answers the person politely whatever happens.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import bolt_logs, senders, uploads
from adapters.slack.auth import BotIdentity
from adapters.slack.names import Names
from adapters.slack.render import (
    action_name,
    render_blocks,
    render_modal,
    render_notice,
    render_text,
)
from adapters.slack.text import decode, message_text
from bot import messages as m
from bot import views
from bot.desk import Desk
from bot.people import SlackOrganisations, slack_identity
from bot.reply import Reply
from bot.views import Card

log = logging.getLogger(__name__)

FORM_CALLBACK = "cx_form"
RESPOND_TIMEOUT = 10
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
SHORTCUT_CALLBACK = "track_message"
# Slack's limit on an App Home view; each card renders to at most 50 blocks.
HOME_MAX_BLOCKS = 100
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CC = re.compile(r"^\s*(track\s+)?cc\s", re.IGNORECASE)
# Messages people write, as Slack labels them; edits, deletions, bots' posts and the rest
# are not someone asking the bot something.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def mentions_to_identities(text: str, organisation: str) -> str:
    """`<@U123|sam>` → `@slack:E1:U123`, the neutral way to name a person."""
    return _MENTION.sub(lambda found: "@" + slack_identity(organisation, found.group(1)), text)


def _plain(text: str, organisation: str) -> str:
    """Slack text as the core takes it: people named in a `cc` stay identities."""
    if _CC.match(text):
        text = mentions_to_identities(text, organisation)
    return decode(text)


def _ephemeral(card: Card) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": render_text(card), "blocks": render_blocks(card)}


def _command_key(request: AsyncBoltRequest | None, body: dict[str, Any]) -> str:
    """The same signed command sent again has the same body and timestamp."""
    raw = (request.raw_body if request is not None else "") or json.dumps(body, sort_keys=True)
    stamp = request.headers.get("x-slack-request-timestamp", [""])[0] if request else ""
    return "slack-command:" + hashlib.sha256(f"{stamp}:{raw}".encode()).hexdigest()


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


class Listeners:
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

    # --- slash commands ------------------------------------------------------------------------

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

    # --- buttons, forms, shortcut ---------------------------------------------------------------

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

    # --- events (Bolt acknowledges these itself, once the listener returns) --------------------

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
        typed = str(event.get("text") or "")
        if _CC.match(typed):
            typed = mentions_to_identities(typed, organisation)
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


def _form_metadata(raw: Any) -> dict[str, Any] | None:
    """The JSON object our forms carry in private_metadata; None if it is anything else."""
    try:
        meta = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None
