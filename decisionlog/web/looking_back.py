"""The board's sections of frames and looking back: the long lines and frames in force
with what lies within them, the review queue, and the decisions due for review.

What is due depends on the clock, not only on the trajectory's state: `due_count` (how
many review dates have passed, by a sorted list kept once per state) goes into the
board's cache key, so a decision falling due shows without a new event.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from decisionlog.domain import reviews
from decisionlog.domain.values import DecisionKind, DecisionStatus, ReviewReasonKind

if TYPE_CHECKING:
    from decisionlog.api.memo import StateMemo
    from decisionlog.domain.entities import Decision
    from decisionlog.domain.trajectory import Trajectory
    from decisionlog.web.board import BoardState

UPCOMING = 5
MAX_DEPTH = 6  # frames within frames shown on the board; deeper ones on their pages


@dataclass(frozen=True)
class Move:
    """A link to move a decision from a changed frame to the frame that replaced it."""

    from_frame: str
    to_frame: str


@dataclass(frozen=True)
class QueueItem:
    decision: Decision
    since: datetime
    reasons: list[str]
    moves: list[Move]


@dataclass(frozen=True)
class FrameNode:
    frame: Decision
    within: list[FrameNode]
    decisions: list[Decision]


@dataclass(frozen=True)
class Due:
    due: list[Decision]
    upcoming: list[Decision]


def review_queue(state: BoardState) -> list[QueueItem]:
    t = state.trajectory
    items = []
    for item in reviews.review_queue(t):
        moves = [Move(r.frame_id, r.cause_id) for r in item.reasons
                 if r.kind is ReviewReasonKind.FRAME_SUPERSEDED and r.frame_id
                 and r.cause_id and r.through_id == r.frame_id
                 and t.decisions[r.cause_id].status is DecisionStatus.IN_FORCE
                 and t.decisions[r.cause_id].kind is DecisionKind.FRAME]
        items.append(QueueItem(item.decision, item.since, [
            reviews.describe_reason(t, item.decision, r) for r in item.reasons], moves))
    return items


def review_dates(trajectory: Trajectory) -> list[tuple[datetime, str]]:
    """The review dates of the decisions in force, earliest first."""
    return sorted((d.review_by, d.id) for d in trajectory.decisions.values()
                  if d.status is DecisionStatus.IN_FORCE and d.review_by is not None)


def due_count(trajectory: Trajectory, memo: StateMemo, now: datetime | None = None) -> int:
    """How many review dates have come by `now` (default: the clock)."""
    dates = memo.get(trajectory, "review_dates", lambda: review_dates(trajectory))
    moment = now or datetime.now(UTC)
    return bisect.bisect_right([d for d, _ in dates], moment)


def due_for_review(state: BoardState) -> Due | None:
    t = state.trajectory
    dates = review_dates(t)
    if not dates:
        return None
    count = bisect.bisect_right([d for d, _ in dates], datetime.now(UTC))
    return Due([t.decisions[i] for _, i in dates[:count]],
               [t.decisions[i] for _, i in dates[count:count + UPCOMING]])


def frames(state: BoardState) -> list[FrameNode] | None:
    """The frames in force, each with the frames and decisions in force within it;
    outermost first (a frame within no frame in force)."""
    t = state.trajectory
    index = reviews.frame_index(t)
    in_force = [d for d in t.decisions.values()
                if d.kind is DecisionKind.FRAME and d.status is DecisionStatus.IN_FORCE]
    if not in_force:
        return None
    live = {d.id for d in in_force}

    def node(frame: Decision, depth: int) -> FrameNode:
        children = [d for d in index.children.get(frame.id, [])
                    if d.status is DecisionStatus.IN_FORCE]
        subframes = [d for d in children if d.id in live]
        return FrameNode(frame, [node(d, depth + 1) for d in subframes]
                         if depth < MAX_DEPTH else [],
                         [d for d in children if d.id not in live])

    roots = [f for f in in_force if not any(p in live for p in f.within_frames)]
    return [node(f, 1) for f in roots]
