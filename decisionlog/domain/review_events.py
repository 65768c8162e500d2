"""The events of frames and reviews: a decision reframed, reconfirmed, given a review
date, and an outcome observed. Their topics (`decisionlog.domain.review_events:Name`)
are stored: never move or rename one. A frame superseded or withdrawn is told by the
events of `decisionlog.domain.events` (`DecisionRecorded`, `DecisionWithdrawn`), which
carry what it put up for review.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from decisionlog.domain import reviews
from decisionlog.domain.event_base import TrajectoryEvent
from decisionlog.domain.values import DecisionStatus, Verdict

if TYPE_CHECKING:
    from decisionlog.domain.trajectory import Trajectory


class DecisionReframed(TrajectoryEvent):
    """A decision's link to a frame was replaced by a link to another frame (the new
    frame after a redesign): the reasons for review that came through the old link close."""

    decision_id: str
    from_frame_id: str
    to_frame_id: str
    members: list[str]
    reason: str | None

    result_field = "decision_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        decision = aggregate.decisions[self.decision_id]
        frames = [self.to_frame_id if f == self.from_frame_id else f
                  for f in decision.within_frames]
        aggregate.decisions[self.decision_id] = replace(
            decision, within_frames=list(dict.fromkeys(frames)),
            review_reasons=[r for r in decision.review_reasons
                            if r.through_id != self.from_frame_id])

    def summary(self) -> str:
        return (f"Decision {self.decision_id} moved from frame {self.from_frame_id} "
                f"to frame {self.to_frame_id}")


class DecisionConfirmed(TrajectoryEvent):
    """Members looked at a decision up for review (or past its review date) again, and
    reconfirmed it: its reasons for review close; `review_by` is the next review date."""

    decision_id: str
    members: list[str]
    rationale: str | None
    review_by: datetime | None

    result_field = "decision_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        decision = aggregate.decisions[self.decision_id]
        confirmation = reviews.Confirmation(
            members=list(self.members), rationale=self.rationale, at=self.timestamp,
            version=self.originator_version, reasons_closed=len(decision.review_reasons),
            review_by=self.review_by)
        aggregate.decisions[self.decision_id] = replace(
            decision, review_reasons=[], review_by=self.review_by,
            confirmations=[*decision.confirmations, confirmation])

    def summary(self) -> str:
        return f"Decision {self.decision_id} reconfirmed"


class ReviewScheduled(TrajectoryEvent):
    """A decision was given a date by which to look at it again (or a new one)."""

    decision_id: str
    review_by: datetime

    result_field = "decision_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.decisions[self.decision_id] = replace(
            aggregate.decisions[self.decision_id], review_by=self.review_by)

    def summary(self) -> str:
        return f"Review of decision {self.decision_id} due by {self.review_by.isoformat()}"


class OutcomeRecorded(TrajectoryEvent):
    """What happened after a decision was observed; a verdict of ADJUST or REVERSE puts
    a decision in force up for review. The decision itself is not changed."""

    outcome_id: str
    decision_id: str
    observed_at: datetime
    outcome: str
    verdict: Verdict
    observed_by: list[str]

    result_field = "outcome_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        decision = aggregate.decisions[self.decision_id]
        verdict = Verdict(self.verdict)
        outcome = reviews.Outcome(
            id=self.outcome_id, observed_at=self.observed_at, outcome=self.outcome,
            verdict=verdict, observed_by=list(self.observed_by), recorded_at=self.timestamp,
            version=self.originator_version)
        reasons = decision.review_reasons
        kind = reviews.VERDICT_REASONS.get(verdict)
        if kind is not None and decision.status is DecisionStatus.IN_FORCE:
            reasons = [*reasons, reviews.ReviewReason(
                kind=kind, version=self.originator_version, at=self.timestamp,
                cause_id=self.outcome_id)]
        aggregate.decisions[self.decision_id] = replace(
            decision, outcomes=[*decision.outcomes, outcome], review_reasons=reasons)

    def summary(self) -> str:
        return f"Outcome of decision {self.decision_id} observed: {self.verdict}"
