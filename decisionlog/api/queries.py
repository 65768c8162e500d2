"""Queries: a trajectory (now or as of a version or moment) and the list of them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from decisionlog.api.audit import AuditQuery
from decisionlog.api.context import Info
from decisionlog.api.pagination import Connection, QueryError, connection, decode_cursor, page_size
from decisionlog.api.permissions import may_read, read_scope, scoped_page
from decisionlog.api.resultcache import depends_on, uncacheable
from decisionlog.api.types import Trajectory, trajectory_type


@strawberry.input(one_of=True)
class AsOf:
    """A trajectory as it stood after a version, or as recorded at a moment."""

    version: int | None = strawberry.UNSET
    at: datetime | None = strawberry.UNSET


@strawberry.type
class Query(AuditQuery):
    """State and history of the trajectories, integrity checks and the audit log."""

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

    @strawberry.field(description="Trajectories in the order they were started.")
    def trajectories(self, info: Info, first: int | None = None,
                     after: str | None = None) -> Connection[Trajectory]:
        size = page_size(first)
        scope = read_scope(info)
        if scope is not None:  # a few trajectories: page them here, in start order
            found = (info.context.app.get_trajectory(t) for t in sorted(scope))
            mine = sorted((t for t in found if t is not None),
                          key=lambda t: (t.created_on, str(t.id)))
            return scoped_page("scoped-trajectory", mine, first=size, after=after,
                               node=trajectory_type)
        page = info.context.app.list_trajectories(
            first=size, after=decode_cursor("trajectory", after))
        return connection(
            "trajectory", page.trajectories, size=size, total_count=page.total_count,
            has_next_page=page.has_next_page, node=trajectory_type,
        )


def _as_of(as_of: AsOf | None) -> tuple[int | None, datetime | None]:
    if as_of is None:
        return None, None
    version = as_of.version if as_of.version is not strawberry.UNSET else None
    at = as_of.at if as_of.at is not strawberry.UNSET else None
    if version is not None and version < 0:
        raise QueryError(f"asOf.version must not be negative, not {version}.")
    if at is not None and at.utcoffset() is None:
        raise QueryError("asOf.at must be a date-time with a UTC offset.")
    return version, at
