"""Slack workspaces that joined an Enterprise Grid organisation, and the re-keying of the
identities stored before the organisation was known."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import String, Table, delete, exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    OutboxMessage,
    Rating,
    Request,
    RoleGrant,
    SlackOrganisation,
    Survey,
    TimelineEntry,
    Watcher,
)
from storage.types import utcnow
from storage.upsert import insert_for

log = logging.getLogger(__name__)


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


# (table, column holding an identity or a target, columns that with it must stay unique)
_COLUMNS: list[tuple[Table, str, tuple[str, ...]]] = [
    (_table(Request), "requester", ()),
    (_table(Request), "assignee", ()),
    (_table(TimelineEntry), "actor", ()),
    (_table(Watcher), "identity", ("request_id",)),
    (_table(RoleGrant), "identity", ("role",)),
    (_table(Survey), "requester", ()),
    (_table(Rating), "rater", ("request_id", "dimension")),
]


def _renamed(column: Any, old: str, new: str) -> Any:
    return literal(new, String) + func.substr(column, len(old) + 1)


async def _move(
    session: AsyncSession, table: Table, name: str, old: str, new: str, unique: tuple[str, ...]
) -> int:
    column = table.c[name]
    if unique:
        # The person already has a row under the new key (made since the organisation
        # became known): that one stays, the old one would collide with it.
        twin = table.alias("twin")
        clash = exists().where(
            twin.c[name] == _renamed(column, old, new),
            *(twin.c[key] == table.c[key] for key in unique),
        )
        await session.execute(delete(table).where(column.startswith(old, autoescape=True), clash))
    moved = await session.execute(
        update(table)
        .where(column.startswith(old, autoescape=True))
        .values({name: _renamed(column, old, new)})
    )
    return int(moved.rowcount or 0)


async def rekey(*, session: AsyncSession, old_prefix: str, new_prefix: str) -> int:
    """Every stored identity starting `old_prefix` now starts `new_prefix`; rows moved."""
    moved = 0
    for table, name, unique in _COLUMNS:
        moved += await _move(session, table, name, old_prefix, new_prefix, unique)
    moved += await _move(
        session, _table(OutboxMessage), "target", "person:" + old_prefix, "person:" + new_prefix, ()
    )
    return moved


async def join_enterprise(
    *, session: AsyncSession, workspace: str, enterprise: str, old_prefix: str, new_prefix: str
) -> bool:
    """Records that `workspace` belongs to `enterprise` and re-keys its identities, once.

    Two replicas may see the first Grid payload together: the primary key lets one insert;
    on PostgreSQL the other waits for that transaction and then finds the row. True when
    this call did the re-keying.
    """
    statement = (
        insert_for(session, SlackOrganisation)
        .values(workspace_id=workspace, enterprise_id=enterprise, joined_at=utcnow())
        .on_conflict_do_nothing()
    )
    if (await session.execute(statement)).rowcount != 1:
        return False
    moved = await rekey(session=session, old_prefix=old_prefix, new_prefix=new_prefix)
    log.info(
        "slack: workspace %s belongs to organisation %s; %d stored identities re-keyed",
        workspace,
        enterprise,
        moved,
    )
    return True


async def enterprise_of(*, session: AsyncSession, workspace: str) -> str | None:
    query = select(SlackOrganisation.enterprise_id).where(
        SlackOrganisation.workspace_id == workspace
    )
    return await session.scalar(query)
