"""Looking back across trajectories: decisions due for review by a moment, and
decisions up for review (the review queues of every trajectory in scope).

"Due" depends on the clock, so it is asked of a moment (`before`) at query time from
the stored review dates; nothing is stored as "due".
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from decisionlog.domain.values import DecisionStatus
from decisionlog.readmodels.decision_queries import decision_page
from decisionlog.readmodels.dialect import Executor
from decisionlog.readmodels.queries import scope_condition, where_clause
from decisionlog.readmodels.rows import DecisionRow, Page


def due_for_review(
    ex: Executor, before: datetime, *, trajectory_ids: Collection[str] | None = None,
    first: int = 20, after: tuple[datetime, int] | None = None, count: bool = False,
) -> Page[DecisionRow]:
    """Decisions in force whose review date lies before `before`, the oldest due first
    (ties in the order recorded). `after` is the (review date, position) of the last
    row of the previous page: a page resumes there even if that decision has been
    reconfirmed or rescheduled since."""
    conditions = ["d.status = ?", "d.review_by IS NOT NULL", "d.review_by < ?"]
    params: list[Any] = [DecisionStatus.IN_FORCE.value, before]
    scope_condition(trajectory_ids, "d", conditions, params)
    total = None
    if count:
        total = int(ex.scalar(f"SELECT COUNT(*) FROM dl_decisions d {where_clause(conditions)}",
                              params))
    if after is not None:
        conditions.append("(d.review_by, d.position) > (?, ?)")
        params += list(after)
    positions = [r[0] for r in ex.fetchall(
        f"SELECT d.position FROM dl_decisions d {where_clause(conditions)} "
        "ORDER BY d.review_by, d.position LIMIT ?", (*params, first + 1))]
    return decision_page(ex, positions, first, total)


def up_for_review(
    ex: Executor, *, trajectory_ids: Collection[str] | None = None, first: int = 20,
    after: int = 0, count: bool = False,
) -> Page[DecisionRow]:
    """Decisions in force with a reason for review open, in the order they were recorded
    (frames before what was decided within them), with their reasons."""
    conditions = ["d.status = ?"]
    params: list[Any] = [DecisionStatus.IN_FORCE.value]
    scope_condition(trajectory_ids, "r", conditions, params)
    source = ("FROM dl_reviews r JOIN dl_decisions d ON d.trajectory_id = r.trajectory_id "
              "AND d.decision_id = r.decision_id")
    total = None
    if count:
        total = int(ex.scalar(
            f"SELECT COUNT(DISTINCT d.position) {source} {where_clause(conditions)}", params))
    positions = [r[0] for r in ex.fetchall(
        f"SELECT DISTINCT d.position {source} {where_clause([*conditions, 'd.position > ?'])} "
        "ORDER BY d.position LIMIT ?", (*params, after, first + 1))]
    return decision_page(ex, positions, first, total)
