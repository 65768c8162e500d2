"""Queries: a trajectory (now or as of a version or moment); with the lists across
trajectories (`readmodel_queries.py`) and the audit queries (`audit.py`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from decisionlog.api.arguments import QueryError, require_offset
from decisionlog.api.audit import AuditQuery
from decisionlog.api.context import Info
from decisionlog.api.permissions import may_read
from decisionlog.api.readmodel_queries import ReadModelQuery
from decisionlog.api.resultcache import depends_on, uncacheable
from decisionlog.api.types import Trajectory, trajectory_type


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
            uncacheable()
            return None
        aggregate = info.context.app.get_trajectory(id, version=version, at=at)
        if aggregate is None or as_of is not None:
            uncacheable()
        else:
            depends_on(aggregate)
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
