"""Log lines with the request they belong to, and never a token or secret."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_REQUEST_ID_KEY = web.RequestKey("request_id", str)
_TOKENS = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")
_ID_HEADER = "X-Request-Id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestContext(logging.Filter):
    """Adds `request_id` to every record and blanks out tokens and secrets."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        message = record.getMessage()
        cleaned = _TOKENS.sub(lambda found: f"{found.group(1)}-[hidden]", message)
        for secret in self.secrets:
            cleaned = cleaned.replace(secret, "[hidden]")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(level: str, secrets: Iterable[str | None] = ()) -> None:
    """Sets up the root logger once, for `cxbot` commands."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RequestContext(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))


@web.middleware
async def request_ids(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Gives each HTTP request an id (the caller's X-Request-Id if sensible), for its logs."""
    given = request.headers.get(_ID_HEADER, "")
    request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex[:12]
    # Kept on the request too: the access log is written after this middleware has returned.
    request[_REQUEST_ID_KEY] = request_id
    token = REQUEST_ID.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as answer:
        answer.headers[_ID_HEADER] = request_id
        raise
    finally:
        REQUEST_ID.reset(token)
    response.headers[_ID_HEADER] = request_id
    return response


class AccessLog(web.AccessLogger):
    """aiohttp's access log line, with the id of the request it is about."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        token = REQUEST_ID.set(request.get(_REQUEST_ID_KEY, "-"))
        try:
            super().log(request, response, time)
        finally:
            REQUEST_ID.reset(token)
