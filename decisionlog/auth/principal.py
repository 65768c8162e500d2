"""Who makes a request, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final
from uuid import UUID

FACILITATOR: Final = "facilitator"
AUDITOR: Final = "auditor"
READER: Final = "reader"
ROLES: Final = (FACILITATOR, AUDITOR, READER)
"""The roles a token can have: facilitators record changes, auditors read everything
including integrity checks and the audit log, readers read."""


def canonical_trajectory_id(trajectory_id: str) -> str:
    """The id in its canonical spelling (lower-case UUID), so scope checks compare like
    with like; an id that is not a UUID is returned unchanged (it names nothing)."""
    try:
        return str(UUID(trajectory_id))
    except (ValueError, TypeError, AttributeError):
        return trajectory_id


@dataclass(frozen=True)
class Principal:
    """Who makes a request: the token's name, its role and the trajectories it may see.

    An empty `trajectories` means every trajectory. The scope limits reads and writes
    alike, for every role; a principal whose role is not one of `ROLES` may do nothing.
    """

    name: str
    role: str
    trajectories: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_scoped(self) -> bool:
        """Whether the principal is limited to some trajectories."""
        return bool(self.trajectories)

    @property
    def can_write(self) -> bool:
        """Whether the role records changes at all (see `may_write` for a trajectory)."""
        return self.role == FACILITATOR

    @property
    def can_audit(self) -> bool:
        """Whether the role may run integrity checks and read the audit log."""
        return self.role in (AUDITOR, FACILITATOR)

    def in_scope(self, trajectory_id: str | None) -> bool:
        """Whether the trajectory is within the principal's scope; `None` (every
        trajectory, or one not made yet) is in scope of unscoped principals only."""
        if self.role not in ROLES:
            return False
        if not self.trajectories:
            return True
        return trajectory_id is not None \
            and canonical_trajectory_id(trajectory_id) in self.trajectories

    def may_read(self, trajectory_id: str) -> bool:
        """Whether the principal may see the trajectory."""
        return self.in_scope(trajectory_id)

    def may_write(self, trajectory_id: str | None) -> bool:
        """Whether the principal may change the trajectory (`None`: start a new one)."""
        return self.can_write and self.in_scope(trajectory_id)

    def may_audit(self, trajectory_id: str | None = None) -> bool:
        """Whether the principal may check the integrity of, or read the audit log of,
        the trajectory (`None`: of every trajectory)."""
        return self.can_audit and self.in_scope(trajectory_id)


ANONYMOUS_READER: Final = Principal(name="anonymous", role=READER)
"""The principal of a request without a token when anonymous reads are allowed."""

NOBODY: Final = Principal(name="", role="none")
"""The principal of a connection that has not authenticated yet: it may do nothing."""

RESERVED_NAMES: Final = frozenset({ANONYMOUS_READER.name, "demo"})
"""Names a token cannot take: the anonymous reader's, and the recorder of the demo data."""
