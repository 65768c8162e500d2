"""The hash chain over a trajectory's events: what is hashed, exactly, and how.

Auditors reimplement this offline, so it is specified here in full and uses nothing but
`hashlib` and `json`.

**Genesis.** A trajectory's chain starts from

    genesis = sha256(str(trajectory_id).encode("ascii")).hexdigest()

where `str(trajectory_id)` is the lower-case, hyphenated UUID ("8c1f…-…").

**Record.** Event number `version` (1, 2, …) is described by a JSON object with exactly
these keys:

- `trajectoryId`: the trajectory id, as in the genesis;
- `version`: the event's version, an integer;
- `type`: the event class name, e.g. `"DecisionRecorded"`;
- `recordedAt`: when it was stored, `datetime.isoformat()` of an aware datetime
  (as stored, e.g. `"2026-05-04T09:30:00.123456+00:00"`);
- `recordedBy`: the name of whoever recorded it;
- `idempotencyKey`: the command's idempotency key, or null;
- `inputDigest`: the digest of the command's input, or null;
- `data`: the event's own fields under their stored (snake_case) names; datetimes as
  `isoformat()` strings, enumerations as their values, lists as arrays;
- `previousDigest`: the digest of event `version - 1`, or the genesis for version 1.

**Digest.** `digest = sha256(canonical(record)).hexdigest()`, where

    canonical(record) = json.dumps(record, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False, allow_nan=False).encode("utf-8")

that is: keys sorted by code point at every level, no whitespace, text as UTF-8 with
only `"`, `\\` and the control characters U+0000 to U+001F escaped (`\\b \\t \\n \\f \\r`,
others as `\\u00xx`), integers in decimal, no floats.

A jsonl export line is the record plus its `digest`, so an offline check is: parse the
line, remove `digest`, hash the rest canonically, compare, and check that
`previousDigest` is the digest of the line before (the genesis for the first line).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

DIGEST_FIELDS = ("previous_digest", "digest")


def genesis_digest(trajectory_id: UUID | str) -> str:
    """The digest a trajectory's first event chains from."""
    return hashlib.sha256(str(trajectory_id).encode("ascii")).hexdigest()


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"Cannot put a {type(value).__name__} in a chain record")


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
    default=_json_value,
)


def canonical(record: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a record (or of any JSON-able mapping)."""
    return _ENCODER.encode(record).encode("utf-8")


def chain_record(
    *,
    trajectory_id: UUID | str,
    version: int,
    event_type: str,
    recorded_at: datetime,
    recorded_by: str,
    idempotency_key: str | None,
    input_digest: str | None,
    data: Mapping[str, Any],
    previous_digest: str,
) -> dict[str, Any]:
    """The record an event's digest is computed over (see the module docstring)."""
    return {
        "trajectoryId": str(trajectory_id),
        "version": version,
        "type": event_type,
        "recordedAt": recorded_at.isoformat(),
        "recordedBy": recorded_by,
        "idempotencyKey": idempotency_key,
        "inputDigest": input_digest,
        "data": data,
        "previousDigest": previous_digest,
    }


def record_digest(record: Mapping[str, Any]) -> str:
    """The SHA-256 hex digest of a record's canonical bytes."""
    return hashlib.sha256(canonical(record)).hexdigest()


def event_digest(
    *,
    trajectory_id: UUID | str,
    version: int,
    event_type: str,
    recorded_at: datetime,
    recorded_by: str,
    idempotency_key: str | None,
    input_digest: str | None,
    data: Mapping[str, Any],
    previous_digest: str,
) -> str:
    """The digest of one event, given the digest of the event before it."""
    return record_digest(chain_record(
        trajectory_id=trajectory_id, version=version, event_type=event_type,
        recorded_at=recorded_at, recorded_by=recorded_by, idempotency_key=idempotency_key,
        input_digest=input_digest, data=data, previous_digest=previous_digest,
    ))
