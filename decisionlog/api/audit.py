"""Audit queries: verifying a trajectory's hash chain, and the global audit log.

Both are for auditors and facilitators (`MayAudit`); a scoped token checks and reads only
its own trajectories. The work is done in `decisionlog.audit`; these resolvers check the
arguments and the caller, and convert the results.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated

import strawberry

from decisionlog.api.arguments import require_text
from decisionlog.api.context import Info
from decisionlog.api.event_types import Event
from decisionlog.api.pagination import (
    PageInfo,
    QueryError,
    page_size,
    require_offset,
)
from decisionlog.api.permissions import MayAudit, may_audit, read_scope
from decisionlog.audit import log, verify
from decisionlog.audit.diagnose import Problem
from decisionlog.auth.cursors import CursorSealer, InvalidCursorError, cursor_sealer
from decisionlog.auth.principal import canonical_trajectory_id

if TYPE_CHECKING:
    from decisionlog.application import DecisionLog
    from decisionlog.domain.trajectory import Trajectory as TrajectoryAggregate

AUDIT_LOG = "auditlog"  # the kind of its cursors (as before sealing: old ones still open)

strawberry.enum(Problem, name="IntegrityProblem",
                description="Why a stored event breaks its trajectory's hash chain.")


@strawberry.type
class IntegrityDamage:
    """The first broken version of a trajectory's chain, and why."""

    version: int
    problem: Problem
    detail: str


@strawberry.type
class TrajectoryVerification:
    """A trajectory's hash chain recomputed from the stored rows: intact, or where and why
    it first breaks."""

    trajectory_id: strawberry.ID
    ok: bool
    event_count: int = strawberry.field(description="Rows stored for the trajectory.")
    intact_count: int = strawberry.field(
        description="Events verified intact, counted from version 1.")
    head_digest: str = strawberry.field(description=(
        "The digest of the last intact event: when ok, the trajectory's head digest, "
        "worth keeping elsewhere to detect later truncation or rewriting."))
    damage: IntegrityDamage | None

    @classmethod
    def of(cls, outcome: verify.TrajectoryVerification) -> TrajectoryVerification:
        damage = outcome.damage
        return cls(
            trajectory_id=strawberry.ID(outcome.trajectory_id), ok=outcome.ok,
            event_count=outcome.event_count, intact_count=outcome.intact_count,
            head_digest=outcome.head_digest,
            damage=None if damage is None else IntegrityDamage(
                version=damage.version, problem=damage.problem, detail=damage.detail),
        )


@strawberry.type
class AuditLogEntry:
    """One stored event in the global log; `event` is null (and `problem` says why) when
    the stored row does not decode: damage is shown, not hidden."""

    trajectory_id: strawberry.ID
    version: int
    event: Event | None
    problem: str | None


@strawberry.type
class AuditLogEdge:
    """One entry of the audit log, with the cursor to resume after it."""

    cursor: str
    node: AuditLogEntry


@strawberry.type(description=(
    "A page of the audit log. Without totalCount: counting would read the whole log. "
    "A page reads a bounded number of stored events, so with selective filters it may "
    "be short, even empty, with hasNextPage true; endCursor always moves on."))
class AuditLogConnection:
    edges: list[AuditLogEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: log.AuditPage, app: DecisionLog, sealer: CursorSealer
           ) -> AuditLogConnection:
        names = TrajectoryNames(app)
        edges = [AuditLogEdge(cursor=sealer.seal(AUDIT_LOG, entry.position),
                              node=AuditLogEntry(
            trajectory_id=strawberry.ID(entry.trajectory_id), version=entry.version,
            event=None if entry.event is None else Event.of(
                entry.event, partial(names.get, entry.trajectory_id)),
            problem=entry.problem)) for entry in page.entries]
        return cls(edges=edges, page_info=PageInfo(
            has_next_page=page.has_next_page,
            end_cursor=sealer.seal(AUDIT_LOG, page.end_position)))


@strawberry.type
class AuditQuery:
    """Integrity checks and the global audit log (auditors and facilitators)."""

    @strawberry.field(permission_classes=[MayAudit], description=(
        "Recompute the trajectory's hash chain from the stored rows (read-only: it changes "
        "nothing). expectHeadDigest: a head digest kept elsewhere, which the chain must "
        "still reach (detects truncation). checkSnapshot: also compare the latest snapshot "
        "with the events replayed. Null when the trajectory is unknown or out of scope."))
    def verify_trajectory(self, info: Info, id: strawberry.ID,
                          expect_head_digest: str | None = None,
                          check_snapshot: bool = False) -> TrajectoryVerification | None:
        trajectory_id = canonical_trajectory_id(id)
        if not may_audit(info, trajectory_id):
            return None
        anchors = None if expect_head_digest is None else {trajectory_id: expect_head_digest}
        report = verify.verify(info.context.app, trajectory_id, anchors=anchors,
                               snapshots=check_snapshot)
        outcome = report.get(trajectory_id)
        return None if outcome is None else TrajectoryVerification.of(outcome)

    @strawberry.field(permission_classes=[MayAudit], description=(
        "Every event of every trajectory (in scope), in commit order, oldest first. "
        "A saved cursor resumes exactly, however many events arrive meanwhile; cursors "
        "are sealed and reveal nothing of the log's size or pace. Filters: trajectoryId; "
        "types (event type names such as DecisionRecorded); recordedBy (any of these "
        "token names); from and to (bounds of recordedAt, inclusive)."))
    def audit_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        trajectory_id: strawberry.ID | None = None,
        types: list[str] | None = None,
        recorded_by: list[str] | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> AuditLogConnection:
        size = page_size(first)
        require_offset("from", from_)
        require_offset("to", to)
        for name in recorded_by or ():
            require_text("recordedBy", name)
        sealer = cursor_sealer(info.context.app)
        try:
            position = None if after is None else sealer.open(AUDIT_LOG, after)
            page = log.audit_log(
                info.context.app, first=size, after=position, trajectory_id=trajectory_id,
                trajectory_ids=read_scope(info), types=types, recorded_by=recorded_by,
                from_=from_, to=to)
        except InvalidCursorError:
            raise QueryError(f"{after!r} is not an audit log cursor.") from None
        except ValueError as error:  # an unknown event type
            raise QueryError(str(error)) from None
        return AuditLogConnection.of(page, info.context.app, sealer)


class TrajectoryNames:
    """The trajectories whose names a page of the audit log needs, each read once, and
    only when a summary is asked for. A trajectory that cannot be read (a damaged store)
    gives None: its summaries fall back to ids."""

    def __init__(self, app: DecisionLog) -> None:
        self.app = app
        self.read: dict[str, TrajectoryAggregate | None] = {}

    def get(self, trajectory_id: str) -> TrajectoryAggregate | None:
        if trajectory_id not in self.read:
            try:
                self.read[trajectory_id] = self.app.get_trajectory(trajectory_id)
            except Exception:  # damage is shown by the entries themselves
                self.read[trajectory_id] = None
        return self.read[trajectory_id]
