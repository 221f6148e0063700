"""Activities shaped as Microsoft Teams sends them to a bot, for tests.

Shapes from Microsoft's Teams platform docs (learn.microsoft.com/microsoftteams/platform):
"Messages in bot conversations" (the message schema: 29:/28: ids, aadObjectId, clientInfo
entity, channelData.tenant), "Channel and group chat conversations with a bot" (channel
conversation ids "19:…@thread.tacv2;messageid=…", channelData.teamsChannelId/team, the
<at> mention entity), "Invoke and dismiss dialogs" (task/fetch and task/submit values with
data and context), "Conversation events" (conversationUpdate membersAdded with
channelData.eventType, installationUpdate with action "add"/"remove"), and botbuilder-python's
own Teams tests (libraries/botbuilder-core/tests/teams). Card button clicks: Action.Submit
arrives as a message with `value` and `replyToId` (and channelData.postBack); Action.Execute
as the invoke "adaptiveCard/action".
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
_ids = itertools.count(1_700_000_000_000)


def personal_conversation_id(user_id: str, app_id: str) -> str:
    """Teams keeps one personal ("a:…") conversation per user and bot."""
    return "a:1" + hashlib.sha256(f"{user_id}|{app_id}".encode()).hexdigest()[:48]


@dataclass(frozen=True)
class TeamsUser:
    name: str
    aad_object_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def id(self) -> str:
        # Teams user ids are opaque "29:" strings, stable per user and bot.
        return "29:1" + hashlib.sha256(self.aad_object_id.encode()).hexdigest()[:40]

    def account(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}


@dataclass
class TeamsActivities:
    """Builds activities addressed to one bot, from one tenant, through one serviceUrl."""

    service_url: str
    app_id: str
    tenant_id: str = TENANT
    bot_name: str = "cxbot"
    locale: str = "en-US"

    @property
    def bot(self) -> dict[str, Any]:
        return {"id": f"28:{self.app_id}", "name": self.bot_name}

    def personal_conversation_id(self, user: TeamsUser) -> str:
        return personal_conversation_id(user.id, self.app_id)

    def personal_message(self, user: TeamsUser, text: str, **extra: Any) -> dict[str, Any]:
        return {**self._personal(user, "message"), "text": text, "textFormat": "plain", **extra}

    def card_submit(
        self, user: TeamsUser, value: dict[str, Any], *, reply_to_id: str
    ) -> dict[str, Any]:
        """A tap on an Action.Submit button of a card the bot sent in personal chat."""
        activity = self._personal(user, "message")
        activity["channelData"] |= {"postBack": True, "legacy": {"replyToId": reply_to_id}}
        return {**activity, "value": value, "replyToId": reply_to_id}

    def card_action(
        self, user: TeamsUser, verb: str, data: dict[str, Any], *, reply_to_id: str
    ) -> dict[str, Any]:
        """A tap on an Action.Execute button (universal actions)."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
        return self._invoke(
            user, "adaptiveCard/action", {**value, "trigger": "manual"}, reply_to_id
        )

    def task_fetch(
        self, user: TeamsUser, data: dict[str, Any], *, reply_to_id: str | None = None
    ) -> dict[str, Any]:
        return self._invoke(user, "task/fetch", self._dialog(data), reply_to_id)

    def task_submit(
        self, user: TeamsUser, data: dict[str, Any], *, reply_to_id: str | None = None
    ) -> dict[str, Any]:
        return self._invoke(user, "task/submit", self._dialog(data), reply_to_id)

    def installation_update(self, user: TeamsUser, action: str = "add") -> dict[str, Any]:
        activity = self._personal(user, "installationUpdate")
        activity["channelData"]["source"] = {"name": "message"}
        return {**activity, "action": action}

    def members_added(self, user: TeamsUser, *, bot: bool = True) -> dict[str, Any]:
        """conversationUpdate in personal chat: the bot (on install) or the user joined."""
        added = self.bot if bot else user.account()
        return {**self._personal(user, "conversationUpdate"), "membersAdded": [added]}

    def channel_message(
        self, user: TeamsUser, text: str, *, team_id: str, channel_id: str
    ) -> dict[str, Any]:
        """A message in a team channel that @mentions the bot, as a new thread."""
        activity_id = str(next(_ids))
        mention = f"<at>{self.bot_name}</at>"
        return {
            **self._base(user, "message", activity_id),
            "conversation": {
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": self.tenant_id,
                "id": f"{channel_id};messageid={activity_id}",
            },
            "text": f"{mention} {text}",
            "textFormat": "plain",
            "entities": [
                {"type": "mention", "mentioned": self.bot, "text": mention},
                self._client_info(),
            ],
            "channelData": {
                "teamsChannelId": channel_id,
                "teamsTeamId": team_id,
                "channel": {"id": channel_id},
                "team": {"id": team_id},
                "tenant": {"id": self.tenant_id},
            },
        }

    # --- parts -------------------------------------------------------------------------

    def _personal(self, user: TeamsUser, kind: str) -> dict[str, Any]:
        return {
            **self._base(user, kind, str(next(_ids))),
            "conversation": {
                "conversationType": "personal",
                "tenantId": self.tenant_id,
                "id": self.personal_conversation_id(user),
            },
            "entities": [self._client_info()],
            "channelData": {"tenant": {"id": self.tenant_id}},
        }

    def _invoke(
        self, user: TeamsUser, name: str, value: dict[str, Any], reply_to_id: str | None
    ) -> dict[str, Any]:
        activity = {**self._personal(user, "invoke"), "name": name, "value": value}
        activity["channelData"]["source"] = {"name": "message"}
        if reply_to_id:
            activity["replyToId"] = reply_to_id
        return activity

    def _base(self, user: TeamsUser, kind: str, activity_id: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "type": kind,
            "id": activity_id,
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "localTimestamp": now.isoformat(),
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": user.account(),
            "recipient": self.bot,
            "locale": self.locale,
        }

    def _client_info(self) -> dict[str, Any]:
        return {
            "type": "clientInfo",
            "locale": self.locale,
            "country": "US",
            "platform": "Web",
            "timezone": "Europe/London",
        }

    @staticmethod
    def _dialog(data: dict[str, Any]) -> dict[str, Any]:
        return {"data": data, "context": {"theme": "default"}}
