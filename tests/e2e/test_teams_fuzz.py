"""Mutated, wrong-typed and oversized Teams activities, and bodies that are no activity at all,
posted to the real server's /api/messages in emulator mode: never a 5xx, never a traceback at
ERROR, and it still answers afterwards. Garbage tokens: test_teams_fuzz_tokens.py."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.teams_activities import TeamsActivities, TeamsUser
from tests.e2e.teams_stack import (
    TeamsStack,
    shown,
    teams_stack_fixture,  # noqa: F401 (the fixture)
)
from tests.helpers import FIGURES

ANA = TeamsUser("Ana Alvarez")
PEOPLE = [ANA, TeamsUser("Ben Brown"), TeamsUser("\u202eevil\u202c"), TeamsUser("")]

ANY_TEXT = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "\u202eevil\u202c",
            "😀" * 50,
            "\x00\x1b[31m",
            "\ud800",
            "<at>cxbot</at>",
            "track \x00",
            "x" * 60_000,
            "track " + "word " * 5000,
            "29:1abc",
            "19:x@thread.tacv2;messageid=1",
        ]
    ),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
# Where a mutation lands: the fields the server reads, and some nested in them.
PATHS = [
    tuple(int(step) if step.isdigit() else step for step in path.split("."))
    for path in """type id name text textFormat timestamp locale serviceUrl channelId from from.id
    from.name from.aadObjectId recipient recipient.id conversation conversation.id
    conversation.tenantId conversation.conversationType channelData channelData.tenant
    channelData.tenant.id channelData.team channelData.channel.id channelData.postBack
    channelData.eventType value value.data value.data.cx value.data.cx.action
    value.data.cx.value value.data.text value.cx value.cx.action value.action entities
    entities.0 entities.0.mentioned attachments membersAdded membersRemoved action replyToId
    relatesTo""".split()
]
# Values a field may wrongly hold; JSON adds the rest at random.
WRONG = st.sampled_from(
    [None, 0, -1, 2**63, 1.5, True, "", [], {}, [None], {"id": None}, "a:1", "msteams"]
)
TYPES = """message invoke conversationUpdate installationUpdate messageReaction event typing
endOfConversation messageUpdate messageDelete no-such-type""".split()
INVOKES = """task/fetch task/submit adaptiveCard/action composeExtension/query
composeExtension/submitAction signin/verifyState fileConsent/invoke config/fetch""".split()
CX_DATA = [
    {"cx": {"action": "take", "value": "IT-AAAAAA"}},
    {"cx": {"action": "update", "value": "IT-AAAAAA"}, "text": "on it"},
    {"cx": {"action": "resolve", "value": "IT-AAAAAA"}},
    {"cx": {"action": "rate", "value": "IT-AAAAAA:quality:5"}},
    {"cx": {"action": "no-such-button", "value": ""}},
]
FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def base(acts: TeamsActivities, kind: int, user: TeamsUser, data: dict[str, Any]) -> dict:
    """One of the activities Teams really sends; `kind` picks which."""
    builders = [
        lambda: acts.personal_message(user, "track The printer jams"),
        lambda: acts.personal_message(user, "help"),
        lambda: acts.card_submit(user, data, reply_to_id="1700000000001"),
        lambda: acts.task_fetch(user, data),
        lambda: acts.task_submit(user, data),
        lambda: acts.card_action(user, "take", data, reply_to_id="1700000000001"),
        lambda: acts.installation_update(user),
        lambda: acts.members_added(user),
        lambda: acts.channel_message(
            user, "track update IT-AAAAAA hi", team_id="19:t@thread.tacv2", channel_id="19:c"
        ),
    ]
    return builders[kind % len(builders)]()


def put(activity: dict, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> None:
    """Sets (or deletes) activity[path...], making the containers on the way as needed."""
    node: Any = activity
    for step in path[:-1]:
        if isinstance(step, int):
            if not isinstance(node, list) or not node:
                return
            step = min(step, len(node) - 1)
            if not isinstance(node[step], dict):
                node[step] = {}
        elif not isinstance(node, dict):
            return
        elif not isinstance(node.get(step), dict | list):
            node[step] = {}
        node = node[step]
    last = path[-1]
    if isinstance(node, list):
        if node and isinstance(last, int):
            node[min(last, len(node) - 1)] = value
        return
    if delete:
        node.pop(last, None)
    else:
        node[last] = value


MUTATION = st.tuples(
    st.sampled_from(PATHS), st.one_of(WRONG, JSON, st.sampled_from(TYPES)), st.booleans()
)
ACTIVITY = st.tuples(
    st.integers(0, 100),
    st.sampled_from(PEOPLE),
    st.sampled_from(CX_DATA),
    st.lists(MUTATION, max_size=6),
    st.sampled_from(INVOKES),
)


def fuzzed(acts: TeamsActivities, draw: tuple) -> dict:
    kind, user, data, mutations, invoke = draw
    activity = copy.deepcopy(base(acts, kind, user, data))
    if activity["type"] == "invoke" and kind % 3 == 0:
        activity["name"] = invoke
    for path, value, delete in mutations:
        put(activity, path, value, delete=delete)
    return activity


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """ERROR lines with a traceback: a bug, when all that went wrong was the input."""
    return [
        f"{r.name}: {r.getMessage()}: {r.exc_info[1]!r}"[:300]
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.exc_info
    ]


@FUZZ
@given(ACTIVITY)
async def test_fuzzed_activities_never_give_a_5xx(
    teams_stack: TeamsStack, caplog: pytest.LogCaptureFixture, draw: tuple
) -> None:
    activity = fuzzed(teams_stack.acts, draw)
    FIGURES["fuzzed Teams activities tried"] += 1
    status, body = await teams_stack.post(activity)
    assert status < 500, (activity, status, body)
    assert not tracebacks(caplog), (activity, tracebacks(caplog))


async def still_works(stack: TeamsStack, user: TeamsUser) -> None:
    """Health answers, and a plain activity gets its answer in the person's chat."""
    async with stack.http.get(stack.server.make_url("/healthz")) as response:
        assert response.status == 200
    before = len(stack.to(user))
    status, _ = await stack.post(stack.acts.personal_message(user, "help"))
    assert status == 200
    await stack.until(lambda: [c for c in stack.to(user)[before:] if "track" in shown(c)], 20)


