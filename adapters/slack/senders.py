"""Who sent a Slack payload, as one identity across an Enterprise Grid organisation.

Slack says where a person comes from differently in each payload kind: slash commands
carry `team_id` and `enterprise_id`; interactions carry `user.team_id`, `team` (null for
org-wide installs) and `enterprise`; events carry `team_id`/`enterprise_id` for the side
the event came from, `context_*` and `authorizations` for the installation, and the
person's own team in `event.user_team` or `event.team`. In a Slack Connect channel the
person's team differs from the installation's, and their organisation is known only if a
payload from their own side has shown it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.people import SlackOrganisations, slack_identity


@dataclass(frozen=True)
class Sender:
    user: str
    # The person's own workspace ("" when the payload does not say).
    team: str
    # Their organisation, when `certain`: the payload speaks for their own side.
    enterprise: str | None
    certain: bool
    # (workspace, enterprise) pairs this payload shows.
    joined: tuple[tuple[str, str], ...] = ()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pairs(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys((t, e) for t, e in pairs if t and e))


def of_command(body: dict[str, Any]) -> Sender:
    """A slash command: only people of the workspace the app is in can run it."""
    team, enterprise = _text(body.get("team_id")), _text(body.get("enterprise_id"))
    return Sender(
        user=_text(body.get("user_id")),
        team=team,
        enterprise=enterprise or None,
        certain=True,
        joined=_pairs((team, enterprise)),
    )


def of_interaction(body: dict[str, Any]) -> Sender:
    """A button tap, form, or shortcut (block_actions, view_submission, message_action)."""
    user = _dict(body.get("user"))
    team = _dict(body.get("team"))
    team_id = _text(team.get("id"))
    enterprise = (
        _text(team.get("enterprise_id"))
        or _text(_dict(body.get("enterprise")).get("id"))
        or _text(body.get("enterprise_id"))
    )
    own_team = _text(user.get("team_id"))
    joined = _pairs((team_id, enterprise))
    if own_team.startswith("E"):
        return Sender(_text(user.get("id")), "", own_team, True, joined)
    if not own_team or own_team == team_id or not team_id:
        # Their own workspace, or an org-wide install (no team): the enterprise is theirs.
        return Sender(_text(user.get("id")), own_team or team_id, enterprise or None, True, joined)
    return Sender(_text(user.get("id")), own_team, None, False, joined)


def of_event(body: dict[str, Any], event: dict[str, Any]) -> Sender:
    """An Events API callback about something `event.user` did."""
    authorization = _dict((body.get("authorizations") or [None])[0])
    sides = [
        (_text(body.get("team_id")), _text(body.get("enterprise_id"))),
        (_text(body.get("context_team_id")), _text(body.get("context_enterprise_id"))),
        (_text(authorization.get("team_id")), _text(authorization.get("enterprise_id"))),
    ]
    joined = _pairs(*sides)
    user = _text(event.get("user"))
    own_team = _text(event.get("user_team")) or _text(event.get("team"))
    if own_team.startswith("E"):
        return Sender(user, "", own_team, True, joined)
    if not own_team:
        team = next((t for t, _ in sides if t), "")
        enterprise = next((e for _, e in sides if e), "")
        return Sender(user, team, enterprise or None, True, joined)
    for team, enterprise in sides:
        if team == own_team:
            return Sender(user, own_team, enterprise or None, True, joined)
    return Sender(user, own_team, None, False, joined)


class Senders:
    """Turns a Sender into an identity, learning workspaces' organisations on the way."""

    def __init__(
        self,
        organisations: SlackOrganisations,
        seen: Callable[[str, str], None] | None = None,
    ) -> None:
        self.organisations = organisations
        # Told (identity, user id) of everyone a payload came from, e.g. to learn names.
        self._seen = seen

    async def organisation(self, sender: Sender) -> str:
        for workspace, enterprise in sender.joined:
            await self.organisations.joined(workspace, enterprise)
        if sender.certain:
            return sender.enterprise or sender.team
        return await self.organisations.enterprise_of(sender.team) or sender.team

    async def identity(self, sender: Sender) -> str:
        identity = slack_identity(await self.organisation(sender), sender.user)
        if self._seen is not None and sender.user:
            self._seen(identity, sender.user)
        return identity
