"""The CX activities of issue 10 as Teams sends them, on top of tests/e2e/teams_activities.py.

Shapes from Microsoft's Teams platform docs: "Channel and group chat conversations with a
bot" (a user @mention is an entity `{"type": "mention", "mentioned": {"id": "29:…", "name"},
"text": "<at>Name</at>"}`, the same words in the message text; no Entra ID object id),
"Adaptive Card actions in Teams" (an Action.Submit's `data` merged with the card's inputs
at the top of `value`, an input left empty sent as "" or left out by older clients; no
`text`) and "Invoke and dismiss dialogs" (task/submit: the inputs merged into `value.data`
beside the button's own data, its `msteams` key included).
"""

from __future__ import annotations

from typing import Any

from tests.e2e.teams_activities import TeamsActivities, TeamsUser

Json = dict[str, Any]


def mention(user: TeamsUser) -> Json:
    """A user @mention entity: Teams gives the 29: id and the name, not the object id."""
    return {"type": "mention", "mentioned": {"id": user.id, "name": user.name},
            "text": f"<at>{user.name}</at>"}  # fmt: skip


def mentioning(activity: Json, text: str, *users: TeamsUser) -> Json:
    """`activity` saying `text` and then @mentioning each user, after the bot's own
    @mention when the activity has one (a channel message)."""
    bot = [e["text"] for e in activity.get("entities", []) if e["type"] == "mention"]
    words = " ".join([*bot, text, *(mention(u)["text"] for u in users)])
    entities = [*activity.get("entities", []), *(mention(u) for u in users)]
    return activity | {"text": words, "entities": entities}


def personal_with_mentions(
    acts: TeamsActivities, user: TeamsUser, text: str, *users: TeamsUser
) -> Json:
    return mentioning(acts.personal_message(user, ""), text, *users)


def channel_typed(
    acts: TeamsActivities, user: TeamsUser, text: str, *, team: str, channel: str
) -> Json:
    """A new channel thread that @mentions the bot, typed by `user`; Teams adds a line end."""
    activity = acts.channel_message(user, text, team_id=team, channel_id=channel)
    return activity | {"text": activity["text"] + "\n"}


def left_out(data: Json, *inputs: str) -> Json:
    """A button's data as an older client sends it: empty inputs left out."""
    return {key: value for key, value in data.items() if key not in inputs}


def submit_in_channel(
    acts: TeamsActivities, user: TeamsUser, value: Json, *, root: str, team: str, channel: str
) -> Json:
    """An Action.Submit tap on a card the bot posted in a channel thread: a message with
    the data as `value`, no text, and the thread's root as `replyToId`."""
    activity = acts.channel_message(user, "", team_id=team, channel_id=channel)
    activity["conversation"]["id"] = f"{channel};messageid={root}"
    activity["channelData"] |= {"postBack": True, "legacy": {"replyToId": root}}
    for key in ("text", "textFormat"):
        activity.pop(key)
    activity["entities"] = [e for e in activity["entities"] if e["type"] != "mention"]
    return activity | {"value": value, "replyToId": root}


def group_chat_typed(acts: TeamsActivities, user: TeamsUser, text: str, *, chat: str) -> Json:
    """A message in a group chat that @mentions the bot. Teams has sent such mentions
    without their `text` (botbuilder-dotnet issue 2504); the words still say `<at>…</at>`."""
    activity = acts.channel_message(user, text, team_id="", channel_id=chat)
    activity["conversation"] = {"isGroup": True, "conversationType": "groupChat",
                                "tenantId": acts.tenant_id, "id": chat}  # fmt: skip
    activity["channelData"] = {"tenant": {"id": acts.tenant_id}}
    activity["entities"] = [
        {"type": "mention", "mentioned": acts.bot} if e["type"] == "mention" else e
        for e in activity["entities"]
    ]
    return activity
