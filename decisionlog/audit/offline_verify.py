#!/usr/bin/env python3
"""Verify a decisionlog jsonl export offline, with nothing but Python's standard library.

    decisionlog export --trajectory ID --format jsonl > trajectory.jsonl
    python3 offline_verify.py trajectory.jsonl [--expect-head DIGEST]

Each line is one event: a JSON object whose `digest` is the SHA-256 of the canonical JSON
of all its other keys (sorted keys, no whitespace, UTF-8), and whose `previousDigest` is
the digest of the trajectory's event before it, or, for version 1, the SHA-256 of the
trajectory id. Prints one line per trajectory and exits 0 when every chain is intact; on
damage prints the first broken line and exits 1. `--expect-head` also checks the last
digest against one kept elsewhere (a truncated export is otherwise indistinguishable from
an older one).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable


def canonical(record: dict[str, object]) -> bytes:
    """The bytes a digest is computed over."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    record = dict(pairs)
    if len(record) != len(pairs):
        raise ValueError("a key appears twice")
    return record


def verify_lines(lines: Iterable[str]) -> tuple[dict[str, tuple[int, str]], str | None]:
    """The (event count, head digest) of each trajectory, and the first damage found."""
    heads: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, object_pairs_hook=_object)
        except ValueError as error:
            return heads, f"line {number}: not valid JSON ({error})"
        if not isinstance(record, dict) or not isinstance(record.get("trajectoryId"), str):
            return heads, f"line {number}: not an event of a trajectory"
        trajectory_id = record["trajectoryId"]
        digest = record.pop("digest", None)
        genesis = hashlib.sha256(trajectory_id.encode("utf-8")).hexdigest()
        count, head = heads.get(trajectory_id, (0, genesis))
        where = f"line {number} (trajectory {trajectory_id}, version {record.get('version')})"
        if type(record.get("version")) is not int or record["version"] != count + 1:
            return heads, f"{where}: expected version {count + 1}: an event is missing, " \
                          "reordered or inserted"
        if record.get("previousDigest") != head:
            return heads, f"{where}: does not chain from the event before it"
        try:
            computed = hashlib.sha256(canonical(record)).hexdigest()
        except ValueError as error:
            return heads, f"{where}: cannot be hashed ({error})"
        if computed != digest:
            return heads, f"{where}: its content does not match its digest (altered)"
        heads[trajectory_id] = (count + 1, computed)
    return heads, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a decisionlog jsonl export.")
    parser.add_argument("export", help="the jsonl file, or - for standard input")
    parser.add_argument("--expect-head", help="the head digest the last event must have")
    args = parser.parse_args(argv)
    if args.export == "-":
        heads, damage = verify_lines(sys.stdin)
    else:
        with open(args.export, encoding="utf-8") as lines:
            heads, damage = verify_lines(lines)
    if damage is None and not heads:
        damage = "the export holds no events"
    if (damage is None and args.expect_head is not None
            and not any(head == args.expect_head for _, head in heads.values())):
        damage = f"no trajectory ends with the expected head digest {args.expect_head}"
    for trajectory_id, (count, head) in heads.items():
        print(f"{trajectory_id}: {count} events intact, head digest {head}")
    if damage is not None:
        print(f"DAMAGED: {damage}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
