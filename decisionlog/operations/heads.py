"""The head-digest file: every trajectory's last version and head digest, kept apart.

A backup writes one beside itself (`BACKUP.heads`), made from the copy after verifying
it; `decisionlog verify --write-heads FILE` writes one of a live store (before a
`pg_dump`). `decisionlog verify --expect-heads FILE` (and `restore`) check a store
against it: every trajectory in the file must be stored and its chain must reach that
digest; a chain that reaches it and goes on has grown since (a live store), one that
ends exactly there is at the same head (a restored copy).

    {"format": "decisionlog-heads/1", "takenAt": "2026-05-04T10:00:00+00:00",
     "events": 1234, "trajectories": {"<id>": {"version": 17, "head": "<64 hex>"}}}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from decisionlog.audit.verify import VerificationReport

FORMAT: Final = "decisionlog-heads/1"
SUFFIX: Final = ".heads"


class HeadsFileError(ValueError):
    """Raised when a head-digest file cannot be read or is not one."""


@dataclass(frozen=True)
class Head:
    version: int
    digest: str


@dataclass(frozen=True)
class Heads:
    """Each trajectory's head when the file was made."""

    trajectories: dict[str, Head] = field(default_factory=dict)
    events: int = 0
    taken_at: str = ""

    @classmethod
    def of(cls, report: VerificationReport) -> Heads:
        """The heads of a verified store (its intact trajectories)."""
        return cls({t.trajectory_id: Head(t.event_count, t.head_digest)
                    for t in report.trajectories if t.ok},
                   events=report.events_checked,
                   taken_at=datetime.now(UTC).isoformat(timespec="seconds"))

    def anchors(self) -> dict[str, str]:
        """As `verify`'s anchors: {trajectory id: head digest}."""
        return {trajectory_id: head.digest for trajectory_id, head in self.trajectories.items()}

    def same_heads(self, report: VerificationReport) -> tuple[int, int]:
        """How many of the file's trajectories are at exactly their head in `report`,
        and how many have grown past it (the others are damaged or missing there)."""
        same = grown = 0
        for trajectory_id, head in self.trajectories.items():
            found = report.get(trajectory_id)
            if found is None or not found.ok:
                continue
            if found.event_count == head.version and found.head_digest == head.digest:
                same += 1
            elif found.event_count > head.version:
                grown += 1
        return same, grown

    def write(self, path: Path) -> None:
        """Write the file whole (a temporary file renamed), synced to disk."""
        data: dict[str, Any] = {
            "format": FORMAT, "takenAt": self.taken_at, "events": self.events,
            "trajectories": {trajectory_id: {"version": h.version, "head": h.digest}
                             for trajectory_id, h in sorted(self.trajectories.items())}}
        partial = path.with_name(path.name + ".partial")
        with partial.open("w", encoding="utf-8") as out:
            json.dump(data, out, indent=1)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)

    @classmethod
    def read(cls, path: Path) -> Heads:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise HeadsFileError(f"no head-digest file {path}.") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise HeadsFileError(f"cannot read the head-digest file {path}: {error}.") \
                from None
        if not isinstance(data, dict) or data.get("format") != FORMAT \
                or not isinstance(data.get("trajectories"), dict):
            raise HeadsFileError(f"{path} is not a head-digest file ({FORMAT}).")
        trajectories = {}
        for trajectory_id, head in data["trajectories"].items():
            try:
                version, digest = int(head["version"]), str(head["head"]).lower()
            except (TypeError, KeyError, ValueError):
                raise HeadsFileError(f"{path}: a malformed entry for {trajectory_id}.") \
                    from None
            if len(digest) != 64 or set(digest) - set("0123456789abcdef"):
                raise HeadsFileError(f"{path}: the head of {trajectory_id} is not 64 hex "
                                     "digits.")
            trajectories[str(trajectory_id)] = Head(version, digest)
        return cls(trajectories, events=int(data.get("events") or 0),
                   taken_at=str(data.get("takenAt") or ""))


def heads_path(backup: Path) -> Path:
    """Where a backup's head-digest file is kept: beside it."""
    return backup.with_name(backup.name + SUFFIX)
