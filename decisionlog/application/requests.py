"""What the write path takes and gives: a command request and its result."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from uuid import UUID

from decisionlog.application.commands import Command
from decisionlog.application.idempotency import command_digest
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance


@dataclass(frozen=True)
class CommandRequest:
    """A command, with who records it and the optional expected version and idempotency
    key: a repeat of the same key with the same command returns the first result and
    writes nothing."""

    command: Command
    recorded_by: str
    expected_version: int | None = None
    idempotency_key: str | None = None

    @cached_property
    def digest(self) -> str | None:
        """The command's idempotency digest, when it comes with a key."""
        return None if self.idempotency_key is None else command_digest(self.command)

    def provenance(self) -> Provenance:
        """Who records the change, and the idempotency key with the command's digest."""
        return Provenance(self.recorded_by, self.idempotency_key, self.digest)


@dataclass(frozen=True)
class CommandResult:
    """What a command did: the trajectory, its version after the command, what it made.

    `trajectory` is the aggregate right after the command's event (for a repeat, as it
    is now): `DecisionLog.trajectory_after` gives the state at `version` exactly. It is
    not part of equality.
    """

    trajectory_id: UUID
    version: int
    result_id: str | None
    repeated: bool = False
    trajectory: Trajectory | None = field(default=None, compare=False, repr=False)
