"""Queries: a trajectory (now or as of a version or moment); with the lists across
trajectories (`readmodel_queries.py`) and the audit queries (`audit.py`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from decisionlog.api.arguments import QueryError, require_offset
from decisionlog.api.audit import AuditQuery
from decisionlog.api.context import Info
from decisionlog.api.dependencies import TrajectoryState, trajectory_state
from decisionlog.api.permissions import may_read
from decisionlog.api.readmodel_queries import ReadModelQuery
from decisionlog.api.resultcache import depends_on, depends_on_state
from decisionlog.api.types import Trajectory, trajectory_type
from decisionlog.application.decision_log import parse_id
from decisionlog.domain.errors import TrajectoryNotFoundError


@strawberry.input(one_of=True)
class AsOf:
    """A trajectory as it stood after a version, or as recorded at a moment."""

    version: int | None = strawberry.UNSET
    at: datetime | None = strawberry.UNSET


@strawberry.type
class Query(AuditQuery, ReadModelQuery):
    """State and history of the trajectories, lists and searches across them, integrity
    checks and the audit log."""

    @strawberry.field(description="A trajectory, now or as of a version or moment; "
                                   "null when unknown or before its start.")
    def trajectory(self, info: Info, id: strawberry.ID,
                   as_of: AsOf | None = None) -> Trajectory | None:
        version, at = _as_of(as_of)
        if not may_read(info, id):
            return None  # the same null whatever the store holds
        try:
            uuid = parse_id(id)
        except TrajectoryNotFoundError:
            return None  # not an id: null, now and always
        app = info.context.app
        if as_of is None:
            aggregate = app.get_trajectory(uuid)
            if aggregate is None:
                depends_on_state(TrajectoryState(uuid, 0, ""))
            else:
                depends_on(aggregate)
        else:  # as of the past: holds while the trajectory stays as it is now (read first)
            depends_on_state(trajectory_state(app, uuid))
            aggregate = app.get_trajectory(uuid, version=version, at=at)
        return None if aggregate is None else trajectory_type(aggregate)


def _as_of(as_of: AsOf | None) -> tuple[int | None, datetime | None]:
    if as_of is None:
        return None, None
    version = as_of.version if as_of.version is not strawberry.UNSET else None
    at = as_of.at if as_of.at is not strawberry.UNSET else None
    if version is not None and version < 0:
        raise QueryError(f"asOf.version must not be negative, not {version}.")
    require_offset("asOf.at", at)
    return version, at
