"""Who had to be heard, and who had to be told: the ADVISES and INFORMED rights checked
against what happened.

A decision is judged at the moment it was taken (`Decision.judged_at`), in the phase
current then, by the rights in force then (as `decisionlog.domain.mandate` judges its
mandate). Whoever held an ADVISES right on its domain (directly, or through the role
they had then) had to be heard: a member is heard when consulted (or when among those
who decided it); a role is heard when any member who had that role then was. A role
that nobody had then had nobody to hear. Whoever held an INFORMED right had to be told:
`mark_informed` records that they were (`DecisionInformed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from decisionlog.domain import errors
from decisionlog.domain.entities import Decision, DecisionRight, InformedMark
from decisionlog.domain.events import TrajectoryEvent
from decisionlog.domain.mandate import JUDGED_STATUSES, decision_phase_id
from decisionlog.domain.phases import phase_id_at
from decisionlog.domain.validation import moment
from decisionlog.domain.values import Provenance, RightKind

if TYPE_CHECKING:
    from decisionlog.domain.trajectory import Trajectory


@dataclass(frozen=True)
class Holder:
    """Who holds a right: a member (`member_id`) or a role (`role`)."""

    member_id: str | None
    role: str | None


def _rights_then(trajectory: Trajectory, decision: Decision, kind: RightKind
                 ) -> tuple[datetime, list[DecisionRight]] | None:
    """The moment the decision was taken, and the rights of a kind on its domain that
    held then, in its phase; None if it was not taken (yet)."""
    at = decision.judged_at
    if at is None or not decision.deciders:
        return None
    phase_id = phase_id_at(trajectory.phase_starts, at)
    return at, [r for r in trajectory.rights.values()
                if r.domain_id == decision.domain_id and r.kind is kind
                and r.in_force_at(at) and r.holds_in(phase_id)]


def not_consulted(trajectory: Trajectory, decision: Decision) -> list[Holder]:
    """The holders of an ADVISES right on the decision's domain, when and in the phase
    it was taken, who were not heard; in the order the rights were granted."""
    found = _rights_then(trajectory, decision, RightKind.ADVISES)
    if found is None:
        return []
    at, rights = found
    heard = {*decision.consulted, *decision.deciders}
    roles: dict[str, str | None] | None = None
    missed: list[Holder] = []
    for right in rights:
        if right.member_id is not None:
            holder = Holder(right.member_id, None)
            if right.member_id in heard:
                continue
        else:
            if roles is None:
                roles = {m.id: m.role_at(at) for m in trajectory.members.values()}
            had_role = [m for m, role in roles.items() if role == right.role]
            holder = Holder(None, right.role)
            if not had_role or any(m in heard for m in had_role):
                continue
        if holder not in missed:
            missed.append(holder)
    return missed


def consultation_gaps(trajectory: Trajectory, phase_id: str | None = None
                      ) -> list[Decision]:
    """Decisions in force or superseded that skipped someone who had to be heard (taken
    in the phase, when one is given)."""
    return [d for d in trajectory.decisions.values()
            if d.status in JUDGED_STATUSES and not_consulted(trajectory, d)
            and (phase_id is None or decision_phase_id(trajectory, d) == phase_id)]


def informed_holders(trajectory: Trajectory, decision: Decision) -> list[str]:
    """The ids of the members who had to be told of the decision: holders of an INFORMED
    right on its domain when and in the phase it was taken (directly, or through the role
    they had then), still on the team, or told already; in team order."""
    found = _rights_then(trajectory, decision, RightKind.INFORMED)
    if found is None:
        return []
    at, rights = found
    direct = {r.member_id for r in rights if r.member_id is not None}
    roles = {r.role for r in rights if r.role is not None}
    told = decision.informed_ids()
    return [m.id for m in trajectory.members.values()
            if m.id in told or (m.active and (m.id in direct or m.role_at(at) in roles))]


def to_inform(trajectory: Trajectory, decision: Decision) -> list[str]:
    """The members who had to be told of the decision and are not marked informed yet."""
    told = decision.informed_ids()
    return [m for m in informed_holders(trajectory, decision) if m not in told]


class DecisionInformed(TrajectoryEvent):
    """Members who hold an INFORMED right were told of a decision."""

    decision_id: str
    members: list[str]
    informed_at: datetime

    result_field = "decision_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        decision = aggregate.decisions[self.decision_id]
        aggregate.decisions[self.decision_id] = replace(decision, informed=[
            *decision.informed, *(InformedMark(m, self.informed_at, self.timestamp)
                                  for m in self.members)])

    def summary(self) -> str:
        return f"Decision {self.decision_id}: {len(self.members)} member(s) informed"


class ConsultationCommands:
    """Recording who was told (mixed into `Trajectory`), and who had to be heard."""

    def mark_informed(self: Trajectory, *, decision_id: str, member_ids: Iterable[str],
                      informed_at: datetime | None = None, provenance: Provenance,
                      now: datetime | None = None) -> str:
        """Record that members holding an INFORMED right were told of a decision."""
        self._check_open()
        now = now or TrajectoryEvent.create_timestamp()
        told_at = moment("informedAt", informed_at, now=now) or now
        decision = self._decision(decision_id)
        members = self._active_members("memberIds", member_ids, required=True)
        if decision.judged_at is not None and told_at < decision.judged_at:
            raise errors.ValidationError(
                "informedAt", "informedAt must not lie before the decision was taken.")
        holders = set(informed_holders(self, decision))
        told = decision.informed_ids()
        for member_id in members:
            name = self.members[member_id].name
            if member_id in told:
                raise errors.AlreadyInformedError(member_id, name, decision.id)
            if member_id not in holders:
                raise errors.NoInformedRightError(member_id, name, decision.id)
        self._trigger(DecisionInformed, provenance, now, decision_id=decision.id,
                      members=members, informed_at=told_at)
        return decision.id

    def not_consulted(self: Trajectory, decision: Decision) -> list[Holder]:
        """Who had to be heard on the decision and was not."""
        return not_consulted(self, decision)

    def consultation_gaps(self: Trajectory, phase_id: str | None = None) -> list[Decision]:
        """Decisions that skipped someone who had to be heard."""
        return consultation_gaps(self, phase_id)

    def to_inform(self: Trajectory, decision: Decision) -> list[str]:
        """Who had to be told of the decision and is not marked informed yet."""
        return to_inform(self, decision)
