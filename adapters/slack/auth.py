"""Bolt's authorization for our one workspace (or organisation)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


class BotIdentity:
    """Bolt's authorization for one workspace, without making people wait on `auth.test`.

    Bolt's default asks Slack `auth.test` on the first request and fails that request when
    Slack cannot be reached. People's commands need only the bot token, so this asks once
    in a while and answers with what it knows.
    """

    RETRY_SECONDS = 60.0

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self.info: dict[str, Any] | None = None
        self._last_try = float("-inf")

    def as_function(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """Bolt reads the argument names of a plain function, so it gets one."""

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return await self.authorize(enterprise_id, team_id)

        return authorize

    async def authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        now = time.monotonic()
        if self.info is None and now - self._last_try >= self.RETRY_SECONDS:
            self._last_try = now
            try:
                self.info = dict((await self.client.auth_test()).data)  # type: ignore[arg-type]
            except Exception as error:
                log.warning("slack: auth.test failed (%s); answering people anyway", error)
        info = self.info or {}
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id or info.get("team_id"),
            bot_token=self.client.token,
            bot_user_id=info.get("user_id"),
            bot_id=info.get("bot_id"),
        )
