"""Who may do what: every action × every kind of person, allowed or refused."""

from __future__ import annotations

import re

import pytest

from bot.reply import Reply
from tests.bot.conftest import World
from tests.helpers import grant

REQUESTER, OTHER, WATCHER = "slack:T1:UREQ", "slack:T1:UOTHER", "slack:T1:UWATCH"
TECHNICIAN, LEAD, ADMIN = "slack:T1:UTECH", "slack:T1:ULEAD", "slack:T1:UADMIN"
PEOPLE = {
    "requester": REQUESTER,
    "another employee": OTHER,
    "watcher": WATCHER,
    "technician": TECHNICIAN,
    "lead": LEAD,
    "admin": ADMIN,
}
Y, N = True, False
#            requester other watcher technician lead admin
EXPECTED = {
    "open":    (Y, Y, Y, Y, Y, Y),
    "view":    (Y, N, Y, Y, Y, Y),
    "update":  (N, N, N, Y, N, Y),
    "assign":  (N, N, N, Y, N, Y),
    "resolve": (N, N, N, Y, N, Y),
    "reopen":  (Y, N, N, Y, N, Y),
    "rate":    (Y, N, N, N, N, N),
    "follow":  (Y, N, Y, Y, Y, Y),
    "summary": (N, N, N, N, Y, Y),
}  # fmt: skip
CASES = [
    pytest.param(action, who, allowed, id=f"{action}-{who}")
    for action, row in EXPECTED.items()
    for who, allowed in zip(PEOPLE, row, strict=True)
]


async def prepare(world: World, *, resolved: bool) -> str:
    await grant(world.db, TECHNICIAN, "technician")
    await grant(world.db, LEAD, "lead")
    await grant(world.db, ADMIN, "admin")
    reply = await world.desk.track(REQUESTER, "The office printer prints blank pages")
    assert reply.card is not None
    code = re.search(r"IT-[0-9A-Z]{6}", reply.card.text).group(0)
    assert not (await world.desk.track(REQUESTER, f"cc {code} @{WATCHER}")).problem
    if resolved:
        assert not (await world.desk.track(TECHNICIAN, f"resolve {code}")).problem
    return code


async def act(world: World, action: str, person: str, code: str) -> Reply:
    desk = world.desk
    if action == "open":
        return await desk.track(person, "My monitor is flickering")
    if action == "view":
        return await desk.track(person, code)
    if action == "update":
        return await desk.track(person, f"update {code} Looking into it")
    if action == "assign":
        return await desk.press(person, "take", code)
    if action == "resolve":
        return await desk.press(person, "resolve", code)
    if action == "reopen":
        return await desk.track(person, f"reopen {code} Still broken")
    if action == "rate":
        return await desk.press(person, "rate", f"{code}:quality:5")
    if action == "follow":
        return await desk.track(person, f"follow {code}")
    return await desk.summary(person, "30d")


@pytest.mark.parametrize(("action", "who", "allowed"), CASES)
async def test_who_may_do_what(world: World, action: str, who: str, allowed: bool) -> None:
    code = await prepare(world, resolved=action in ("reopen", "rate"))
    reply = await act(world, action, PEOPLE[who], code)
    assert reply.problem is (not allowed), (action, who, reply.card)
    if not allowed and reply.card is not None:
        assert "slack:" not in reply.card.text  # a refusal shows nobody's data
        assert "blank pages" not in reply.card.text
