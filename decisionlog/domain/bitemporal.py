"""Two times of a decision: when it was recorded (known) and when it was decided (in force).

"What was known at T" is the trajectory as recorded at T: `DecisionLog.get_trajectory(id,
at=T)`, whatever the decisions' `decidedAt` says. "What was in force at T" asks, of what
is known (now, or at another recording time), which decisions held at T in valid time: a
decision recorded today with `decidedAt` last month was in force last month, although
nobody knew it from the log then. Pure functions over a trajectory's state: domain
rules of valid time, which the API (`Trajectory.decisionsInForceAt`) and audits ask.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from decisionlog.domain.values import DecisionOrigin, DecisionStatus

if TYPE_CHECKING:
    from decisionlog.domain.entities import Decision
    from decisionlog.domain.trajectory import Trajectory


def in_force_since(decision: Decision) -> datetime | None:
    """When the decision took force in valid time; None if it never did (as known).

    An explicit decision holds from `decided_at`. A surfaced implicit decision holds only
    once ratified, and then from `since` (when it probably began), or from its
    ratification if nobody said since when. A rejected one never held.
    """
    if decision.origin is DecisionOrigin.EXPLICIT:
        return decision.decided_at
    if decision.ratified_at is None:
        return None
    return decision.decided_at or decision.ratified_at


def in_force_until(trajectory: Trajectory, decision: Decision) -> datetime | None:
    """When the decision stopped holding in valid time; None if it still holds.

    Superseded: from the earliest `decided_at` of the decisions superseding it.
    Withdrawn: from its withdrawal, which has no valid time of its own.
    """
    ends = [trajectory.decisions[i].decided_at for i in decision.superseded_by
            if i in trajectory.decisions]
    if decision.status == DecisionStatus.WITHDRAWN and decision.closed_at is not None:
        ends.append(decision.closed_at)
    known = [end for end in ends if end is not None]
    return min(known) if known else None


def in_force_at(trajectory: Trajectory, moment: datetime) -> list[Decision]:
    """The decisions that held at `moment` in valid time, as the trajectory knows them."""
    held = []
    for decision in trajectory.decisions.values():
        start = in_force_since(decision)
        if start is None or start > moment:
            continue
        end = in_force_until(trajectory, decision)
        if end is None or moment < end:
            held.append(decision)
    return held
