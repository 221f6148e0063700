"""People and their roles. A person is known by platform identity, e.g. `slack:T1:U1`.

Slack identities are `slack:<organisation>:<user>`: the Enterprise Grid organisation's id
when the workspace belongs to one (user ids are unique across it, so one person is one
identity whichever workspace they write from), else the workspace's own id. Teams
identities are `teams:<tenant id>:<Entra ID object id>`; the console's are
`console:local:<name>`. Identities are built and taken apart only here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from storage import identities as store
from storage import people as people_store
from storage.db import Database

log = logging.getLogger(__name__)

_IDENTITY = re.compile(r"^(slack|teams|console):[A-Za-z0-9._-]{1,64}:[A-Za-z0-9._-]{1,128}$")
# An identity written inside text (e.g. `@slack:T1:U2` after `track cc`).
IDENTITY_IN_TEXT = re.compile(r"\b(?:slack|teams|console):[A-Za-z0-9._-]+:[A-Za-z0-9._-]+")
# Slack's ids (T…, E…, U…, W…): upper-case letters and digits.
_SLACK_ID = re.compile(r"^[A-Z0-9]{1,64}$")


class Role(StrEnum):
    TECHNICIAN = "technician"
    LEAD = "lead"
    ADMIN = "admin"


def valid_identity(identity: str) -> bool:
    return bool(_IDENTITY.match(identity))


@dataclass(frozen=True)
class Person:
    """Who is acting, with the roles they hold."""

    identity: str
    roles: frozenset[Role] = frozenset()

    @property
    def is_staff(self) -> bool:
        """Support staff see every request."""
        return bool(self.roles)

    @property
    def can_work(self) -> bool:
        """Take, update and resolve requests."""
        return Role.TECHNICIAN in self.roles or Role.ADMIN in self.roles

    @property
    def can_read_summary(self) -> bool:
        return Role.LEAD in self.roles or Role.ADMIN in self.roles


def user_part(identity: str) -> str:
    """The last part of an identity: the platform's own id for the person."""
    return identity.rpartition(":")[2]


def platform_of(identity: str) -> str:
    """`slack`, `teams` or `console`: where a person is reached."""
    return identity.partition(":")[0]


def teams_identity(tenant: str, object_id: str) -> str:
    """`teams:<tenant id>:<Entra ID (AAD) object id>`, both lower case as Teams sends them."""
    return f"teams:{tenant.lower()}:{object_id.lower()}"


def teams_parts(identity: str) -> tuple[str, str] | None:
    """(tenant id, object id) of a Teams identity, None for any other."""
    platform, _, rest = identity.partition(":")
    tenant, _, user = rest.partition(":")
    if platform != "teams" or not tenant or not user:
        return None
    return tenant, user


def console_identity(name: str) -> str:
    return f"console:local:{name.lower()}"


def console_name(identity: str) -> str | None:
    """The name in a console identity, None for any other."""
    platform, _, rest = identity.partition(":")
    return rest.partition(":")[2] or None if platform == "console" else None


def slack_identity(organisation: str, user_id: str) -> str:
    """`slack:<enterprise id, or team id outside a Grid>:<user id>`."""
    return f"slack:{organisation}:{user_id}"


def slack_prefix(organisation: str) -> str:
    """What every identity of one Slack organisation (or lone workspace) starts with."""
    return f"slack:{organisation}:"


def slack_parts(identity: str) -> tuple[str, str] | None:
    """(organisation, user id) of a Slack identity, None for any other."""
    platform, _, rest = identity.partition(":")
    organisation, _, user = rest.partition(":")
    if platform != "slack" or not organisation or not user:
        return None
    return organisation, user


class SlackOrganisations:
    """Which Slack workspaces belong to which Enterprise Grid organisation.

    A workspace is seen to join an organisation once (Slack starts sending its enterprise
    id); from then on its people are `slack:<enterprise>:…`, and the identities stored
    under `slack:<workspace>:…` are re-keyed in the same transaction. Known answers are
    kept in memory: a workspace does not leave its organisation.
    """

    def __init__(self, db: Database, *, moved: Callable[[], None] | None = None) -> None:
        self.db = db
        self._known: dict[str, str] = {}
        # Told when a join re-keyed stored people: roles read before it are out of date.
        self._moved = moved

    async def joined(self, workspace: str, enterprise: str) -> None:
        """A payload showed `workspace` inside `enterprise`."""
        if self._known.get(workspace) == enterprise or workspace == enterprise:
            return
        if not (_SLACK_ID.match(workspace) and _SLACK_ID.match(enterprise)):
            log.info("slack: ignoring an unusual workspace or enterprise id")
            return
        async with self.db.write() as session:
            await store.join_enterprise(
                session=session,
                workspace=workspace,
                enterprise=enterprise,
                old_prefix=slack_prefix(workspace),
                new_prefix=slack_prefix(enterprise),
            )
            recorded = await store.enterprise_of(session=session, workspace=workspace)
        if recorded != enterprise:
            log.warning(
                "slack: workspace %s was seen in organisation %s, and now in %s; keeping %s",
                workspace,
                recorded,
                enterprise,
                recorded,
            )
        self._known[workspace] = recorded or enterprise
        if self._moved is not None:
            self._moved()

    async def enterprise_of(self, workspace: str) -> str | None:
        """The organisation a workspace is known to belong to, if any."""
        if not workspace or workspace in self._known:
            return self._known.get(workspace)
        async with self.db.read() as session:
            found = await store.enterprise_of(session=session, workspace=workspace)
        if found:
            self._known[workspace] = found
        return found


class Directory:
    """The names people are shown by, learned from their platform (Teams sends a name with
    every activity; Slack's is looked up once in a while).

    A name is written only when it is new or changed: remembered ones are kept in memory,
    so a busy chat costs no writes.
    """

    MAX_KNOWN = 50_000

    def __init__(self, db: Database) -> None:
        self.db = db
        self._known: dict[str, str] = {}

    def knows(self, identity: str) -> bool:
        return identity in self._known

    async def seen(self, identity: str, name: str | None) -> None:
        """`identity` was just seen going by `name` (None: the platform did not say)."""
        name = " ".join((name or "").split())[:200]
        if not name or self._known.get(identity) == name or not valid_identity(identity):
            return
        async with self.db.write() as session:
            await people_store.remember_name(session=session, identity=identity, name=name)
        if len(self._known) >= self.MAX_KNOWN:
            self._known.clear()
        self._known[identity] = name
