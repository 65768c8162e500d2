"""Checking snapshots against the chain: a snapshot is a shortcut the application trusts.

A snapshot holds a trajectory's whole state at a version, and loading starts from the
latest one, so an altered snapshot would change what is served while every event still
verifies. Checking one replays the events up to its version and compares the states.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from decisionlog.audit.diagnose import Damage, Problem

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.application import Application


def check_latest_snapshot(app: Application[Any], trajectory_id: UUID) -> Damage | None:
    """Damage if the trajectory's latest snapshot differs from its events replayed."""
    if app.snapshots is None:
        return None
    try:
        latest = list(app.snapshots.get(trajectory_id, desc=True, limit=1))
    except Exception as error:  # a snapshot that does not decode
        return Damage(0, Problem.SNAPSHOT_ALTERED,
                      f"The latest snapshot does not decode ({type(error).__name__}).")
    if not latest:
        return None
    snapshot: Any = latest[0]
    version = snapshot.originator_version
    try:
        from_snapshot = snapshot.mutate(None)
        replayed: Any = None
        events: Any = app.events.get(trajectory_id, lte=version)
        for event in events:
            replayed = event.mutate(replayed)
        intact = replayed is not None and replayed.version == version and (
            replayed == from_snapshot)
    except Exception:  # a state that cannot be rebuilt is not the events' state
        intact = False
    if intact:
        return None
    return Damage(version, Problem.SNAPSHOT_ALTERED,
                  f"The snapshot at version {version} is not the state its events give: "
                  "delete the trajectory's snapshots to serve the events' state.")
