"""Exports for auditors: every event with its digests (jsonl), and a decision register
(markdown, in the spirit of MADR).

A jsonl line is the event's chain record (`decisionlog.domain.chain`) plus its stored
`digest`, one JSON object per line in version order; `offline_verify.py` checks it with
nothing but the standard library and `replay.replay_jsonl` rebuilds the trajectory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from decisionlog.audit import EXPORT_FORMATS
from decisionlog.audit.register import render_register
from decisionlog.domain.errors import TrajectoryNotFoundError

if TYPE_CHECKING:
    from decisionlog.domain.events import TrajectoryEvent
    from decisionlog.domain.trajectory import Trajectory

PAGE_SIZE = 1_000


class TrajectorySource(Protocol):
    """What an export reads: `DecisionLog`, or the read-only `AuditReader`."""

    def get_trajectory(self, trajectory_id: str | UUID) -> Trajectory | None: ...

    def history(self, trajectory_id: str | UUID, *, after: int = 0, limit: int | None = None,
                up_to: int | None = None) -> Iterator[TrajectoryEvent]: ...


def export_jsonl(app: TrajectorySource, trajectory_id: str | UUID) -> Iterator[str]:
    """Every event of the trajectory as one JSON line (no newline), oldest first.

    Raises `TrajectoryNotFoundError` at once when the trajectory is unknown.
    """
    trajectory = _trajectory(app, trajectory_id)
    return (jsonl_line(event) for event in _events(app, trajectory))


def jsonl_line(event: TrajectoryEvent) -> str:
    """One event as its export line: the chain record and the stored digest."""
    line: dict[str, Any] = event.chain_record()
    line["digest"] = event.digest
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"),
                      default=_json_value)


def export_markdown(app: TrajectorySource, trajectory_id: str | UUID) -> str:
    """The trajectory's decision register as a markdown document."""
    trajectory = _trajectory(app, trajectory_id)
    return render_register(trajectory, list(_events(app, trajectory)))


def export(app: TrajectorySource, trajectory_id: str | UUID, export_format: str) -> Iterator[str]:
    """The export in `export_format` (one of `EXPORT_FORMATS`), as lines to write out."""
    if export_format == "jsonl":
        return export_jsonl(app, trajectory_id)
    if export_format == "markdown":
        return iter(export_markdown(app, trajectory_id).splitlines())
    raise ValueError(f"Unknown export format {export_format!r}: use "
                     f"{' or '.join(EXPORT_FORMATS)}.")


def _trajectory(app: TrajectorySource, trajectory_id: str | UUID) -> Trajectory:
    trajectory = app.get_trajectory(trajectory_id)
    if trajectory is None:
        raise TrajectoryNotFoundError(str(trajectory_id))
    return trajectory


def _events(app: TrajectorySource, trajectory: Trajectory) -> Iterator[TrajectoryEvent]:
    """The trajectory's events up to the version read, in pages."""
    after = 0
    while after < trajectory.version:
        page = list(app.history(trajectory.id, after=after, limit=PAGE_SIZE,
                                up_to=trajectory.version))
        if not page:
            return
        yield from page
        after = page[-1].originator_version


def _json_value(value: object) -> object:
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    raise TypeError(f"Cannot export a {type(value).__name__}")
