"""Who decides what: the mandate matrix, its gaps, and decisions taken outside it.

Pure functions over a trajectory's state. A right held by a role is held by every
member who had that role at the moment in question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast

from decisionlog.domain.entities import Decision, DecisionDomain, DecisionRight
from decisionlog.domain.values import DecisionOrigin, DecisionStatus, RightKind

if TYPE_CHECKING:
    from decisionlog.domain.trajectory import Trajectory

JUDGED_STATUSES = frozenset({DecisionStatus.IN_FORCE, DecisionStatus.SUPERSEDED})


@dataclass
class DomainMandate:
    """One row of the who-decides-what view: a domain and the rights in force on it."""

    domain: DecisionDomain
    decides: list[DecisionRight] = field(default_factory=list)
    advises: list[DecisionRight] = field(default_factory=list)
    informed: list[DecisionRight] = field(default_factory=list)

    def add(self, right: DecisionRight) -> None:
        {
            RightKind.DECIDES: self.decides,
            RightKind.ADVISES: self.advises,
            RightKind.INFORMED: self.informed,
        }[right.kind].append(right)


def who_decides_what(trajectory: Trajectory) -> list[DomainMandate]:
    """One row per active domain, in the order the domains were defined."""
    rows = {d.id: DomainMandate(d) for d in trajectory.domains.values() if d.active}
    for right in trajectory.rights.values():
        row = rows.get(right.domain_id)
        if row is not None and right.in_force:
            row.add(right)
    return list(rows.values())


def is_held_now(trajectory: Trajectory, right: DecisionRight) -> bool:
    """Whether an active member holds the right now, directly or through a role."""
    if not right.in_force:
        return False
    if right.member_id is not None:
        return trajectory.members[right.member_id].active
    return any(m.active and m.role == right.role for m in trajectory.members.values())


def gaps(trajectory: Trajectory) -> list[DecisionDomain]:
    """Active domains on which nobody holds a DECIDES right now."""
    covered = {
        r.domain_id for r in trajectory.rights.values()
        if r.kind is RightKind.DECIDES and is_held_now(trajectory, r)
    }
    return [d for d in trajectory.domains.values() if d.active and d.id not in covered]


def holds_decides(trajectory: Trajectory, member_id: str, domain_id: str,
                  moment: datetime) -> bool:
    """Whether the member held a DECIDES right on the domain at `moment`."""
    member = trajectory.members.get(member_id)
    if member is None:
        return False
    role = member.role_at(moment)
    for right in trajectory.rights.values():
        if (right.domain_id == domain_id and right.kind is RightKind.DECIDES
                and right.in_force_at(moment)
                and (right.member_id == member_id
                     or (right.role is not None and right.role == role))):
            return True
    return False


def is_within_mandate(trajectory: Trajectory, decision: Decision) -> bool:
    """Whether one of the decision's deciders held a DECIDES right when it counted.

    An explicit decision is judged by its deciders at `decided_at`; a ratified implicit
    one by its ratifiers at the moment of ratification. A decision nobody has decided
    yet (surfaced, or rejected before ratification) is not within any mandate.
    """
    if decision.origin is DecisionOrigin.IMPLICIT:
        deciders, moment = decision.ratified_by, decision.ratified_at
    else:
        deciders, moment = decision.decided_by, decision.decided_at
    if moment is None or not deciders:
        return False
    return any(holds_decides(trajectory, m, decision.domain_id, moment) for m in deciders)


def out_of_mandate(trajectory: Trajectory) -> list[Decision]:
    """Decisions in force or superseded whose deciders held no DECIDES right then."""
    return [
        d for d in trajectory.decisions.values()
        if d.status in JUDGED_STATUSES and not is_within_mandate(trajectory, d)
    ]


class MandateReadings:
    """Who decides what, read from the trajectory itself (a mixin of `Trajectory`, so
    `self` is one; mypy wants a self type to be a supertype, hence the casts)."""

    def who_decides_what(self) -> list[DomainMandate]:
        """One row per active domain: the rights in force, by kind."""
        return who_decides_what(cast("Trajectory", self))

    def gaps(self) -> list[DecisionDomain]:
        """Active domains on which no active member holds a DECIDES right now."""
        return gaps(cast("Trajectory", self))

    def out_of_mandate(self) -> list[Decision]:
        """Decisions taken by people who held no DECIDES right on the domain then."""
        return out_of_mandate(cast("Trajectory", self))

    def is_within_mandate(self, decision: Decision) -> bool:
        """Whether a decider held a DECIDES right on the decision's domain when it counted."""
        return is_within_mandate(cast("Trajectory", self), decision)
