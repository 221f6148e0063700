"""Slack people's names, looked up with `users.info` (scope users:read) the first time a
person is seen by this process, and kept in the people directory for every platform's cards.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.people import Directory

log = logging.getLogger(__name__)

# Looked up once per person per process; a name changed in Slack shows after a restart.
MAX_ASKED = 50_000


class Names:
    def __init__(self, client: AsyncWebClient, directory: Directory) -> None:
        self.client = client
        self.directory = directory
        self._asked: set[str] = set()

    def wanted(self, identity: str) -> bool:
        """True the first time this process sees a person it has no name for."""
        if identity in self._asked or self.directory.knows(identity):
            return False
        if len(self._asked) >= MAX_ASKED:
            self._asked.clear()
        self._asked.add(identity)
        return True

    async def look_up(self, identity: str, user: str) -> None:
        try:
            response = await self.client.users_info(user=user)
        except SlackApiError as error:
            # missing_scope (an app installed before users:read was asked for), user_not_found,
            # or an answer that is not Slack's JSON at all (a proxy's error page).
            data = error.response.data
            reason = data.get("error") if isinstance(data, dict) else error.response.status_code
            log.info("slack: no name for %s: %s", user, reason)
            return
        except Exception as error:  # the network: the name can wait for the next restart
            log.info("slack: no name for %s: %s: %s", user, type(error).__name__, error)
            return
        await self.directory.seen(identity, name_of(response.data))


def name_of(data: Any) -> str | None:
    """The name Slack shows for a person: display name, else real name, else handle."""
    user = data.get("user") if isinstance(data, dict) else None
    if not isinstance(user, dict):
        return None
    profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    handle = user.get("name")
    return handle if isinstance(handle, str) and handle.strip() else None
