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
from typing import Any, ClassVar

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


# Strings that name other records (a decision's domain, the members who decided it) repeat
# across a snapshot's thousands of records; decoded, each would be a string of its own.
SHARED_STRINGS_MAX = 65_536


class DataclassAsDict(Transcoding):
    """Stores a dataclass as a dict of its fields (shallow: nested values are transcoded).

    On decoding, the strings of `*_id` fields and of `list[str]` fields are shared among
    equal values (a bounded memo), which makes a long trajectory's snapshot about a
    quarter smaller in memory; strings are immutable, so nothing can tell.
    """

    _shared: ClassVar[dict[str, str]] = {}  # one memo for every entity class

    def __init__(self, cls: type[Any]) -> None:
        self.type = cls
        self.name = cls.__name__
        fields = dataclasses.fields(cls)
        self._fields = tuple(f.name for f in fields)
        self._shared_fields = tuple(f.name for f in fields
                                    if f.name.endswith("_id") and "str" in str(f.type))
        self._shared_lists = tuple(f.name for f in fields if str(f.type) == "list[str]")

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        shared = DataclassAsDict._shared
        if len(shared) > SHARED_STRINGS_MAX:
            shared.clear()
        for name in self._shared_fields:
            value = data.get(name)
            if isinstance(value, str):
                data[name] = shared.setdefault(value, value)
        for name in self._shared_lists:
            values = data.get(name)
            if values:
                data[name] = [shared.setdefault(v, v) if isinstance(v, str) else v
                              for v in values]
        return self.type(**data)


class CanonicalDatetimeAsISO(DatetimeAsISO):
    """eventsourcing's `datetime_iso`, refusing any text but the one `encode` writes."""

    def decode(self, data: str) -> datetime:
        moment = super().decode(data)
        if moment.isoformat() != data:
            raise ValueError(f"{data!r} is not a datetime as stored")
        return moment


class TextJSONTranscoder(JSONTranscoder):
    """eventsourcing's `JSONTranscoder` that also decodes JSON given as text (`str`), as
    the SQLite snapshot recorder reads it (see `decisionlog.snapshots`)."""

    def decode(self, data: bytes | str) -> Any:
        return self.decoder.decode(data if isinstance(data, str) else data.decode("utf8"))


def register_entity_transcodings(transcoder: JSONTranscoder) -> None:
    """Register a transcoding for every entity class the aggregate's state holds, and the
    canonical datetime transcoding in place of eventsourcing's."""
    for cls in ENTITY_CLASSES:
        transcoder.register(DataclassAsDict(cls))
    transcoder.register(CanonicalDatetimeAsISO())
