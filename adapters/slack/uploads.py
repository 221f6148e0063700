"""A card's picture to Slack: uploaded as a file beside the message, never inside its blocks.

Through slack_sdk's `files_upload_v2`, which makes the calls Slack's upload asks for, in
order: files.getUploadURLExternal (an upload address and a file id), the bytes POSTed to
that address, then files.completeUploadExternal, which shares the file in the conversation.
"""

from __future__ import annotations

import base64
import binascii
import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.views import Image

log = logging.getLogger(__name__)

MAX_ALT = 1000  # Slack's limit on a file's alt text
MAX_TITLE = 250
# Whatever goes wrong with a picture: the message it belongs to is out already.
_FAILED = (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError, binascii.Error)


async def upload(
    client: AsyncWebClient,
    image: Image,
    *,
    channel: str,
    thread_ts: str | None = None,
    comment: str | None = None,
) -> str | None:
    """Shares the picture in `channel` (in the thread of `thread_ts`); its Slack file id,
    or None, logged, when it could not be shared."""
    try:
        done = await client.files_upload_v2(
            file=base64.b64decode(image.png_base64, validate=True),
            filename=image.name,
            title=(image.title or image.name)[:MAX_TITLE],
            alt_txt=image.alt[:MAX_ALT],
            channel=channel,
            thread_ts=thread_ts,
            initial_comment=comment,
        )
    except _FAILED as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else error
        log.warning("slack: the chart for %s was not shared: %s", channel, reason)
        return None
    except Exception:
        # Nothing about a picture may send its message again (see SlackDelivery._picture).
        log.exception("slack: the chart for %s was not shared", channel)
        return None
    return str((done.get("file") or {}).get("id") or "") or None


async def upload_to_person(
    client: AsyncWebClient, image: Image, *, user: str, comment: str | None = None
) -> str | None:
    """Shares the picture in the person's direct messages with the bot (a slash command's
    answer is seen by them alone and cannot carry a file)."""
    try:
        opened = await client.conversations_open(users=user)
    except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
        reason = error.response.get("error") if isinstance(error, SlackApiError) else error
        log.warning("slack: no direct messages with %s for a chart: %s", user, reason)
        return None
    channel = str((opened.get("channel") or {}).get("id") or "")
    if not channel:
        log.warning("slack: conversations.open named no conversation for %s", user)
        return None
    return await upload(client, image, channel=channel, comment=comment)
