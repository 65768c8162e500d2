"""How the trajectory's entities are stored inside snapshots, and datetimes everywhere.

Events hold only built-in types; snapshots hold the aggregate's state, whose records are
dataclasses. Datetimes are stored as eventsourcing stores them, but read back only in the
exact form written, so that a changed byte in a stored datetime cannot pass unseen
(`datetime.fromisoformat` alone accepts any character between date and time).

Two layouts of a snapshot's records, both decoded:

- a dict of records, each stored as a dict of its fields (`DataclassAsDict`): every
  snapshot written before the tables below, and any dict the tables do not fit;
- a table (`EntityTableTranscoding`, written by `TextJSONTranscoder`): the records of one
  dict of records of one class, as rows of field values under one list of field names
  (and their keys, unless each is the record's `id`), in chunks of `ROWS_PER_CHUNK`
  rows, each chunk compressed (zlib, base64).
  The benchmark's 100,000-event trajectory's snapshot is 5.8 MB instead of 89 MB, and is
  decoded a chunk at a time, so the text of its records never exists at once (loading it
  peaked 130 MB above the process's baseline instead of 230 MB).
"""

from __future__ import annotations

import base64
import dataclasses
import operator
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding

from decisionlog.domain.entities import (
    Decision,
    DecisionDomain,
    DecisionRight,
    IdempotencyRecord,
    InformedMark,
    Member,
    RoleChange,
)
from decisionlog.domain.phases import Phase, PhaseStart
from decisionlog.domain.reviews import Confirmation, Outcome, ReviewReason

ENTITY_CLASSES: tuple[type[Any], ...] = (
    Decision, DecisionDomain, DecisionRight, IdempotencyRecord, Member, RoleChange,
    Phase, PhaseStart, InformedMark, ReviewReason, Confirmation, Outcome,
)

# Strings that name other records (a decision's domain, the members who decided it) repeat
# across a snapshot's thousands of records; decoded, each would be a string of its own.
SHARED_STRINGS_MAX = 65_536
ROWS_PER_CHUNK = 1000
COMPRESSION_LEVEL = 6
_DATETIME_TYPES = ("datetime", "datetime | None")
_KEYED_BY_ID = frozenset(cls for cls in ENTITY_CLASSES
                         if "id" in (f.name for f in dataclasses.fields(cls)))


class _SharedStrings:
    """One bounded memo of equal strings for every entity class (strings are immutable,
    so sharing them cannot be seen)."""

    memo: ClassVar[dict[str, str]] = {}

    @classmethod
    def get(cls) -> dict[str, str]:
        if len(cls.memo) > SHARED_STRINGS_MAX:
            cls.memo.clear()
        return cls.memo


