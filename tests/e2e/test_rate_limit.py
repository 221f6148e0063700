"""A Slack that rate-limits: everything is delivered once, and the limit is kept to."""

from __future__ import annotations

import asyncio
from collections import Counter

from bench.limiters import TokenBucket
from tests.e2e.conftest import Stack
from tests.helpers import FIGURES, enqueue_messages

MESSAGES = 120
PER_SECOND = 30


async def _send_all(stack: Stack, messages: int, title: str) -> float:
    """Puts `messages` DMs in the outbox and waits until Slack took each; checks every one
    went out exactly once and returns the seconds from the first to the last."""
    await enqueue_messages(stack.db, messages, title=title)
    posts = await stack.slack.wait_for(
        lambda calls: (
            len({c.args.get("text") for c in calls if c.method == "chat.postMessage"}) >= messages
        ),
        within=60,
    )
    await asyncio.sleep(0.5)
    sent = [c for c in posts if c.method == "chat.postMessage"]
    texts = Counter(c.args.get("text") for c in sent)
    assert set(texts) == {f"{title} {n}" for n in range(messages)}
    assert set(texts.values()) == {1}, "a message went out twice"
    return max(c.at for c in sent) - min(c.at for c in sent)


async def test_a_burst_keeps_to_the_workspace_limit_and_loses_nothing(stack: Stack) -> None:
    stack.slack.limit_posts(per_second=PER_SECOND)
    elapsed = await _send_all(stack, MESSAGES, "notice")
    floor = (MESSAGES - 1) // PER_SECOND
    FIGURES["rate-limited burst: 429 answers"] = stack.slack.rate_limited
    FIGURES["rate-limited burst: elapsed over floor"] = round(elapsed / floor, 2)
    # It learns the limit from the first refusals instead of hammering: a handful, not dozens.
    assert stack.slack.rate_limited <= 2 * stack.settings.outbox_concurrency
    assert floor <= elapsed < 2 * floor


async def test_a_token_bucket_without_a_burst_is_kept_to_not_crawled_at_one_a_second(
    stack: Stack,
) -> None:
    # 20 a second, evenly: the first refusal comes after one message. Learning the limit
    # from the second before it (one) sent the rest at one a second: 100 s for this.
    per_second, messages = 20, 100
    stack.slack.limit(TokenBucket(per_second, burst=1))
    elapsed = await _send_all(stack, messages, "even")
    floor = (messages - 1) / per_second
    FIGURES["no-burst bucket: 429 answers"] = stack.slack.rate_limited
    FIGURES["no-burst bucket: elapsed over floor"] = round(elapsed / floor, 2)
    assert elapsed < 2 * floor
