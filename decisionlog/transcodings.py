"""How the trajectory's entities are stored inside snapshots.

Events hold only built-in types; snapshots hold the aggregate's state, whose records are
dataclasses. Each gets a `Transcoding` that stores its fields as a plain dict.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from decisionlog.domain.entities import (
    Decision,
    DecisionDomain,
    DecisionRight,
    IdempotencyRecord,
    Member,
    RoleChange,
)

ENTITY_CLASSES: tuple[type[Any], ...] = (
    Decision, DecisionDomain, DecisionRight, IdempotencyRecord, Member, RoleChange,
)


class DataclassAsDict(Transcoding):
    """Stores a dataclass as a dict of its fields (shallow: nested values are transcoded)."""

    def __init__(self, cls: type[Any]) -> None:
        self.type = cls
        self.name = cls.__name__
        self._fields = tuple(f.name for f in dataclasses.fields(cls))

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


def register_entity_transcodings(transcoder: JSONTranscoder) -> None:
    """Register a transcoding for every entity class the aggregate's state holds."""
    for cls in ENTITY_CLASSES:
        transcoder.register(DataclassAsDict(cls))
