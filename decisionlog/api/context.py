"""The per-request context: the application and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry

if TYPE_CHECKING:
    from decisionlog.application import DecisionLog


@dataclass(frozen=True)
class Principal:
    """Who makes a request: the token's name, its role and the trajectories it may see."""

    name: str
    role: str
    trajectories: frozenset[str] = field(default_factory=frozenset)

    @property
    def can_write(self) -> bool:
        return self.role == "facilitator"

    def may_read(self, trajectory_id: str) -> bool:
        """Whether the principal may see the trajectory."""
        return not self.trajectories or trajectory_id in self.trajectories


ANONYMOUS_FACILITATOR = Principal(name="anonymous", role="facilitator")


@dataclass
class Context:
    """What resolvers get as `info.context`."""

    app: DecisionLog
    principal: Principal
    request: Any = None
    response: Any = None


Info: TypeAlias = strawberry.Info[Context, None]
