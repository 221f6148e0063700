"""Filters on Bolt's own loggers: what it says that we do not want said, or not that way."""

from __future__ import annotations

import logging


class _TokenNotice(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN is unused when the client carries it, as ours does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token`" not in record.getMessage()


class _NoBodies(logging.Filter):
    """Bolt logs a refused request with its whole body, i.e. people's words: keep one line
    that says what happened, without them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Invalid request signature"):
            record.msg, record.args = "slack: refused a request with a bad signature", ()
        return True


_TOKEN_NOTICE, _NO_BODIES = _TokenNotice(), _NoBodies()


def install() -> None:
    """Adds the filters to Bolt's loggers (once: adding the same filter twice is a no-op)."""
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_TOKEN_NOTICE)
    for name in ("slack_bolt.RequestVerification", "slack_bolt.AsyncRequestVerification"):
        logging.getLogger(name).addFilter(_NO_BODIES)
