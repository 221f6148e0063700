"""Random, wrong-typed and oversized Slack payloads, correctly signed: never a 5xx."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Stack
from tests.helpers import FIGURES

ANY_TEXT = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["\u202eevil\u202c", "😀" * 50, "\x00\x1b[31m", "<!channel>", "x" * 5000]),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
KINDS = st.sampled_from(
    [
        "block_actions",
        "view_submission",
        "message_action",
        "shortcut",
        "event_callback",
        "url_verification",
        None,
        5,
        ["x"],
    ]
)
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    KINDS,
    st.dictionaries(
        st.sampled_from(
            [
                "actions",
                "user",
                "team",
                "view",
                "event",
                "message",
                "channel",
                "callback_id",
                "trigger_id",
                "state",
                "private_metadata",
                "event_id",
            ]
        ),
        JSON,
        max_size=8,
    ),
)
async def test_fuzzed_payloads_never_give_a_5xx(stack: Stack, kind: object, fields: dict) -> None:
    payload = {"type": kind, **fields}
    FIGURES["fuzzed Slack payloads tried"] += 2
    form = urlencode({"payload": json.dumps(payload)})
    status, text = await stack.sender.post(form)
    assert status < 500, (payload, status, text)
    status, text = await stack.sender.post(json.dumps(payload), content_type="application/json")
    assert status < 500, (payload, status, text)


@FUZZ
@given(ANY_TEXT, ANY_TEXT, ANY_TEXT)
async def test_fuzzed_slash_commands_never_give_a_5xx(
    stack: Stack, text: str, user: str, team: str
) -> None:
    FIGURES["fuzzed slash commands tried"] += 1
    body = urlencode({"command": "/track", "text": text, "user_id": user, "team_id": team})
    status, answer = await stack.sender.post(body)
    assert status < 500, (text, user, team, status, answer)
