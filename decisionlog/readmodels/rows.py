"""What the read-model queries return: plain, frozen dataclasses, and their filters."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from decisionlog.domain.values import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    ReviewReasonKind,
    RightKind,
    Scale,
    TrajectoryStatus,
)

T = TypeVar("T")


class InvalidCursorError(ValueError):
    """Raised when an `after` position names no row of the list it is used with."""

    def __init__(self, after: int, list_name: str) -> None:
        super().__init__(f"Cursor position {after} is not in the {list_name} list.")
        self.after = after


class DecisionOrder(StrEnum):
    """The order of the root decision list, by decidedAt, then by when recorded."""

    NEWEST_FIRST = "NEWEST_FIRST"
    OLDEST_FIRST = "OLDEST_FIRST"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `total_count` only when asked for."""

    rows: list[T]
    has_next_page: bool
    total_count: int | None = None


@dataclass(frozen=True)
class TrajectoryRow:
    """A trajectory as the list of trajectories shows it."""

    position: int
    id: str
    name: str
    client: str | None
    description: str | None
    status: TrajectoryStatus
    version: int
    started_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    closed_reason: str | None


@dataclass(frozen=True)
class MemberRef:
    """A member named on a decision."""

    id: str
    name: str


@dataclass(frozen=True)
class ReviewReasonRow:
    """An open reason for review of a decision in a cross-trajectory list, with the
    titles of the frames and the decision it names (None for an outcome's cause)."""

    kind: ReviewReasonKind
    version: int
    opened_at: datetime
    frame_id: str | None
    frame_title: str | None
    through_id: str | None
    through_title: str | None
    cause_id: str | None
    cause_title: str | None


@dataclass(frozen=True)
class DecisionRow:
    """A decision in a cross-trajectory list. `position` orders ties and is its cursor."""

    position: int
    trajectory_id: str
    id: str
    domain_id: str
    domain_name: str
    title: str
    statement: str
    rationale: str | None
    kind: DecisionKind
    origin: DecisionOrigin
    status: DecisionStatus
    scale: Scale
    decided_at: datetime | None
    recorded_at: datetime
    surfaced_by: str | None
    evidence: str | None
    ratified_at: datetime | None
    closed_at: datetime | None
    closed_reason: str | None
    decided_by: tuple[MemberRef, ...] = ()
    consulted: tuple[MemberRef, ...] = ()
    supersedes: tuple[str, ...] = ()
    superseded_by: tuple[str, ...] = ()
    phase_id: str | None = None  # the phase current when it was taken
    phase_name: str | None = None
    not_consulted: int = 0  # how many who had to be heard were not
    review_by: datetime | None = None
    review_reasons: tuple[ReviewReasonRow, ...] = ()

    @property
    def up_for_review(self) -> bool:
        """Whether it is on the review queue: in force, with a reason open."""
        return self.status is DecisionStatus.IN_FORCE and bool(self.review_reasons)

    @property
    def since(self) -> datetime | None:
        """For an implicit decision: when it probably began."""
        return self.decided_at if self.origin is DecisionOrigin.IMPLICIT else None


@dataclass(frozen=True)
class MandateRow:
    """A right a person holds now, directly (`via_role` None) or through their role."""

    trajectory_id: str
    trajectory_name: str
    trajectory_status: TrajectoryStatus
    member_id: str
    member_name: str
    member_role: str
    right_id: str
    right: RightKind
    condition: str | None
    domain_id: str
    domain_name: str
    via_role: str | None
    granted_at: datetime
    effective_from: datetime
    phases: tuple[PhaseRef, ...] = ()  # none: every phase


@dataclass(frozen=True)
class PhaseRef:
    """A phase named by a row."""

    id: str
    name: str


@dataclass(frozen=True)
class DecisionFilter:
    """Filters of the root decision list; None means "any".

    `search`: every word is a word, or the start of one, of the title, statement or
    rationale. `domain_name` and `decided_by` (a decider's name) match case-insensitively.
    `decided_from` is inclusive, `decided_to` exclusive; decisions without a decidedAt
    (surfaced without `since`) are left out when either is given. `phase`: taken in a
    phase of that name (case-insensitive); `not_consulted`: True for decisions that
    skipped someone who had to be heard, False for those that did not.
    """

    search: str | None = None
    domain_name: str | None = None
    status: DecisionStatus | None = None
    origin: DecisionOrigin | None = None
    kind: DecisionKind | None = None
    decided_by: str | None = None
    decided_from: datetime | None = None
    decided_to: datetime | None = None
    phase: str | None = None
    not_consulted: bool | None = None
    trajectory_ids: Collection[str] | None = field(default=None)
