"""Events to SQL for frames and reviews: decisions' review dates, and the open reasons
for review (`dl_reviews`), as the aggregate keeps them (`decisionlog.domain.reviews`).

A reason opens when an event puts a decision up for review (a frame superseded or
withdrawn lists the decisions it reaches; an outcome of ADJUST or REVERSE names its
decision in force) and closes when the decision is reconfirmed, reframed away from the
link it came through, superseded, withdrawn or rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from decisionlog.domain import review_events as rev
from decisionlog.domain.event_base import TrajectoryEvent
from decisionlog.domain.reviews import VERDICT_REASONS
from decisionlog.domain.values import DecisionStatus, ReviewReasonKind, Verdict
from decisionlog.readmodels.dialect import Statement

_INSERT_REASON = (
    "INSERT INTO dl_reviews (position, ordinal, trajectory_id, decision_id, version, kind, "
    "frame_id, through_id, cause_id, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _tid(event: TrajectoryEvent) -> str:
    return str(event.originator_id)


def reasons_opened(position: int, e: TrajectoryEvent, entries: Iterable[Mapping[str, Any]],
                   kind: ReviewReasonKind, cause_id: str | None) -> list[Statement]:
    """Rows for the decisions a changed frame put up for review."""
    return [(_INSERT_REASON, (
        position, ordinal, _tid(e), entry["decision_id"], e.originator_version, kind.value,
        entry["frame_id"], entry["through_id"], cause_id, e.timestamp))
        for ordinal, entry in enumerate(entries)]


def reasons_closed(e: TrajectoryEvent, decision_id: str) -> list[Statement]:
    """Every open reason of the decision closes (reconfirmed, superseded, withdrawn...)."""
    return [("DELETE FROM dl_reviews WHERE trajectory_id = ? AND decision_id = ?",
             (_tid(e), decision_id))]


def review_date(e: TrajectoryEvent, decision_id: str, review_by: Any) -> list[Statement]:
    """The decision's review date set, moved or cleared."""
    return [("UPDATE dl_decisions SET review_by = ? WHERE trajectory_id = ? "
             "AND decision_id = ?", (review_by, _tid(e), decision_id))]


def _reframed(position: int, e: rev.DecisionReframed) -> list[Statement]:
    return [("DELETE FROM dl_reviews WHERE trajectory_id = ? AND decision_id = ? "
             "AND through_id = ?", (_tid(e), e.decision_id, e.from_frame_id))]


def _confirmed(position: int, e: rev.DecisionConfirmed) -> list[Statement]:
    return reasons_closed(e, e.decision_id) + review_date(e, e.decision_id, e.review_by)


def _scheduled(position: int, e: rev.ReviewScheduled) -> list[Statement]:
    return review_date(e, e.decision_id, e.review_by)


def _outcome(position: int, e: rev.OutcomeRecorded) -> list[Statement]:
    kind = VERDICT_REASONS.get(Verdict(e.verdict))
    if kind is None:
        return []
    return [(  # only a decision in force goes up for review
        "INSERT INTO dl_reviews (position, ordinal, trajectory_id, decision_id, version, "
        "kind, frame_id, through_id, cause_id, opened_at) "
        "SELECT ?, 0, trajectory_id, decision_id, ?, ?, NULL, NULL, ?, ? FROM dl_decisions "
        "WHERE trajectory_id = ? AND decision_id = ? AND status = ?",
        (position, e.originator_version, kind.value, e.outcome_id, e.timestamp, _tid(e),
         e.decision_id, DecisionStatus.IN_FORCE.value))]


HANDLERS: dict[type[Any], Any] = {
    rev.DecisionReframed: _reframed,
    rev.DecisionConfirmed: _confirmed,
    rev.ReviewScheduled: _scheduled,
    rev.OutcomeRecorded: _outcome,
}
