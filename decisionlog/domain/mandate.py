"""Who decides what, in which phase: the mandate matrix, its gaps, and decisions taken
outside it, with the reason why.

Pure functions over a trajectory's state. A right held by a role is held by every
member who had that role at the moment in question. A decision is judged at the moment
it was taken (`Decision.judged_at`: its `decidedAt`, or the ratification of an implicit
one), by the rights in force then that hold in the phase current then
(`decisionlog.domain.phases`); before any phase started, by the rights for every phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from decisionlog.domain.entities import Decision, DecisionDomain, DecisionRight
from decisionlog.domain.phases import phase_id_at
from decisionlog.domain.values import (
    DecisionStatus,
    OutOfMandateReason,
    RightKind,
    name_key,
)

if TYPE_CHECKING:
    from decisionlog.domain.trajectory import Trajectory

JUDGED_STATUSES = frozenset({DecisionStatus.IN_FORCE, DecisionStatus.SUPERSEDED})
# When deciders fall short for different reasons, the decision names the most telling.
REASON_PRIORITY = list(OutOfMandateReason)


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


@dataclass(frozen=True)
class MandateGap:
    """Why a decision lies outside its deciders' mandate: a stable code and a sentence."""

    reason: OutOfMandateReason
    text: str


def rights_in_phase(trajectory: Trajectory, phase_id: str | None,
                    at: datetime | None = None) -> Iterator[DecisionRight]:
    """The rights in force (at `at` in valid time, or now as recorded when None) that
    hold in the phase (None: before any phase, where only rights for every phase hold)."""
    for right in trajectory.rights.values():
        if (right.in_force if at is None else right.in_force_at(at)) \
                and right.holds_in(phase_id):
            yield right


def phase_for(trajectory: Trajectory, phase_id: str | None, at: datetime | None
              ) -> str | None:
    """The phase asked for, or by default the one current at `at` (or now)."""
    if phase_id is not None:
        return phase_id
    return trajectory.current_phase_id() if at is None else phase_id_at(
        trajectory.phase_starts, at)


def who_decides_what(trajectory: Trajectory, phase_id: str | None = None,
                     at: datetime | None = None, domain_name: str | None = None
                     ) -> list[DomainMandate]:
    """One row per active domain (or the one named), in the order the domains were
    defined: the rights that hold in the phase, in force now or at `at`."""
    key = None if domain_name is None else name_key(domain_name)
    rows = {d.id: DomainMandate(d) for d in trajectory.domains.values()
            if d.active and (key is None or name_key(d.name) == key)}
    for right in rights_in_phase(trajectory, phase_for(trajectory, phase_id, at), at):
        row = rows.get(right.domain_id)
        if row is not None:
            row.add(right)
    return list(rows.values())


def is_held(trajectory: Trajectory, right: DecisionRight, at: datetime | None = None) -> bool:
    """Whether a member holds the right (directly or through a role): an active one now,
    or one on the team at `at`."""
    if at is None:
        if right.member_id is not None:
            return trajectory.members[right.member_id].active
        return any(m.active and m.role == right.role for m in trajectory.members.values())
    if right.member_id is not None:
        return trajectory.members[right.member_id].role_at(at) is not None
    return any(m.role_at(at) == right.role for m in trajectory.members.values())


def gaps(trajectory: Trajectory, phase_id: str | None = None,
         at: datetime | None = None) -> list[DecisionDomain]:
    """Active domains on which nobody holds a DECIDES right in the phase, now or at `at`."""
    covered = {
        r.domain_id for r in rights_in_phase(trajectory, phase_for(trajectory, phase_id, at), at)
        if r.kind is RightKind.DECIDES and is_held(trajectory, r, at)
    }
    return [d for d in trajectory.domains.values() if d.active and d.id not in covered]


def _member_rights(trajectory: Trajectory, member_id: str, domain_id: str, kind: RightKind,
                   role: str | None) -> Iterator[DecisionRight]:
    """The rights of a kind on the domain granted to the member or to `role`."""
    for right in trajectory.rights.values():
        if (right.domain_id == domain_id and right.kind is kind
                and (right.member_id == member_id
                     or (right.role is not None and right.role == role))):
            yield right


def holds_decides(trajectory: Trajectory, member_id: str, domain_id: str,
                  moment: datetime, phase_id: str | None) -> bool:
    """Whether the member held a DECIDES right on the domain at `moment`, in the phase."""
    member = trajectory.members.get(member_id)
    if member is None:
        return False
    return any(r.in_force_at(moment) and r.holds_in(phase_id) for r in _member_rights(
        trajectory, member_id, domain_id, RightKind.DECIDES, member.role_at(moment)))


def decision_phase_id(trajectory: Trajectory, decision: Decision) -> str | None:
    """The phase current when the decision was taken (None: before any phase, or not
    taken yet)."""
    moment = decision.judged_at
    return None if moment is None else phase_id_at(trajectory.phase_starts, moment)