class _SharedEmptyList(list[Any]):
    """The one empty list that decoded records share for their empty list fields (a
    100,000-event trajectory's records hold about half a million: 56 bytes each). It
    equals `[]`, and refuses to change: records are replaced with new lists, never
    changed in place, and this makes a slip loud instead of a change to every record."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a decoded record's empty list is shared: build a new list")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse


SHARED_EMPTY_LIST: list[Any] = _SharedEmptyList()


def _share_list(values: list[Any], shared: dict[str, str]) -> list[Any]:
    """`values` with its strings shared, as a list of exactly its length (a list the
    JSON decoder built has room for more)."""
    for i, value in enumerate(values):
        if isinstance(value, str):
            values[i] = shared.setdefault(value, value)
    return values[:]


class _Fields:
    """The fields of an entity class, and which of them get shared or parsed values."""

    def __init__(self, cls: type[Any]) -> None:
        fields = dataclasses.fields(cls)
        self.names = tuple(f.name for f in fields)
        self.shared = frozenset(f.name for f in fields
                                if f.name.endswith("_id") and "str" in str(f.type))
        self.shared_lists = frozenset(f.name for f in fields if str(f.type) == "list[str]")
        self.lists = frozenset(f.name for f in fields if str(f.type).startswith("list["))
        self.datetimes = frozenset(f.name for f in fields
                                   if str(f.type) in _DATETIME_TYPES)


class DataclassAsDict(Transcoding):
    """Stores a dataclass as a dict of its fields (shallow: nested values are transcoded).

    On decoding, the strings of `*_id` fields and of `list[str]` fields are shared among
    equal values (a bounded memo), which makes a long trajectory's snapshot about a
    quarter smaller in memory.
    """

    def __init__(self, cls: type[Any]) -> None:
        self.type = cls
        self.name = cls.__name__
        self._fields = _Fields(cls)

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields.names}

    def decode(self, data: dict[str, Any]) -> Any:
        shared = _SharedStrings.get()
        for name in self._fields.shared:
            value = data.get(name)
            if isinstance(value, str):
                data[name] = shared.setdefault(value, value)
        for name in self._fields.shared_lists:
            values = data.get(name)
            if values:
                data[name] = _share_list(values, shared)
        return self.type(**data)


class CanonicalDatetimeAsISO(DatetimeAsISO):
    """eventsourcing's `datetime_iso`, refusing any text but the one `encode` writes.

    A text equal to the one decoded just before gives the same (immutable) datetime: a
    decision's `decided_at` is mostly its `recorded_at`.
    """

    def __init__(self) -> None:
        self._last: tuple[str, datetime] | None = None  # replaced whole: thread-safe

    def decode(self, data: str) -> datetime:
        last = self._last
        if last is not None and last[0] == data:
            return last[1]
        moment = super().decode(data)
        if moment.isoformat() != data:
            raise ValueError(f"{data!r} is not a datetime as stored")
        self._last = (data, moment)
        return moment


class EntityTable:
    """A dict of records of one class, stored as a table: without its keys when each
    record is under its own `id`."""

    __slots__ = ("keyed", "records")

    def __init__(self, records: dict[str, Any], *, keyed: bool) -> None:
        self.records, self.keyed = records, keyed


class _Chunk:
    """Some of a table's records (with their keys, or None), stored as one compressed
    chunk of rows."""

    __slots__ = ("cls", "keys", "records")

    def __init__(self, cls: type[Any], records: list[Any], keys: list[str] | None) -> None:
        self.cls, self.records, self.keys = cls, records, keys


class EntityTableTranscoding(Transcoding):
    """Stores an `EntityTable` as a list of chunks; decodes to the dict it came from."""

    type = EntityTable
    name = "entity_table"

    def encode(self, obj: EntityTable) -> list[_Chunk]:
        records, keys = list(obj.records.values()), list(obj.records)
        return [_Chunk(type(records[i]), records[i:i + ROWS_PER_CHUNK],
                       keys[i:i + ROWS_PER_CHUNK] if obj.keyed else None)
                for i in range(0, len(records), ROWS_PER_CHUNK)]

    def decode(self, data: list[list[Any] | dict[str, Any]]) -> dict[str, Any]:
        table: dict[str, Any] = {}
        for chunk in data:
            if isinstance(chunk, dict):
                table.update(chunk)
            else:
                for record in chunk:
                    table[record.id] = record
        return table


class EntityRowsTranscoding(Transcoding):
    """Stores a `_Chunk` as its class name, its field names, whether its rows begin with
    a key, and its rows (per record its key, if keyed, and its field values, datetimes as
    ISO text) as JSON compressed with zlib in base64; decodes to the list of records, or
    to a dict of them by key."""

    type = _Chunk
    name = "entity_rows"

    def __init__(self, transcoder: JSONTranscoder) -> None:
        self._transcoder = transcoder
        self._classes = {cls.__name__: cls for cls in ENTITY_CLASSES}
        self._fields = {cls: _Fields(cls) for cls in ENTITY_CLASSES}
        self._datetimes = CanonicalDatetimeAsISO()

    def encode(self, obj: _Chunk) -> dict[str, Any]:
        fields = self._fields[obj.cls]
        row_of: Callable[[Any], tuple[Any, ...]] = operator.attrgetter(*fields.names)
        moments = [i for i, name in enumerate(fields.names) if name in fields.datetimes]
        rows = []
        for n, record in enumerate(obj.records):
            if type(record) is not obj.cls:
                raise TypeError(f"{type(record).__name__} in a table of {obj.cls.__name__}")
            row = list(row_of(record))
            for i in moments:
                if row[i] is not None:
                    row[i] = row[i].isoformat()
            rows.append(row if obj.keys is None else [obj.keys[n], *row])
        text = self._transcoder.encoder.encode(rows).encode("utf8")
        return {"class": obj.cls.__name__, "fields": list(fields.names),
                "keyed": obj.keys is not None,
                "rows": base64.b64encode(zlib.compress(text, COMPRESSION_LEVEL)).decode()}

    def decode(self, data: dict[str, Any]) -> list[Any] | dict[str, Any]:
        cls = self._classes[data["class"]]
        names: list[str] = data["fields"]
        fields = self._fields[cls]
        text = zlib.decompress(base64.b64decode(data["rows"], validate=True))
        rows: list[list[Any]] = self._transcoder.decoder.decode(text.decode("utf8"))
        del text
        keys: list[str] | None = None
        if data.get("keyed") is True:  # absent in the first tables (commit d338f18)
            keys = [row.pop(0) for row in rows]
            if not all(type(key) is str for key in keys):
                raise TypeError("a table's keys are strings")
        positional = tuple(names) == fields.names
        moments = [i for i, name in enumerate(names) if name in fields.datetimes]
        ids = [i for i, name in enumerate(names) if name in fields.shared]
        lists = [i for i, name in enumerate(names) if name in fields.shared_lists]
        any_lists = [i for i, name in enumerate(names) if name in fields.lists]
        shared = _SharedStrings.get()
        parse = self._datetimes.decode
        records = []
        for row in rows:
            for i in moments:
                if row[i] is not None:
                    row[i] = parse(row[i])
            for i in ids:
                if isinstance(row[i], str):
                    row[i] = shared.setdefault(row[i], row[i])
            for i in lists:
                if row[i]:
                    row[i] = _share_list(row[i], shared)
            for i in any_lists:
                if row[i] == []:
                    row[i] = SHARED_EMPTY_LIST
            records.append(cls(*row) if positional else cls(**dict(zip(names, row,
                                                                          strict=True))))
        return records if keys is None else dict(zip(keys, records, strict=True))


def _tabulated(state: dict[str, Any]) -> dict[str, Any]:
    """The state with each dict of records of one class (keyed by strings) as a table."""
    tabulated = dict(state)
    for name, value in state.items():
        if type(value) is not dict or not value:
            continue
        cls = type(next(iter(value.values())))
        if cls in ENTITY_CLASSES and all(type(r) is cls and type(k) is str
                                         for k, r in value.items()):
            keyed = cls not in _KEYED_BY_ID or any(r.id != k for k, r in value.items())
            tabulated[name] = EntityTable(value, keyed=keyed)
    return tabulated


class TextJSONTranscoder(JSONTranscoder):
    """eventsourcing's `JSONTranscoder` that also decodes JSON given as text (`str`), as
    the SQLite snapshot recorder reads it (see `decisionlog.infrastructure.snapshots`), and
    writes the records of a snapshot's state (a dict with a `state` dict) as tables."""

    def encode(self, obj: Any) -> bytes:
        if type(obj) is dict and type(obj.get("state")) is dict and EntityTable in self.types:
            obj = {**obj, "state": _tabulated(obj["state"])}
        return super().encode(obj)

    def decode(self, data: bytes | str) -> Any:
        return self.decoder.decode(data if isinstance(data, str) else data.decode("utf8"))


def register_entity_transcodings(transcoder: JSONTranscoder) -> None:
    """Register a transcoding for every entity class the aggregate's state holds, for
    tables of them, and the canonical datetime transcoding in place of eventsourcing's."""
    for cls in ENTITY_CLASSES:
        transcoder.register(DataclassAsDict(cls))
    transcoder.register(EntityTableTranscoding())
    transcoder.register(EntityRowsTranscoding(transcoder))
    transcoder.register(CanonicalDatetimeAsISO())
