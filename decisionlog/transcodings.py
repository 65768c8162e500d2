"""How the trajectory's entities are stored inside snapshots, and datetimes everywhere.

Events hold only built-in types; snapshots hold the aggregate's state, whose records are
dataclasses. Each gets a `Transcoding` that stores its fields as a plain dict. Datetimes
are stored as eventsourcing stores them, but read back only in the exact form written, so
that a changed byte in a stored datetime cannot pass unseen (`datetime.fromisoformat`
alone accepts any character between date and time).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding

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


class CanonicalDatetimeAsISO(DatetimeAsISO):
    """eventsourcing's `datetime_iso`, refusing any text but the one `encode` writes."""

    def decode(self, data: str) -> datetime:
        moment = super().decode(data)
        if moment.isoformat() != data:
            raise ValueError(f"{data!r} is not a datetime as stored")
        return moment


def register_entity_transcodings(transcoder: JSONTranscoder) -> None:
    """Register a transcoding for every entity class the aggregate's state holds, and the
    canonical datetime transcoding in place of eventsourcing's."""
    for cls in ENTITY_CLASSES:
        transcoder.register(DataclassAsDict(cls))
    transcoder.register(CanonicalDatetimeAsISO())