@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(ACTIVITY, min_size=100, max_size=100))
async def test_after_a_storm_of_fuzzed_activities_the_server_still_answers(
    teams_stack: TeamsStack, caplog: pytest.LogCaptureFixture, draws: list[tuple]
) -> None:
    statuses = []
    for draw in draws:
        activity = fuzzed(teams_stack.acts, draw)
        status, _ = await teams_stack.post(activity)
        statuses.append((status, activity))
    FIGURES["fuzzed Teams activities tried"] += len(draws)
    assert [s for s in statuses if s[0] >= 500] == []
    await still_works(teams_stack, TeamsUser("Zoe After"))
    assert not tracebacks(caplog)


def _nested(depth: int) -> bytes:
    return b'{"type": "message", "value": ' + b"[" * depth + b"]" * depth + b"}"


RAW_BODIES = {
    "not json": (b"not json", "application/json"),
    "binary": (b"\xff\xfe\x00", "application/json"),
    "empty": (b"", "application/json"),
    "a list": (b"[1, 2]", "application/json"),
    "a string": (b'"message"', "application/json"),
    "null": (b"null", "application/json"),
    "nan": (b'{"type": NaN}', "application/json"),
    "deep nesting": (_nested(200_000), "application/json"),
    "lone surrogate": (b'{"type": "message", "text": "\\ud800"}', "application/json"),
    "over a megabyte": (b'{"text": "' + b"x" * 1_100_000 + b'"}', "application/json"),
    "form": (b"type=message&text=help", "application/x-www-form-urlencoded"),
    "text": (json.dumps({"type": "message"}).encode(), "text/plain"),
    "no content type": (b'{"type": "message"}', ""),
    "multipart": (b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    "json with charset": (b'{"type": "message"}', "application/json; charset=latin-1"),
}


@pytest.mark.parametrize("case", list(RAW_BODIES))
async def test_bodies_that_are_not_activities_get_a_4xx(
    teams_stack: TeamsStack, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    raw, content_type = RAW_BODIES[case]
    headers = {"Content-Type": content_type} if content_type else {}
    FIGURES["fuzzed Teams activities tried"] += 1
    async with teams_stack.http.post(teams_stack.url, data=raw, headers=headers) as response:
        status = response.status
    assert 400 <= status < 500, (case, status)
    assert not tracebacks(caplog)
    await still_works(teams_stack, ANA)


async def test_a_deeply_nested_value_in_a_real_activity_is_ignored(
    teams_stack: TeamsStack, caplog: pytest.LogCaptureFixture
) -> None:
    # Just inside what Python's JSON reader takes (about 1000 levels), so it reaches the SDK.
    value: Any = {}
    for _ in range(900):
        value = {"cx": value, "data": [value] if len(str(value)) < 50 else None}
    activity = teams_stack.acts.card_submit(ANA, value, reply_to_id="1700000000001")
    FIGURES["fuzzed Teams activities tried"] += 1
    status, _ = await teams_stack.post(activity)
    assert status < 500
    assert not tracebacks(caplog)
    await still_works(teams_stack, ANA)


HOSTILE = ["\x00", "\ud800", "\u202e\u0000evil", "x" * 70_000]


def string_paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from string_paths(value, (*path, key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from string_paths(value, (*path, n))
    elif isinstance(node, str):
        yield path


async def test_hostile_text_in_every_field_is_refused_or_handled(
    teams_stack: TeamsStack, caplog: pytest.LogCaptureFixture
) -> None:
    """NUL (which PostgreSQL cannot store), a lone surrogate (which UTF-8 cannot encode),
    bidi controls and very long strings, in each string a real activity carries."""
    problems = []
    tried = 0
    for kind in range(9):
        template = base(teams_stack.acts, kind, ANA, CX_DATA[1])
        for path in string_paths(template):
            for hostile in HOSTILE:
                activity = base(teams_stack.acts, kind, ANA, CX_DATA[1])
                put(activity, path, hostile)
                status, _ = await teams_stack.post(activity)
                tried += 1
                if status >= 500 or tracebacks(caplog):
                    problems.append((kind, path, hostile[:20], status, tracebacks(caplog)))
                    caplog.clear()
    FIGURES["fuzzed Teams activities tried"] += tried
    await still_works(teams_stack, TeamsUser("Zoe After"))
    problems += [("after", tracebacks(caplog))] if tracebacks(caplog) else []
    assert problems == [], "\n".join(map(repr, problems))
