"""Read models: views across all trajectories, written with the events, rebuildable.

- `recorders.construct_recorder` gives the application a recorder that applies each
  saved event to the views in the transaction that stores it;
- `ReadModels` (`reader.py`) offers the queries; `rows.py` what they return;
- `rebuild.rebuild` / `rebuild.catch_up` replay the event log into the views, one
  process at a time (`lease.py`); `keeper.ViewsKeeper` watches them for a service and
  resumes a catch-up that was cut off.
"""

from __future__ import annotations

from decisionlog.readmodels.keeper import ViewsKeeper, ViewsStatus
from decisionlog.readmodels.reader import ReadModels, watching_freshness
from decisionlog.readmodels.rebuild import (
    RebuildProgress,
    RebuildRunningError,
    catch_up,
    rebuild,
)
from decisionlog.readmodels.recorders import construct_recorder, views_of
from decisionlog.readmodels.rows import (
    DecisionFilter,
    DecisionOrder,
    DecisionRow,
    InvalidCursorError,
    MandateRow,
    MemberRef,
    Page,
    ReviewReasonRow,
    TrajectoryRow,
)
from decisionlog.readmodels.store import DOMAIN_EVENTS, Freshness

__all__ = [
    "DOMAIN_EVENTS",
    "DecisionFilter",
    "DecisionOrder",
    "DecisionRow",
    "Freshness",
    "InvalidCursorError",
    "MandateRow",
    "MemberRef",
    "Page",
    "ReadModels",
    "RebuildProgress",
    "RebuildRunningError",
    "ReviewReasonRow",
    "TrajectoryRow",
    "ViewsKeeper",
    "ViewsStatus",
    "catch_up",
    "construct_recorder",
    "rebuild",
    "views_of",
    "watching_freshness",
]