def is_within_mandate(trajectory: Trajectory, decision: Decision) -> bool:
    """Whether one of the decision's deciders held a DECIDES right when it counted.

    An explicit decision is judged by its deciders at `decided_at`; a ratified implicit
    one by its ratifiers at the moment of ratification; both in the phase current then.
    A decision nobody has decided yet (surfaced, or rejected before ratification) is not
    within any mandate.
    """
    deciders, moment = decision.deciders, decision.judged_at
    if moment is None or not deciders:
        return False
    phase_id = phase_id_at(trajectory.phase_starts, moment)
    return any(holds_decides(trajectory, m, decision.domain_id, moment, phase_id)
               for m in deciders)


def out_of_mandate(trajectory: Trajectory, phase_id: str | None = None) -> list[Decision]:
    """Decisions in force or superseded whose deciders held no DECIDES right then (taken
    in the phase, when one is given)."""
    return [
        d for d in trajectory.decisions.values()
        if d.status in JUDGED_STATUSES and not is_within_mandate(trajectory, d)
        and (phase_id is None or decision_phase_id(trajectory, d) == phase_id)
    ]


def mandate_gap(trajectory: Trajectory, decision: Decision) -> MandateGap | None:
    """Why the decision lies outside its deciders' mandate; None when it is within (or
    not taken yet: surfaced and awaiting, or rejected)."""
    deciders, moment = decision.deciders, decision.judged_at
    if moment is None or not deciders or is_within_mandate(trajectory, decision):
        return None
    phase_id = phase_id_at(trajectory.phase_starts, moment)
    found = [_decider_gap(trajectory, m, decision.domain_id, moment, phase_id)
             for m in deciders]
    reason = min((r for r, _ in found), key=REASON_PRIORITY.index)
    return MandateGap(reason, "; ".join(text for _, text in found) + ".")


def _decider_gap(trajectory: Trajectory, member_id: str, domain_id: str, moment: datetime,
                 phase_id: str | None) -> tuple[OutOfMandateReason, str]:
    member = trajectory.members[member_id]
    domain = trajectory.domains[domain_id].name
    role = member.role_at(moment)
    if role is None:
        return OutOfMandateReason.DECIDER_REMOVED, f"{member.name} had left the team by then"
    who = f"{member.name} ({role})"
    rights = list(_member_rights(trajectory, member_id, domain_id, RightKind.DECIDES, role))
    elsewhere = [r for r in rights if r.in_force_at(moment)]
    if elsewhere:
        names = _phase_names(trajectory, (p for r in elsewhere for p in r.phase_ids))
        then = ("no phase had started" if phase_id is None
                else f"it was taken in {trajectory.phases[phase_id].name}")
        return (OutOfMandateReason.RIGHT_ONLY_IN_OTHER_PHASES,
                f"{who} DECIDES on {domain} only in {names}, and {then}")
    later = [r.effective_from for r in rights if r.effective_from > moment]
    if later:
        return (OutOfMandateReason.RIGHT_GRANTED_LATER,
                f"{who} DECIDES on {domain} only from {min(later).isoformat()} on")
    ended = [r for r in rights if r.ended_at is not None and r.ended_at <= moment]
    if ended:
        last = max(ended, key=lambda r: r.ended_at or moment)
        why = f" ({last.ended_reason})" if last.ended_reason else ""
        return (OutOfMandateReason.RIGHT_ENDED,
                f"{who}'s right to decide on {domain} had ended{why}")
    return OutOfMandateReason.NO_RIGHT_ON_DOMAIN, f"{who} holds no DECIDES right on {domain}"


def _phase_names(trajectory: Trajectory, phase_ids: Iterable[str]) -> str:
    names = list(dict.fromkeys(trajectory.phases[p].name for p in phase_ids))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class MandateViews:
    """Who decides what, on the trajectory (mixed into `Trajectory`)."""

    def who_decides_what(self: Trajectory, phase_id: str | None = None,
                         at: datetime | None = None, domain_name: str | None = None
                         ) -> list[DomainMandate]:
        """One row per active domain: the rights by kind, in the phase (default: the
        one current at `at`), in force now (or at `at`, valid time)."""
        return who_decides_what(self, phase_id, at, domain_name)

    def gaps(self: Trajectory, phase_id: str | None = None, at: datetime | None = None
             ) -> list[DecisionDomain]:
        """Active domains on which no member holds a DECIDES right in the phase."""
        return gaps(self, phase_id, at)

    def out_of_mandate(self: Trajectory, phase_id: str | None = None) -> list[Decision]:
        """Decisions taken by people who held no DECIDES right on the domain then."""
        return out_of_mandate(self, phase_id)

    def is_within_mandate(self: Trajectory, decision: Decision) -> bool:
        """Whether a decider held a DECIDES right on the decision's domain when it counted."""
        return is_within_mandate(self, decision)

    def mandate_gap(self: Trajectory, decision: Decision) -> MandateGap | None:
        """Why the decision is out of mandate (None when it is not)."""
        return mandate_gap(self, decision)
