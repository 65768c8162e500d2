"""A trajectory's board: its sections, each built from the trajectory's state by the
same domain functions the API uses (`Trajectory.who_decides_what`, `gaps`,
`out_of_mandate`, `not_consulted`, what was in force at a moment); the phase-aware
ones are in `who_decides.py`.

The board is a list of `Section`s. To add one: write a builder `(BoardState) -> data`,
a template `board/<name>.html` that shows `data`, and add a `Section` to `SECTIONS`
where it should appear.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from decisionlog.domain.bitemporal import in_force_at
from decisionlog.domain.values import DecisionStatus, Membership, Side
from decisionlog.web import looking_back, timeline, who_decides

if TYPE_CHECKING:
    from decisionlog.api.memo import StateMemo
    from decisionlog.domain.entities import Decision, Member
    from decisionlog.domain.trajectory import Trajectory
    from decisionlog.web.timetravel import AsOf

LATEST_DECISIONS = 12


@dataclass(frozen=True)
class BoardState:
    """What every section builder gets: the trajectory as shown, and the view asked."""

    trajectory: Trajectory
    as_of: AsOf
    out_of_mandate: frozenset[str]
    memo: StateMemo

    @property
    def phase_id(self) -> str | None:
        """The phase chosen for the matrix, one of the trajectory's (None: the current)."""
        return self.as_of.phase

    def consultation_gap_ids(self) -> frozenset[str]:
        """The decisions that skipped someone who had to be heard, once per state."""
        t = self.trajectory
        return self.memo.get(t, "consultation_gap_ids", lambda: frozenset(
            d.id for d in t.consultation_gaps()))


@dataclass(frozen=True)
class Section:
    """One part of the board: an anchor and heading, a template, and its data."""

    key: str
    title: str
    template: str
    build: Callable[[BoardState], Any]


@dataclass(frozen=True)
class Team:
    client: list[Member]
    provider: list[Member]
    former: list[Member]


def team(state: BoardState) -> Team:
    members = list(state.trajectory.members.values())
    active = sorted((m for m in members if m.active),
                    key=lambda m: (m.membership is not Membership.CORE, m.name.casefold()))
    return Team(client=[m for m in active if m.side is Side.CLIENT],
                provider=[m for m in active if m.side is Side.PROVIDER],
                former=[m for m in members if not m.active])


def open_implicit(state: BoardState) -> list[Decision]:
    return [d for d in state.trajectory.decisions.values()
            if d.status is DecisionStatus.PROPOSED_IMPLICIT]


def decisions_timeline(state: BoardState) -> timeline.Timeline:
    return timeline.timeline(state.trajectory, out_of_mandate=state.out_of_mandate,
                             in_force_at=state.as_of.in_force_at)


def latest(state: BoardState) -> list[Decision]:
    """The decisions recorded last, newest first."""
    decisions = state.trajectory.decisions.values()
    return heapq.nlargest(LATEST_DECISIONS, decisions, key=lambda d: d.recorded_at)


def in_force(state: BoardState) -> list[Decision] | None:
    """What was in force at the moment asked (valid time), as this state knows it."""
    moment = state.as_of.in_force_at
    return None if moment is None else in_force_at(state.trajectory, moment)


SECTIONS: list[Section] = [
    Section("in-force", "In force then", "board/in_force.html", in_force),
    Section("team", "Design team", "board/team.html", team),
    Section("phases", "Phases", "board/phases.html", who_decides.phases_section),
    Section("who-decides-what", "Who decides what", "board/matrix.html", who_decides.matrix),
    Section("out-of-mandate", "Decided outside anyone's mandate", "board/out_of_mandate.html",
            who_decides.out_of_mandate),
    Section("consultation-gaps", "Decided without hearing every adviser",
            "board/consultation_gaps.html", who_decides.consultation_gaps),
    Section("to-inform", "Still to be told", "board/to_inform.html", who_decides.to_inform),
    Section("timeline", "Decisions over time", "board/timeline.html", decisions_timeline),
    Section("open-implicit", "Surfaced decisions awaiting ratification",
            "board/open_implicit.html", open_implicit),
    Section("review-queue", "Up for review", "board/review_queue.html",
            looking_back.review_queue),
    Section("due-for-review", "Review dates", "board/due_for_review.html",
            looking_back.due_for_review),
    Section("frames", "Long lines and frames", "board/frames.html", looking_back.frames),
    Section("latest", "Recorded last", "board/latest.html", latest),
]


def board_state(trajectory: Trajectory, as_of: AsOf, memo: StateMemo) -> BoardState:
    """The state the sections are built from; the decisions out of mandate are found
    once per state of the trajectory (`memo`)."""
    return BoardState(trajectory, as_of, memo.get(
        trajectory, "out_of_mandate_ids",
        lambda: frozenset(d.id for d in trajectory.out_of_mandate())), memo)


def sections(state: BoardState) -> list[tuple[Section, Any]]:
    """Each section with its data, in board order."""
    return [(section, section.build(state)) for section in SECTIONS]
