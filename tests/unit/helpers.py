"""Helpers shared by the unit tests: a trajectory's stored events, and replaying them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from decisionlog.application import DecisionLog
from decisionlog.domain import events
from decisionlog.domain.trajectory import Trajectory


def stored(app: DecisionLog, trajectory_id: UUID) -> list[events.TrajectoryEvent]:
    """The trajectory's events as the log stored them, in order."""
    return list(app.events.get(trajectory_id))  # type: ignore[arg-type]


def replay(stream: Iterable[events.TrajectoryEvent]) -> Trajectory:
    """A trajectory rebuilt from its events alone; the stream must not be empty."""
    rebuilt: Any = None
    for event in stream:
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, Trajectory)
    return rebuilt
