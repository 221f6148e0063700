"""Teams activities in, neutral desk calls, answers out through the outbox.

A turn does the little that must happen before the Bot Connector hears back: it learns who
wrote and how to reach them, and drops a redelivered activity. What the person asked for is
done after the acknowledgement (`Later`); only the invokes whose answer is the HTTP response
(a task module's form, its submission) are answered within the turn.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from adapters.core import Core
from adapters.teams import people
from adapters.teams.cards import as_attachment, render_form
from bot import messages as m
from bot import views
from bot.reply import Reply
from bot.views import Card, unmarked

if TYPE_CHECKING:
    from adapters.teams.mount import Later

log = logging.getLogger(__name__)

# What handles one kind of activity, given the turn and the sender's identity.
Handler = Callable[[TurnContext, str], Awaitable[None]]
# A Teams user's `track …` may come as they would type it in Slack.
_SLASH = re.compile(r"^\s*/(?=(track|cx-summary|cx-me)\b)", re.IGNORECASE)
# What only the person who typed it may read, wherever they typed it.
_FOR_THEM_ALONE = re.compile(r"(cx-summary|summary|cx-me|follow[- ]?ups)\b", re.IGNORECASE)
# An invoke whose answer is still being worked on after this long is answered that it will
# follow; Teams gives up on an invoke after about 15 s.
INVOKE_WITHIN = 8.0


@dataclass
class Seen:
    """What kind of activity a turn was, told back to the endpoint for its metrics."""

    kind: str = "other"


@dataclass(frozen=True)
class Tap:
    """A card button's `data`: {"cx": {"action", "value"}} plus a form's inputs."""

    action: str
    value: str
    text: str = ""
    choice: str | None = None
    # The button opens a task module (its data says so); a client may send it as a message.
    opens_task: bool = False


def tap_of(data: Any) -> Tap | None:
    """The tap in a card's data; None for anything we did not put on a card."""
    if not isinstance(data, dict) or not isinstance(data.get("cx"), dict):
        return None
    cx = data["cx"]
    action, value = cx.get("action"), cx.get("value", "")
    if not isinstance(action, str) or not action or not isinstance(value, str):
        return None
    text = data.get("text")
    choice = data.get("choice")
    msteams = data.get("msteams")
    return Tap(
        people.clean(action),
        people.clean(value),
        people.clean(text) if isinstance(text, str) else "",
        people.clean(choice) if isinstance(choice, str) and choice else None,
        isinstance(msteams, dict) and msteams.get("type") == "task/fetch",
    )


def _task_message(text: str) -> dict[str, Any]:
    return {"task": {"type": "message", "value": unmarked(text)[:500]}}


def _invoke(context: TurnContext, body: dict[str, Any] | None) -> Awaitable[Any]:
    """Sets the HTTP answer to an invoke (the SDK answers 501 when none is set)."""
    return context.send_activity(
        Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))
    )


