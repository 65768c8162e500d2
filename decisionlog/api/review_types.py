"""GraphQL types of frames and looking back: reasons for review, the review queue,
reconfirmations, outcomes and what a team has to look at, and the fields they add to
`Trajectory` and `Decision` (mixed into those types, as `phase_types.py` does).

`decisionlog.api.types` builds on this module (its `Trajectory` and `Decision` derive
from the mixins below), so the types of that module are named here lazily
(`strawberry.lazy`) and reached at call time (`_core()`). Built from the aggregate's
state (`decisionlog.domain.reviews`, `.attention`); the lists across trajectories are
in `readmodel_types.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Annotated

import strawberry

from decisionlog.api.arguments import require_offset
from decisionlog.api.context import Info
from decisionlog.api.enums import AttentionKind, ReviewReasonKind, Verdict
from decisionlog.api.resultcache import uncacheable
from decisionlog.domain import attention, entities, reviews
from decisionlog.domain.trajectory import Trajectory as TrajectoryAggregate
from decisionlog.domain.values import DecisionStatus

if TYPE_CHECKING:
    from decisionlog.api.types import Decision, DecisionDomain, Member

CORE = "decisionlog.api.types"
LazyDecision = Annotated["Decision", strawberry.lazy(CORE)]
LazyMember = Annotated["Member", strawberry.lazy(CORE)]
LazyDomain = Annotated["DecisionDomain", strawberry.lazy(CORE)]


def _core() -> ModuleType:
    from decisionlog.api import types  # at call time: that module imports this one

    return types


def _decision(trajectory: TrajectoryAggregate, decision_id: str | None) -> Decision | None:
    found = trajectory.decisions.get(decision_id or "")
    return None if found is None else _core().Decision.of(trajectory, found)


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
    def observed_by(self) -> list[LazyMember]:
        member_type = _core().Member
        return [member_type.of(self._trajectory.members[m]) for m in self._outcome.observed_by]


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
    def confirmed_by(self) -> list[LazyMember]:
        member_type = _core().Member
        return [member_type.of(self._trajectory.members[m])
                for m in self._confirmation.members]


@strawberry.type(description="Why a decision is up for review, and the event that said so.")
class ReviewReason:
    _trajectory: strawberry.Private[TrajectoryAggregate]
    _owner: strawberry.Private[entities.Decision]
    _reason: strawberry.Private[reviews.ReviewReason]
    kind: ReviewReasonKind
    reason: str = strawberry.field(description="The reason in words.")
    version: int = strawberry.field(description="The trajectory's event that opened it.")
    opened_at: datetime

    @classmethod
    def of(cls, trajectory: TrajectoryAggregate, decision: entities.Decision,
           reason: reviews.ReviewReason) -> ReviewReason:
        return cls(_trajectory=trajectory, _owner=decision, _reason=reason, kind=reason.kind,
                   reason=reviews.describe_reason(trajectory, decision, reason),
                   version=reason.version, opened_at=reason.at)

    @strawberry.field(description="The frame that was superseded or withdrawn.")
    def frame(self) -> LazyDecision | None:
        return _decision(self._trajectory, self._reason.frame_id)

    @strawberry.field(description=(
        "The frame this decision lies within that led to the changed one: the changed "
        "frame itself when directly within it, else a frame within it."))
    def through_frame(self) -> LazyDecision | None:
        return _decision(self._trajectory, self._reason.through_id)

    @strawberry.field(description="The decision that superseded the frame (the new frame).")
    def superseded_by(self) -> LazyDecision | None:
        if self._reason.kind is not ReviewReasonKind.FRAME_SUPERSEDED:
            return None
        return _decision(self._trajectory, self._reason.cause_id)

    @strawberry.field(description="The outcome whose verdict asked for the review.")
    def outcome(self) -> Outcome | None:
        found = [o for o in self._owner.outcomes if o.id == self._reason.cause_id]
        return Outcome.of(self._trajectory, found[0]) if found else None


@strawberry.type(description="A decision on the review queue, and why it is there.")
class ReviewItem:
    decision: LazyDecision
    since: datetime = strawberry.field(description="When its oldest open reason opened.")
    reasons: list[ReviewReason]


@strawberry.type(description="One thing a team has to look at, and why.")
class AttentionItem:
    kind: AttentionKind
    reason: str
    decision: LazyDecision | None
    domain: LazyDomain | None


@strawberry.type
class TrajectoryReviewFields:
    """The fields of `Trajectory` about frames and looking back."""

    _trajectory: strawberry.Private[TrajectoryAggregate]

    @strawberry.field(description="Decisions up for review (in force, with a reason open), "
                                  "in the order recorded.")
    def review_queue(self) -> list[ReviewItem]:
        t, decision_type = self._trajectory, _core().Decision
        return [ReviewItem(decision=decision_type.of(t, item.decision), since=item.since,
                           reasons=[ReviewReason.of(t, item.decision, r)
                                    for r in item.reasons])
                for item in reviews.review_queue(t)]

    @strawberry.field(description="Decisions in force with reviewBy before `before`, "
                                  "the oldest due first.")
    def decisions_due_for_review(self, before: datetime) -> list[LazyDecision]:
        require_offset("before", before)
        t, decision_type = self._trajectory, _core().Decision
        return [decision_type.of(t, d) for d in reviews.due_for_review(t, before)]

    @strawberry.field(description=(
        "What the team has to look at, with a reason each: open implicit decisions, the "
        "review queue, decisions due for review at `at` (default: now), gaps, decisions "
        "out of mandate and consultation gaps."))
    def attention(self, at: datetime | None = None) -> list[AttentionItem]:
        require_offset("at", at)
        if at is None:
            uncacheable()  # what is due depends on the clock
        core, t = _core(), self._trajectory
        return [AttentionItem(
            kind=item.kind, reason=item.reason,
            decision=None if item.decision is None else core.Decision.of(t, item.decision),
            domain=None if item.domain is None else core.DecisionDomain.of(item.domain))
            for item in attention.attention(t, at or datetime.now(UTC))]


@strawberry.type
class DecisionReviewFields:
    """The fields of `Decision` about the frames it lies within and looking back."""

    _trajectory: strawberry.Private[TrajectoryAggregate]
    _decision: strawberry.Private[entities.Decision]

    @strawberry.field(description="The date by which to look at it again, if any.")
    def review_by(self) -> datetime | None:
        return self._decision.review_by

    @strawberry.field(description="The frames (decisions of kind FRAME) it lies within.")
    def within_frames(self) -> list[LazyDecision]:
        t, decision_type = self._trajectory, _core().Decision
        return [decision_type.of(t, t.decisions[f]) for f in self._decision.within_frames]

    @strawberry.field(description=(
        "For a frame: the decisions that lie within it, whatever their status, in the "
        "order recorded; transitive: also those within frames within it."))
    def framed(self, info: Info, transitive: bool = False) -> list[LazyDecision]:
        t, decision_type = self._trajectory, _core().Decision
        index = info.context.memo.get(t, "frame_index", lambda: reviews.frame_index(t))
        return [decision_type.of(t, d) for d in reviews.framed(
            t, self._decision.id, transitive=transitive, index=index)]

    @strawberry.field(description="On the review queue: in force, with a reason open.")
    def up_for_review(self) -> bool:
        return reviews.up_for_review(self._decision)

    @strawberry.field(description="Why it is up for review: its open reasons, oldest first "
                                  "(none once superseded, withdrawn or rejected).")
    def review_reasons(self) -> list[ReviewReason]:
        d = self._decision
        if d.status not in (DecisionStatus.IN_FORCE, DecisionStatus.PROPOSED_IMPLICIT):
            return []
        return [ReviewReason.of(self._trajectory, d, r) for r in d.review_reasons]

    @strawberry.field(description="Its reconfirmations, oldest first.")
    def confirmations(self) -> list[Confirmation]:
        return [Confirmation.of(self._trajectory, c) for c in self._decision.confirmations]

    @strawberry.field(description="What was observed after it, oldest first.")
    def outcomes(self) -> list[Outcome]:
        return [Outcome.of(self._trajectory, o) for o in self._decision.outcomes]
