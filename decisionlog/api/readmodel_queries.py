"""Root queries across trajectories, served from the read models (no aggregate loaded
for a page): trajectories, decisions, mandates and the backlog of implicit decisions.

Every one is scoped with `read_scope`: a scoped token's pages and totals count only its
trajectories. Their cursors are positions in the event log, sealed (`auth/cursors.py`)
so that they reveal nothing of other trajectories' activity. The views are written in
the events' transaction, so a query made after a mutation has returned sees it. Totals
are counted only when `totalCount` is selected. None of these root fields is kept by the
result cache (see `resultcache.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import strawberry

from decisionlog.api.arguments import require_text
from decisionlog.api.context import Info
from decisionlog.api.enums import DecisionKind, DecisionOrigin, DecisionStatus, TrajectoryStatus
from decisionlog.api.pagination import (
    Connection,
    QueryError,
    connection,
    page_size,
    require_offset,
)
from decisionlog.api.permissions import read_scope
from decisionlog.api.readmodel_types import (
    DecisionSummary,
    Mandate,
    selects,
    trajectory_node,
)
from decisionlog.api.types import Trajectory
from decisionlog.auth.cursors import INVALID, OTHER_LIST, cursor_sealer
from decisionlog.auth.cursors import InvalidCursorError as InvalidSealError
from decisionlog.readmodels import (
    DecisionFilter,
    DecisionOrder,
    DecisionRow,
    InvalidCursorError,
    Page,
)

DECISIONS = "decisions"
OPEN_IMPLICIT = "open-implicit"
DUE_FOR_REVIEW = "due-for-review"
UP_FOR_REVIEW = "up-for-review"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
TRAJECTORIES = "trajectory"  # as before the read models: saved cursors keep working


@strawberry.type
class ReadModelQuery:
    """Lists and searches across every trajectory the caller may read."""

    @strawberry.field(description=(
        "Trajectories in the order they were started. status; client: exactly that "
        "client (case-insensitive); search: every word is a word, or the start of one, "
        "of the name, client or description (case-insensitive)."))
    def trajectories(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: TrajectoryStatus | None = None,
        client: str | None = None,
        search: str | None = None,
    ) -> Connection[Trajectory]:
        size = page_size(first)
        position = _open_cursor(info, TRAJECTORIES, after)
        require_text("client", client)
        require_text("search", search)
        app = info.context.app
        page = app.readmodels.trajectories(
            status=status, client=client, search=search, trajectory_ids=read_scope(info),
            first=size, after=position, count=selects(info, "totalCount"))
        return connection(
            TRAJECTORIES, [(row.position, row) for row in page.rows],
            total_count=page.total_count or 0, has_next_page=page.has_next_page,
            node=lambda row: trajectory_node(app, row), cursor=_sealing(info, TRAJECTORIES))

    @strawberry.field(description=(
        "Decisions across trajectories, by decidedAt (when recorded, if it has none), "
        "ties in the order recorded. search: every word is a word, or the start of one, "
        "of the title, statement or rationale (case-insensitive). domainName and "
        "decidedBy (a decider's name) match case-insensitively. decidedFrom is "
        "inclusive, decidedTo exclusive; either leaves out decisions without a "
        "decidedAt. phase: taken in the phase of that name (case-insensitive). "
        "notConsulted: true for the decisions that skipped someone who had to be heard "
        "(see Decision.notConsulted), false for the others. Cursors are keyset cursors: "
        "decisions recorded between two pages never shift the next one."))
    def decisions(
        self,
        info: Info,
        search: str | None = None,
        domain_name: str | None = None,
        status: DecisionStatus | None = None,
        origin: DecisionOrigin | None = None,
        kind: DecisionKind | None = None,
        decided_by: str | None = None,
        decided_from: datetime | None = None,
        decided_to: datetime | None = None,
        phase: str | None = None,
        not_consulted: bool | None = None,
        order: DecisionOrder = DecisionOrder.NEWEST_FIRST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DecisionSummary]:
        size = page_size(first)
        position = _open_cursor(info, DECISIONS, after)
        require_offset("decidedFrom", decided_from)
        require_offset("decidedTo", decided_to)
        for name, text in (("search", search), ("domainName", domain_name),
                           ("decidedBy", decided_by), ("phase", phase)):
            require_text(name, text)
        if decided_from is not None and decided_to is not None and decided_from > decided_to:
            raise QueryError("decidedFrom must not be after decidedTo.")
        where = DecisionFilter(
            search=search, domain_name=domain_name, status=status, origin=origin, kind=kind,
            decided_by=decided_by, decided_from=decided_from, decided_to=decided_to,
            phase=phase, not_consulted=not_consulted, trajectory_ids=read_scope(info))
        try:
            page = info.context.app.readmodels.decisions(
                where, order=order, first=size, after=position,
                count=selects(info, "totalCount"))
        except InvalidCursorError:
            raise QueryError(f"Cursor {after!r} names no decision of this list.") from None
        return _decision_connection(info, DECISIONS, page)

    @strawberry.field(description=(
        "Every right a person holds now, in every trajectory, directly or through their "
        "role, on active domains: by trajectory (in the order started), then domain; "
        "phases: the phases a right holds in (none: every phase). "
        "memberName matches case-insensitively, runs of spaces as one."))
    def mandates(self, info: Info, member_name: str) -> list[Mandate]:
        if not member_name.strip():
            raise QueryError("memberName must not be blank.")
        require_text("memberName", member_name)
        rows = info.context.app.readmodels.mandates(member_name,
                                                    trajectory_ids=read_scope(info))
        return [Mandate.of(row) for row in rows]

    @strawberry.field(description=(
        "Implicit decisions surfaced and awaiting ratification, across trajectories, "
        "oldest surfaced first: the backlog of unnamed decisions."))
    def open_implicit_decisions(self, info: Info, first: int | None = None,
                                after: str | None = None) -> Connection[DecisionSummary]:
        size = page_size(first)
        page = info.context.app.readmodels.open_implicit_decisions(
            trajectory_ids=read_scope(info), first=size,
            after=_open_cursor(info, OPEN_IMPLICIT, after), count=selects(info, "totalCount"))
        return _decision_connection(info, OPEN_IMPLICIT, page)


    @strawberry.field(description=(
        "Decisions in force whose reviewBy lies before `before` (for what is overdue: "
        "now), across trajectories, the oldest due first; computed when asked, from "
        "the stored review dates. A page resumes after the decision it ended on, even if "
        "that one has been reconfirmed or rescheduled since."))
    def decisions_due_for_review(self, info: Info, before: datetime, first: int | None = None,
                                 after: str | None = None) -> Connection[DecisionSummary]:
        size = page_size(first)
        require_offset("before", before)
        resume = None
        if after is not None:
            key, position = _open_pair(info, DUE_FOR_REVIEW, after)
            resume = (EPOCH + key * MICROSECOND, position)
        page = info.context.app.readmodels.due_for_review(
            before, trajectory_ids=read_scope(info), first=size, after=resume,
            count=selects(info, "totalCount"))
        sealer = cursor_sealer(info.context.app)
        due = {row.position: row.review_by or before for row in page.rows}
        return connection(
            DUE_FOR_REVIEW, [(row.position, row) for row in page.rows],
            total_count=page.total_count or 0, has_next_page=page.has_next_page,
            node=DecisionSummary.of, cursor=lambda position: sealer.seal_pair(
                DUE_FOR_REVIEW, (due[position] - EPOCH) // MICROSECOND, position))

    @strawberry.field(description=(
        "Decisions up for review across trajectories (in force, with a reason open: a "
        "frame they lie within changed, or an outcome asked to adjust or reverse them), "
        "in the order recorded, with their reasons: every review queue in scope."))
    def decisions_up_for_review(self, info: Info, first: int | None = None,
                                after: str | None = None) -> Connection[DecisionSummary]:
        size = page_size(first)
        page = info.context.app.readmodels.up_for_review(
            trajectory_ids=read_scope(info), first=size,
            after=_open_cursor(info, UP_FOR_REVIEW, after), count=selects(info, "totalCount"))
        return _decision_connection(info, UP_FOR_REVIEW, page)


def _open_pair(info: Info, kind: str, cursor: str) -> tuple[int, int]:
    try:
        return cursor_sealer(info.context.app).open_pair(kind, cursor)
    except InvalidSealError as error:
        if error.problem == OTHER_LIST:
            raise QueryError(f"Cursor {cursor!r} does not belong to this list.") from None
        raise QueryError(f"Invalid cursor {cursor!r}.") from None


def _decision_connection(info: Info, kind: str, page: Page[DecisionRow]
                         ) -> Connection[DecisionSummary]:
    return connection(
        kind, [(row.position, row) for row in page.rows],
        total_count=page.total_count or 0, has_next_page=page.has_next_page,
        node=DecisionSummary.of, cursor=_sealing(info, kind))


def _open_cursor(info: Info, kind: str, cursor: str | None) -> int:
    """The position a cursor of this list names; 0 (the start) for no cursor."""
    if cursor is None:
        return 0
    try:
        return cursor_sealer(info.context.app).open(kind, cursor)
    except InvalidSealError as error:
        if error.problem == INVALID:
            raise QueryError(f"Invalid cursor {cursor!r}.") from None
        if error.problem == OTHER_LIST:
            raise QueryError(f"Cursor {cursor!r} does not belong to this list.") from None
        noun = "trajectory" if kind == TRAJECTORIES else "decision"
        raise QueryError(f"Cursor {cursor!r} names no {noun} of this list.") from None


def _sealing(info: Info, kind: str) -> Callable[[int], str]:
    sealer = cursor_sealer(info.context.app)
    return lambda position: sealer.seal(kind, position)
