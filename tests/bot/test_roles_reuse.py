"""A person's roles are read once and reused for ROLES_REUSE_SECONDS: a role granted or taken
away elsewhere (`cxbot roles …` in another process) counts once that time has passed, and one
changed through this process (a workspace joining its Grid organisation) counts at once."""

from __future__ import annotations

from bot import desk as desk_module
from bot.people import Role, SlackOrganisations
from storage import roles
from tests.bot.conftest import World
from tests.helpers import grant

SAM = "slack:T1:USAM"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_role_granted_elsewhere_counts_after_the_reuse_time(world: World) -> None:
    clock = Clock()
    world.desk.clock = clock
    assert (await world.desk.person(SAM)).roles == frozenset()
    await grant(world.db, SAM, "technician")

    clock.now += desk_module.ROLES_REUSE_SECONDS - 0.5
    reused = await world.desk.person(SAM)
    clock.now += 1.0
    fresh = await world.desk.person(SAM)
    assert (reused.roles, fresh.roles) == (frozenset(), {Role.TECHNICIAN})


async def test_a_role_taken_away_elsewhere_counts_after_the_reuse_time(world: World) -> None:
    clock = Clock()
    world.desk.clock = clock
    await grant(world.db, SAM, "lead")
    assert (await world.desk.person(SAM)).roles == {Role.LEAD}
    async with world.db.write() as session:
        await roles.revoke(session=session, identity=SAM, role="lead")

    clock.now += desk_module.ROLES_REUSE_SECONDS + 0.1
    assert (await world.desk.person(SAM)).roles == frozenset()


async def test_forgetting_roles_reads_them_afresh(world: World) -> None:
    world.desk.clock = Clock()  # time stands still: only forgetting can refresh
    assert not (await world.desk.person(SAM)).can_work
    await grant(world.db, SAM, "technician")
    world.desk.forget_roles()
    assert (await world.desk.person(SAM)).can_work


async def test_roles_moved_by_a_grid_join_count_at_once(world: World) -> None:
    world.desk.clock = Clock()
    await grant(world.db, "slack:T1:UTESS", "technician")
    assert (await world.desk.person("slack:E1:UTESS")).roles == frozenset()
    organisations = SlackOrganisations(world.db, moved=world.desk.forget_roles)
    await organisations.joined("T1", "E1")
    assert (await world.desk.person("slack:E1:UTESS")).roles == {Role.TECHNICIAN}


async def test_the_people_remembered_are_bounded(world: World, monkeypatch) -> None:
    monkeypatch.setattr(desk_module, "ROLES_REUSE_MAX", 3)
    for n in range(10):
        await world.desk.person(f"slack:T1:U{n}")
    assert len(world.desk._people) <= 3
