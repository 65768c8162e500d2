"""`GET /ready`: whether this worker can answer correctly now, and why not.

`GET /health` is liveness (the process answers and the store is reachable). `/ready` is
readiness, for an orchestrator deciding where to send traffic: 503 while this worker
cannot answer correctly (the database cannot be read, the storage is full, or the read
models are still catching up with what this worker found behind at its start), 200
otherwise, also while the read models are being rebuilt: every worker reads the same
views then, so 503 would take the whole service down; the body says how far behind
they are. Each check is one entry of `checks`; more can be added beside them.

    {"status": "ready", "reasons": [],
     "checks": {"database": {"status": "ok"},
                "storage": {"status": "ok"},
                "readModels": {"status": "rebuilding", "position": 5920,
                               "lastEvent": 23981, "behind": 18061, "by": "...",
                               "eventsPerSecond": 3100.0, "etaSeconds": 5.8}}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from decisionlog.readmodels.keeper import BEHIND, CURRENT, REBUILDING, UNKNOWN

if TYPE_CHECKING:
    from decisionlog.application import DecisionLog
    from decisionlog.readmodels import Freshness, ViewsKeeper

STARTING = "catching up at start-up"


@dataclass
class Readiness:
    """The outcome of the checks: ready unless a check gave a reason."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.reasons

    def body(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "not ready", "reasons": self.reasons,
                "checks": self.checks}


def check_readiness(log: DecisionLog, keeper: ViewsKeeper) -> Readiness:
    """Run every check (blocking: call it off the event loop)."""
    readiness = Readiness()
    try:
        freshness = log.readmodels.store.freshness()
    except Exception as error:
        readiness.checks["database"] = {"status": "unreachable",
                                        "error": type(error).__name__}
        readiness.reasons.append("database unreachable")
        return readiness
    readiness.checks["database"] = {"status": "ok"}
    _check_storage(log, readiness)
    _check_read_models(log, freshness, keeper, readiness)
    return readiness


def _check_storage(log: DecisionLog, readiness: Readiness) -> None:
    if log.storage.full():
        since = log.storage.full_since
        readiness.checks["storage"] = {
            "status": "full", "since": since.isoformat() if since else None,
            "message": "The database has no space left: changes are refused until space "
                       "is freed; reads still work."}
        readiness.reasons.append("storage full")
    else:
        readiness.checks["storage"] = {"status": "ok"}


def _check_read_models(log: DecisionLog, freshness: Freshness, keeper: ViewsKeeper,
                       readiness: Readiness) -> None:
    status = keeper.status()
    by = status.by
    if not freshness.current and by != "this process":  # the keeper looks once a second
        by = log.readmodels.store.lease().holder()
    entry: dict[str, Any] = {"position": freshness.position, "lastEvent": freshness.last,
                             "behind": freshness.behind}
    if status.state == UNKNOWN and status.starting:
        entry["status"] = "starting"
        readiness.reasons.append("read models not checked yet")
    elif freshness.current:
        entry["status"] = CURRENT
    elif status.starting and status.by == "this process":
        entry["status"] = STARTING
        readiness.reasons.append("read models catching up at start-up")
    else:
        entry["status"] = REBUILDING if status.state != BEHIND else BEHIND
    if not freshness.current:
        entry["rebuilding"] = freshness.rebuilding
        entry["by"] = by
        if by == "this process" and status.events_per_second:
            entry["eventsPerSecond"] = round(status.events_per_second, 1)
            if status.eta_seconds is not None:
                entry["etaSeconds"] = round(status.eta_seconds, 1)
    if status.error:
        entry["error"] = status.error
    readiness.checks["readModels"] = entry


def freshness_note(freshness: Freshness) -> dict[str, Any]:
    """The `extensions.readModels` note of an answer read from lagging views."""
    state = "rebuilding" if freshness.rebuilding else "catching up"
    return {
        "status": state, "behind": freshness.behind, "position": freshness.position,
        "lastEvent": freshness.last,
        "message": f"Lists and searches were read from views {freshness.behind:,} events "
                   f"behind the event log ({state}): recent changes may be missing.",
    }
