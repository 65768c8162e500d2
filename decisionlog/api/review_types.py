"""GraphQL types of frames and looking back: reasons for review, the review queue,
reconfirmations, outcomes, and what a team has to look at (`Trajectory.attention`).

Built from the aggregate's state (`decisionlog.domain.reviews`, `.attention`); the
lists across trajectories are in `readmodel_types.py`.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from decisionlog.api.enums import AttentionKind, ReviewReasonKind, Verdict
from decisionlog.api.team_types import DecisionDomain, Member
from decisionlog.api.types import Decision
from decisionlog.domain import attention, reviews
from decisionlog.domain.entities import Decision as DecisionRecord
from decisionlog.domain.trajectory import Trajectory as TrajectoryAggregate
from decisionlog.domain.values import DecisionStatus


@strawberry.type(description=(
    "What was observed after a decision, and its verdict: CONFIRMED (it holds), ADJUST "
    "or REVERSE (either puts a decision in force up for review). The decision itself "
    "is never changed by it."))
class Outcome:
    _trajectory: strawberry.Private[TrajectoryAggregate]
    _outcome: strawberry.Private[reviews.Outcome]
    id: strawberry.ID
    observed_at: datetime = strawberry.field(description="When it was observed.")
    outcome: str = strawberry.field(description="What happened after the decision.")
    verdict: Verdict
    recorded_at: datetime
    version: int = strawberry.field(description="The trajectory's event that recorded it.")

    @classmethod
    def of(cls, trajectory: TrajectoryAggregate, outcome: reviews.Outcome) -> Outcome:
        return cls(_trajectory=trajectory, _outcome=outcome, id=strawberry.ID(outcome.id),
                   observed_at=outcome.observed_at, outcome=outcome.outcome,
                   verdict=outcome.verdict, recorded_at=outcome.recorded_at,
                   version=outcome.version)

    @strawberry.field(description="Who observed it (may be nobody named).")
    def observed_by(self) -> list[Member]:
        return [Member.of(self._trajectory.members[m]) for m in self._outcome.observed_by]


@strawberry.type(description="Members looked at a decision again and reconfirmed it.")
class Confirmation:
    _trajectory: strawberry.Private[TrajectoryAggregate]
    _confirmation: strawberry.Private[reviews.Confirmation]
    rationale: str | None
    confirmed_at: datetime
    version: int = strawberry.field(description="The trajectory's event that recorded it.")
    reasons_closed: int = strawberry.field(
        description="How many reasons for review it closed (0: it was past its review date).")
    review_by: datetime | None = strawberry.field(description="The next review date it set.")

    @classmethod
    def of(cls, trajectory: TrajectoryAggregate, c: reviews.Confirmation) -> Confirmation:
        return cls(_trajectory=trajectory, _confirmation=c, rationale=c.rationale,
                   confirmed_at=c.at, version=c.version, reasons_closed=c.reasons_closed,
                   review_by=c.review_by)

    @strawberry.field
    def confirmed_by(self) -> list[Member]:
        return [Member.of(self._trajectory.members[m]) for m in self._confirmation.members]


@strawberry.type(description="Why a decision is up for review, and the event that said so.")
class ReviewReason:
    _trajectory: strawberry.Private[TrajectoryAggregate]
    _owner: strawberry.Private[DecisionRecord]
    _reason: strawberry.Private[reviews.ReviewReason]
    kind: ReviewReasonKind
    reason: str = strawberry.field(description="The reason in words.")
    version: int = strawberry.field(description="The trajectory's event that opened it.")
    opened_at: datetime

    @classmethod
    def of(cls, trajectory: TrajectoryAggregate, decision: DecisionRecord,
           reason: reviews.ReviewReason) -> ReviewReason:
        return cls(_trajectory=trajectory, _owner=decision, _reason=reason, kind=reason.kind,
                   reason=reviews.describe_reason(trajectory, decision, reason),
                   version=reason.version, opened_at=reason.at)

    @strawberry.field(description="The frame that was superseded or withdrawn.")
    def frame(self) -> Decision | None:
        return self._decision(self._reason.frame_id)

    @strawberry.field(description=(
        "The frame this decision lies within that led to the changed one: the changed "
        "frame itself when directly within it, else a frame within it."))
    def through_frame(self) -> Decision | None:
        return self._decision(self._reason.through_id)

    @strawberry.field(description="The decision that superseded the frame (the new frame).")
    def superseded_by(self) -> Decision | None:
        if self._reason.kind is not ReviewReasonKind.FRAME_SUPERSEDED:
            return None
        return self._decision(self._reason.cause_id)

    @strawberry.field(description="The outcome whose verdict asked for the review.")
    def outcome(self) -> Outcome | None:
        found = [o for o in self._owner.outcomes if o.id == self._reason.cause_id]
        return Outcome.of(self._trajectory, found[0]) if found else None

    def _decision(self, decision_id: str | None) -> Decision | None:
        found = self._trajectory.decisions.get(decision_id or "")
        return None if found is None else Decision.of(self._trajectory, found)


@strawberry.type(description="A decision on the review queue, and why it is there.")
class ReviewItem:
    decision: Decision
    since: datetime = strawberry.field(description="When its oldest open reason opened.")
    reasons: list[ReviewReason]


@strawberry.type(description="One thing a team has to look at, and why.")
class AttentionItem:
    kind: AttentionKind
    reason: str
    decision: Decision | None
    domain: DecisionDomain | None


def review_reasons(trajectory: TrajectoryAggregate, decision: DecisionRecord
                   ) -> list[ReviewReason]:
    """A decision's open reasons for review (none once superseded, withdrawn or rejected)."""
    if decision.status not in (DecisionStatus.IN_FORCE, DecisionStatus.PROPOSED_IMPLICIT):
        return []
    return [ReviewReason.of(trajectory, decision, r) for r in decision.review_reasons]


def review_queue(trajectory: TrajectoryAggregate) -> list[ReviewItem]:
    return [ReviewItem(decision=Decision.of(trajectory, item.decision), since=item.since,
                       reasons=[ReviewReason.of(trajectory, item.decision, r)
                                for r in item.reasons])
            for item in reviews.review_queue(trajectory)]


def attention_items(trajectory: TrajectoryAggregate, at: datetime) -> list[AttentionItem]:
    return [AttentionItem(
        kind=item.kind, reason=item.reason,
        decision=None if item.decision is None else Decision.of(trajectory, item.decision),
        domain=None if item.domain is None else DecisionDomain.of(item.domain))
        for item in attention.attention(trajectory, at)]


def outcomes(trajectory: TrajectoryAggregate, decision: DecisionRecord) -> list[Outcome]:
    return [Outcome.of(trajectory, o) for o in decision.outcomes]


def confirmations(trajectory: TrajectoryAggregate, decision: DecisionRecord
                  ) -> list[Confirmation]:
    return [Confirmation.of(trajectory, c) for c in decision.confirmations]
