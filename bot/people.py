"""People and their roles. A person is known by platform identity, e.g. `slack:T1:U1`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_IDENTITY = re.compile(r"^(slack|teams|console):[A-Za-z0-9._-]{1,64}:[A-Za-z0-9._-]{1,128}$")


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
    def platform(self) -> str:
        return self.identity.split(":", 1)[0]

    @property
    def user_id(self) -> str:
        return self.identity.rsplit(":", 1)[1]

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


def slack_identity(team_id: str, user_id: str) -> str:
    return f"slack:{team_id}:{user_id}"
