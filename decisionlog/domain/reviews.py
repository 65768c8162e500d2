"""Looking back at decisions: why one is up for review, its reconfirmations, its outcomes.

Records a `Decision` holds (`review_reasons`, `confirmations`, `outcomes`), and the pure
readings over a trajectory's state: the review queue, the decisions due for review by a
moment, and the decisions a frame bounds. A decision is *up for review* while it is in
force and has a reason open: a frame it lies within (directly, or through frames within
frames) was superseded or withdrawn, or an outcome's verdict asked to adjust or reverse
it. Reconfirming it, or linking it to the new frame, closes the reasons; superseding or
withdrawing it takes it off the queue. "Due for review" depends on the clock: it is
asked of a moment, never stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from decisionlog.domain.values import DecisionKind, DecisionStatus, ReviewReasonKind, Verdict

if TYPE_CHECKING:
    from decisionlog.domain.entities import Decision
    from decisionlog.domain.trajectory import Trajectory

# Decisions a changed frame puts up for review: in force, or surfaced and awaiting
# ratification (they join the queue if ratified).
OPEN_STATUSES = frozenset({DecisionStatus.IN_FORCE, DecisionStatus.PROPOSED_IMPLICIT})
VERDICT_REASONS = {Verdict.ADJUST: ReviewReasonKind.OUTCOME_ADJUST,
                   Verdict.REVERSE: ReviewReasonKind.OUTCOME_REVERSE}


@dataclass(frozen=True, slots=True)
class ReviewReason:
    """Why a decision is up for review, and the event that said so.

    For a changed frame: `frame_id` is the frame superseded or withdrawn, `through_id`
    the frame this decision lies within that led to it (the same, when directly within
    it), `cause_id` the decision that superseded the frame (None when withdrawn). For an
    outcome: `cause_id` is the outcome's id.
    """

    kind: ReviewReasonKind
    version: int
    at: datetime
    frame_id: str | None = None
    through_id: str | None = None
    cause_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ReviewReasonKind(self.kind))


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Members reconfirmed the decision: it stands as it is."""

    members: list[str]
    rationale: str | None
    at: datetime
    version: int
    reasons_closed: int = 0
    review_by: datetime | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What was observed after the decision, and what it says of it."""

    id: str
    observed_at: datetime
    outcome: str
    verdict: Verdict
    observed_by: list[str]
    recorded_at: datetime
    version: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "verdict", Verdict(self.verdict))


@dataclass(frozen=True)
class ReviewItem:
    """A decision on the review queue, with its open reasons (oldest first)."""

    decision: Decision
    reasons: tuple[ReviewReason, ...]

    @property
    def since(self) -> datetime:
        return self.reasons[0].at


def up_for_review(decision: Decision) -> bool:
    """Whether the decision is on the review queue: in force, with a reason open."""
    return decision.status is DecisionStatus.IN_FORCE and bool(decision.review_reasons)


def review_queue(trajectory: Trajectory) -> list[ReviewItem]:
    """The decisions up for review, longest waiting first (ties in the order recorded)."""
    items = [ReviewItem(d, tuple(d.review_reasons))
             for d in trajectory.decisions.values() if up_for_review(d)]
    return sorted(items, key=lambda item: item.reasons[0].version)


def is_due(decision: Decision, moment: datetime) -> bool:
    """Whether the decision is in force with a review date at or before `moment`."""
    return (decision.status is DecisionStatus.IN_FORCE and decision.review_by is not None
            and decision.review_by <= moment)


def due_for_review(trajectory: Trajectory, before: datetime) -> list[Decision]:
    """Decisions in force whose review date lies before `before`, the oldest due first."""
    due = [d for d in trajectory.decisions.values()
           if d.status is DecisionStatus.IN_FORCE and d.review_by is not None
           and d.review_by < before]
    return sorted(due, key=lambda d: d.review_by or before)


def due_for_review_at(trajectory: Trajectory, moment: datetime) -> list[Decision]:
    """Decisions in force whose review date is at or before `moment`, oldest due first."""
    due = [d for d in trajectory.decisions.values() if is_due(d, moment)]
    return sorted(due, key=lambda d: d.review_by or moment)


@dataclass(frozen=True)
class FrameIndex:
    """Per frame id, the decisions linked within it; and each decision's place in the
    order recorded. Built once per state to answer `framed` for many frames."""

    children: dict[str, list[Decision]]
    order: dict[str, int]


def frame_index(trajectory: Trajectory) -> FrameIndex:
    return FrameIndex(_children(trajectory.decisions.values()),
                      {d: n for n, d in enumerate(trajectory.decisions)})


def framed(trajectory: Trajectory, frame_id: str, *, transitive: bool = False,
           index: FrameIndex | None = None) -> list[Decision]:
    """The decisions that lie within the frame (as linked now, whatever their status),
    in the order recorded; with `transitive`, also those within frames within it."""
    index = index or frame_index(trajectory)
    found: dict[str, Decision] = {}
    frontier = [frame_id]
    while frontier:
        for child in index.children.get(frontier.pop(0), []):
            if child.id not in found and child.id != frame_id:
                found[child.id] = child
                if transitive and child.kind is DecisionKind.FRAME:
                    frontier.append(child.id)
    return sorted(found.values(), key=lambda d: index.order[d.id])


def lies_within(trajectory: Trajectory, decision_id: str, frame_id: str) -> bool:
    """Whether `decision_id` lies within `frame_id`, directly or through frames."""
    return any(d.id == decision_id for d in framed(trajectory, frame_id, transitive=True))


def frame_change_reach(trajectory: Trajectory, changed: Iterable[str], *,
                       excluding: Iterable[str] = ()) -> list[dict[str, str]]:
    """What superseding or withdrawing the `changed` decisions puts up for review: per
    open decision within a changed frame (directly, or through frames in force within
    it), one entry `{decision_id, frame_id, through_id}` per link that leads there.

    `excluding`: decisions the same change closes (superseded with the frame)."""
    children = _children(d for d in trajectory.decisions.values()
                         if d.status in OPEN_STATUSES)
    skip = {*changed, *excluding}
    entries: list[dict[str, str]] = []
    for frame_id in changed:
        if trajectory.decisions[frame_id].kind is not DecisionKind.FRAME:
            continue
        expanded = {frame_id}
        frontier = [frame_id]
        while frontier:
            parent = frontier.pop(0)
            for child in children.get(parent, []):
                if child.id in skip:
                    continue
                entries.append({"decision_id": child.id, "frame_id": frame_id,
                                "through_id": parent})
                if child.kind is DecisionKind.FRAME and child.id not in expanded \
                        and child.status is DecisionStatus.IN_FORCE:
                    expanded.add(child.id)
                    frontier.append(child.id)
    return entries


def put_up_for_review(trajectory: Trajectory, entries: Iterable[dict[str, Any]], *,
                      kind: ReviewReasonKind, cause_id: str | None, version: int,
                      at: datetime) -> None:
    """Open a review reason on each decision an entry names (the events' apply)."""
    for entry in entries:
        decision = trajectory.decisions[entry["decision_id"]]
        reason = ReviewReason(kind=kind, version=version, at=at, frame_id=entry["frame_id"],
                              through_id=entry["through_id"], cause_id=cause_id)
        trajectory.decisions[decision.id] = replace(
            decision, review_reasons=[*decision.review_reasons, reason])


def reason_text(kind: ReviewReasonKind, *, frame: str | None = None,
                through: str | None = None, superseded_by: str | None = None,
                outcome: str | None = None) -> str:
    """A reason for review in words, from the titles of the frames and decision it names
    (and the outcome's text, when known)."""
    if kind in (ReviewReasonKind.OUTCOME_ADJUST, ReviewReasonKind.OUTCOME_REVERSE):
        verb = "adjust" if kind is ReviewReasonKind.OUTCOME_ADJUST else "reverse"
        return (f"An observed outcome asks to {verb} it" + (f": {outcome}" if outcome
                                                             else "."))
    change = (f"was superseded by “{superseded_by}”"
              if kind is ReviewReasonKind.FRAME_SUPERSEDED and superseded_by
              else "was superseded" if kind is ReviewReasonKind.FRAME_SUPERSEDED
              else "was withdrawn")
    text = f"Frame “{frame}” {change}"
    if through is not None and through != frame:
        text += f"; this decision lies within it through “{through}”"
    return text + "."


def describe_reason(trajectory: Trajectory, decision: Decision, reason: ReviewReason) -> str:
    """A reason for review of one of the trajectory's decisions, in words."""
    def title(decision_id: str | None) -> str | None:
        found = trajectory.decisions.get(decision_id or "")
        return None if found is None else found.title
    outcome = next((o.outcome for o in decision.outcomes if o.id == reason.cause_id), None)
    return reason_text(reason.kind, frame=title(reason.frame_id),
                       through=title(reason.through_id),
                       superseded_by=title(reason.cause_id), outcome=outcome)


def _children(decisions: Iterable[Decision]) -> dict[str, list[Decision]]:
    """Per frame id, the decisions linked within it, in the order recorded."""
    children: dict[str, list[Decision]] = {}
    for decision in decisions:
        for frame_id in decision.within_frames:
            children.setdefault(frame_id, []).append(decision)
    return children


def frames_above(trajectory: Trajectory, decision: Decision) -> Iterator[str]:
    """The frames the decision lies within, directly or through frames (each once)."""
    seen: set[str] = set()
    frontier = list(decision.within_frames)
    while frontier:
        frame_id = frontier.pop(0)
        if frame_id in seen:
            continue
        seen.add(frame_id)
        yield frame_id
        frame = trajectory.decisions.get(frame_id)
        if frame is not None:
            frontier.extend(frame.within_frames)