class TeamsBot:
    def __init__(self, core: Core, later: Later) -> None:
        self.desk = core.desk
        self.directory = core.directory
        self.references = people.References(core.db)
        # Work after the acknowledgement goes here; the server waits for it at shutdown.
        self.later = later
        self._activities: dict[str, Handler] = {
            ActivityTypes.message: self._message,
            ActivityTypes.invoke: self._invoke,
            ActivityTypes.installation_update: self._installed,
            ActivityTypes.conversation_update: self._members_added,
        }
        self._invokes: dict[str, Handler] = {
            "task/fetch": self._task_fetch,
            "task/submit": self._task_submit,
        }

    # --- the turn -------------------------------------------------------------------------

    async def turn(self, context: TurnContext, seen: Seen | None = None) -> None:
        activity = context.activity
        people.clean_activity(activity)
        kind = str(activity.type or "")
        if kind == ActivityTypes.invoke:
            # Only names we know: the metrics' labels must not grow with what senders make up.
            kind = f"invoke:{activity.name if activity.name in self._invokes else 'other'}"
        handler = self._activities.get(str(activity.type))
        if seen is not None:
            seen.kind = kind if handler is not None else "other"
        identity = people.identity_of(activity)
        if identity is None:
            log.info("teams: a %s activity without a tenant or sender; skipped", kind)
            return await self._answer_invoke_anyway(context)
        # Before anything else, so a reply can reach them even if the rest fails.
        await self.directory.seen(identity, people.name_of(activity))
        await self.references.remember(activity, identity)
        installing = activity.type == ActivityTypes.installation_update
        if await self.references.was_unreachable(identity, now=installing):
            await self.desk.reachable(identity)
        if handler is None:
            log.debug("teams: skipping a %s activity", activity.type)
            return None
        await handler(context, identity)

    async def _answer_invoke_anyway(self, context: TurnContext) -> None:
        if context.activity.type == ActivityTypes.invoke:
            await _invoke(context, None)

    async def _first_time(self, activity: Activity) -> bool:
        """False for an activity the Bot Connector delivered before."""
        if not activity.id:
            return True
        # Channel messages' ids are times in milliseconds, unique only within a channel; the
        # id goes first so that a long conversation id is what gets cut at 200 characters.
        key = f"teams:{activity.id}:{people.conversation_id(activity)}"
        if await self.desk.first_delivery(key):
            return True
        log.info("teams: activity %s was already handled", activity.id)
        return False

    # --- messages and taps ---------------------------------------------------------------------

    async def _message(self, context: TurnContext, identity: str) -> None:
        activity = context.activity
        if not await self._first_time(activity):
            return
        tap = tap_of(activity.value)
        if tap is not None:
            self.later.run(self._press(activity, identity, tap))
            return
        if activity.value is not None and not activity.text:
            log.info("teams: a card sent back something not ours; ignored")
            return
        text = _typed(context)
        if text:
            self.later.run(self._chat(activity, identity, text))

    async def _chat(self, activity: Activity, identity: str, text: str) -> None:
        private = bool(_FOR_THEM_ALONE.match(text))
        await self._politely(activity, identity, self.desk.chat(identity, text), private=private)

    async def _press(self, activity: Activity, identity: str, tap: Tap) -> None:
        if tap.text or tap.choice:
            # The update form, shown in the chat by a client that opened no task module.
            work = self.desk.submit(identity, tap.action, tap.value, tap.text, tap.choice)
        else:
            work = self.desk.press(identity, tap.action, tap.value)
        # The save button of a form shown on the card, its box left empty (Teams then sends
        # "" or nothing), reads as a press asking for the form the person is looking at.
        in_chat = m.FORM_IN_CHAT if tap.opens_task else m.COMMENT_EMPTY
        await self._politely(activity, identity, work, form_said=in_chat)

    async def _politely(
        self,
        activity: Activity,
        identity: str,
        work: Awaitable[Reply],
        *,
        private: bool = False,
        form_said: str = m.FORM_IN_CHAT,
    ) -> None:
        try:
            reply = await work
        except Exception:
            log.exception("teams: could not answer a %s activity", activity.type)
            reply = Reply(card=views.message(m.SOMETHING_WRONG), problem=True)
        if reply.form is not None:
            reply = Reply(card=views.message(form_said))
        await self._tell(activity, identity, reply, private=private)

    async def _tell(
        self, activity: Activity, identity: str, reply: Reply, *, private: bool = False
    ) -> None:
        """Answers the person who acted: in their personal chat; from a channel or group
        chat, in the thread they acted in unless their personal chat is known. A `private`
        answer (a summary, someone's ratings, follow-ups) never goes to the thread: the
        delivery opens the personal chat if need be, and the thread hears where it went."""
        if reply.card is None:
            return
        if people.is_personal(activity):
            await self.desk.send(identity, reply.card)
        elif private:
            await self.desk.send(identity, reply.card)
            note = views.message(m.TEAMS_SENT_PRIVATELY)
            await self.desk.send(identity, note, thread=people.thread_of(activity))
        elif await self.references.has_personal(identity):
            await self.desk.send(identity, reply.card)
        else:
            await self.desk.send(identity, reply.card, thread=people.thread_of(activity))

    # --- invokes: answered in the HTTP response ------------------------------------------------

    async def _invoke(self, context: TurnContext, identity: str) -> None:
        handler = self._invokes.get(str(context.activity.name or ""))
        if handler is None:
            log.debug("teams: skipping the invoke %r", context.activity.name)
            await _invoke(context, None)
            return
        try:
            await handler(context, identity)
        except Exception:
            log.exception("teams: could not answer the invoke %s", context.activity.name)
            await _invoke(context, _task_message(m.SOMETHING_WRONG))

    async def _task_fetch(self, context: TurnContext, identity: str) -> None:
        tap = tap_of(_dialog_data(context.activity))
        if tap is None:
            await _invoke(context, _task_message(m.TAP_NOT_UNDERSTOOD))
            return
        reply = await self.desk.press(identity, tap.action, tap.value)
        if reply.form is not None:
            card = as_attachment(render_form(reply.form))
            body = {
                "task": {"type": "continue", "value": {"title": reply.form.title, "card": card}}
            }
        else:
            body = _task_message(_said(reply.card) or m.SOMETHING_WRONG)
        await _invoke(context, body)

    async def _task_submit(self, context: TurnContext, identity: str) -> None:
        tap = tap_of(_dialog_data(context.activity))
        if tap is None:
            await _invoke(context, _task_message(m.TAP_NOT_UNDERSTOOD))
            return
        if not await self._first_time(context.activity):
            await _invoke(context, _task_message(m.ALREADY_GOT_THAT))
            return
        work = self.later.keep(
            self.desk.submit(identity, tap.action, tap.value, tap.text, tap.choice)
        )
        # Not saved in time, the module still closes; the update is saved when it can be.
        done, _ = await asyncio.wait({work}, timeout=INVOKE_WITHIN)
        said = _said(work.result().card) if done and not work.exception() else ""
        if not done:
            said = m.STILL_WORKING
        await _invoke(context, _task_message(said or m.SOMETHING_WRONG))

    # --- installation ---------------------------------------------------------------------

    async def _installed(self, context: TurnContext, identity: str) -> None:
        if str(context.activity.action or "").startswith("add"):
            await self._welcome(context.activity, identity)

    async def _members_added(self, context: TurnContext, identity: str) -> None:
        activity = context.activity
        bot_id = getattr(activity.recipient, "id", None)
        added = activity.members_added or []
        if bot_id and any(getattr(member, "id", None) == bot_id for member in added):
            await self._welcome(activity, identity)

    async def _welcome(self, activity: Activity, identity: str) -> None:
        """Once per personal chat, however many install events Teams sends for it; a team
        install is only remembered (its channel reference), not greeted."""
        if not people.is_personal(activity):
            return
        if not await self.desk.first_delivery(f"teams:welcome:{people.conversation_id(activity)}"):
            return
        card = Card(
            title=m.TEAMS_WELCOME_TITLE, text=m.TEAMS_WELCOME, fallback=m.TEAMS_WELCOME_TITLE
        )
        self.later.run(self.desk.send(identity, card))


def _typed(context: TurnContext) -> str:
    """What the person typed: without the bot's @mention, command marks or a leading slash."""
    activity = context.activity
    if not isinstance(activity.text, str):
        return ""
    try:
        text = TurnContext.remove_recipient_mention(activity) or ""
    except Exception:  # a malformed mention entity: the text as it came
        log.info("teams: could not take the mention out of a message", exc_info=True)
        text = activity.text
    return _SLASH.sub("", unmarked(people.mentions_named(activity, text))).strip()


def _dialog_data(activity: Activity) -> Any:
    value = activity.value
    return value.get("data") if isinstance(value, dict) else None


def _said(card: Card | None) -> str:
    if card is None:
        return ""
    return unmarked(card.text or card.title)
