"""GraphQL types of the design team and its decision domains."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from decisionlog.api.enums import Membership, Side
from decisionlog.domain import entities


@strawberry.type
class Member:
    """A person on the design team."""

    id: strawberry.ID
    name: str
    role: str
    side: Side
    membership: Membership
    active: bool
    joined_at: datetime
    left_at: datetime | None

    @classmethod
    def of(cls, member: entities.Member) -> Member:
        return cls(
            id=strawberry.ID(member.id), name=member.name, role=member.role,
            side=member.side, membership=member.membership, active=member.active,
            joined_at=member.joined_at, left_at=member.left_at,
        )


@strawberry.type
class Role:
    """A role on the design team; a right held by a role is held by every active member
    with that role."""

    name: str


RightHolder = Annotated[Member | Role, strawberry.union("RightHolder")]


@strawberry.type
class DecisionDomain:
    """A named area of decisions: the "about what"."""

    id: strawberry.ID
    name: str
    description: str | None
    active: bool
    defined_at: datetime
    retired_at: datetime | None

    @classmethod
    def of(cls, domain: entities.DecisionDomain) -> DecisionDomain:
        return cls(
            id=strawberry.ID(domain.id), name=domain.name, description=domain.description,
            active=domain.active, defined_at=domain.defined_at, retired_at=domain.retired_at,
        )
