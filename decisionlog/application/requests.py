"""What the write path takes and gives: a command request and its result.

A request names the trajectory, the command to run on it, who records it, and the
optional expected version and idempotency key; `input_digest` recognises a repeat of the
same request under the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance

Command = Callable[[Trajectory, Provenance], str | None]


@dataclass(frozen=True)
class CommandRequest:
    """One command on one trajectory, as a caller asks for it.

    `name` and `inputs` identify the command for idempotency: a repeat of the same key
    with the same name and inputs returns the first result and writes nothing.
    """

    trajectory_id: str | UUID
    command: Command
    recorded_by: str
    name: str
    inputs: dict[str, Any]
    expected_version: int | None = None
    idempotency_key: str | None = None

    def provenance(self) -> Provenance:
        """Who records the change, and the idempotency key with the digest of the inputs."""
        digest = (input_digest(self.name, **self.inputs)
                  if self.idempotency_key is not None else None)
        return Provenance(self.recorded_by, self.idempotency_key, digest)


@dataclass(frozen=True)
class CommandResult:
    """What a command did: the trajectory, its version after the command, what it made.

    `trajectory` is the aggregate once the change was stored (it may also hold changes
    stored with it, in the same transaction); it is not part of equality.
    """

    trajectory_id: UUID
    version: int
    result_id: str | None
    repeated: bool = False
    trajectory: Trajectory | None = field(default=None, compare=False, repr=False)


def input_digest(command: str, **inputs: Any) -> str:
    """A digest of a command and its inputs, to recognise a repeat of the same request."""
    canonical = json.dumps([command, inputs], sort_keys=True, default=_canonical,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):  # (json writes tuples itself, as lists)
        return list(value)
    raise TypeError(f"Cannot digest {type(value).__name__}")
