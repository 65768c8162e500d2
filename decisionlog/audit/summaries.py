"""An event in words, for people reading a history: `Henk Bakker (HR lead) DECIDES on
Participant selection`, not `member 66ce… DECIDES on domain cf7d…`.

One function, `describe`, used by the API's `Event.summary` (a trajectory's history and
the global audit log) and by the markdown register. It names members, domains, rights and
decisions as the trajectory knew them when the event was recorded: names never change,
and a member's role is the one they held at that moment. The trajectory may be read at
any version at or after the event (members, domains, rights and decisions are never
dropped from it); without one, the event's own `summary()` (ids, no names) is the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from decisionlog.domain import consultation as co
from decisionlog.domain import events as ev
from decisionlog.domain import phases as ph
from decisionlog.domain import review_events as rev
from decisionlog.domain.values import DecisionKind, Membership, RightKind, Side, Verdict

if TYPE_CHECKING:
    from decisionlog.domain.entities import DecisionRight, Member
    from decisionlog.domain.trajectory import Trajectory

SIDE_WORDS = {Side.CLIENT: "client side", Side.PROVIDER: "provider side"}
MEMBERSHIP_WORDS = {Membership.CORE: "core team", Membership.SPECIALIST: "specialist"}
RIGHT_WORDS = {RightKind.DECIDES: "DECIDES on", RightKind.ADVISES: "ADVISES on",
               RightKind.INFORMED: "is INFORMED on"}
NO_LONGER_WORDS = {RightKind.DECIDES: "no longer DECIDES on",
                   RightKind.ADVISES: "no longer ADVISES on",
                   RightKind.INFORMED: "is no longer INFORMED on"}


def describe(event: ev.TrajectoryEvent, trajectory: Trajectory | None) -> str:
    """One line about the event, with the names the trajectory knew at that event."""
    render = _RENDERERS.get(type(event))
    if trajectory is None or render is None:
        return event.summary()
    try:
        return render(_Names(trajectory, event.timestamp), event)
    except (KeyError, ValueError):  # an id the trajectory does not know: say it plainly
        return event.summary()


class _Names:
    """Names of a trajectory's members, domains and decisions at one moment."""

    def __init__(self, trajectory: Trajectory, moment: datetime) -> None:
        self.trajectory = trajectory
        self.moment = moment

    def member(self, member_id: str) -> str:
        member = self.trajectory.members.get(member_id)
        if member is None:
            return f"member {member_id}"
        role = role_when(member, self.moment)
        return f"{member.name} ({role})" if role else member.name

    def members(self, member_ids: Iterable[str]) -> str:
        names = [self.member(m) for m in member_ids]
        if len(names) < 2:
            return names[0] if names else "nobody named"
        return ", ".join(names[:-1]) + " and " + names[-1]

    def domain(self, domain_id: str) -> str:
        domain = self.trajectory.domains.get(domain_id)
        return domain.name if domain is not None else f"domain {domain_id}"

    def decision(self, decision_id: str) -> str:
        decision = self.trajectory.decisions.get(decision_id)
        return f"“{decision.title}”" if decision is not None else f"decision {decision_id}"

    def phase(self, phase_id: str) -> str:
        phase = self.trajectory.phases.get(phase_id)
        return f"“{phase.name}”" if phase is not None else f"phase {phase_id}"

    def phases(self, phase_ids: Iterable[str]) -> str:
        names = [self.phase(p) for p in phase_ids]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def holder(self, right: DecisionRight) -> str:
        if right.member_id is not None:
            return self.member(right.member_id)
        return f"Role “{right.role}”"


def role_when(member: Member, moment: datetime) -> str:
    """The role the member held at `moment` (their first role before they joined)."""
    role = member.role_history[0].role if member.role_history else member.role
    for change in member.role_history:
        if change.since > moment:
            break
        role = change.role
    return role


def _reason(reason: str | None) -> str:
    return f": {reason}" if reason else ""


def _started(n: _Names, e: ev.TrajectoryStarted) -> str:
    return f"Trajectory “{e.name}” started" + (f" with {e.client}" if e.client else "")


def _closed(n: _Names, e: ev.TrajectoryClosed) -> str:
    return "Trajectory closed" + _reason(e.reason)


def _member_added(n: _Names, e: ev.MemberAdded) -> str:
    return (f"{e.name} joined as {e.role} ({SIDE_WORDS[Side(e.side)]}, "
            f"{MEMBERSHIP_WORDS[Membership(e.membership)]})")


def _member_changed(n: _Names, e: ev.MemberChanged) -> str:
    member = n.trajectory.members[e.member_id]
    before = role_when(member, e.timestamp - _JUST_BEFORE)
    changes = []
    if e.role is not None and e.role != before:
        changes.append(f"role {before} → {e.role}")
    if e.membership is not None:
        changes.append(f"now {MEMBERSHIP_WORDS[Membership(e.membership)]}")
    return f"{member.name} ({before}) changed: " + (", ".join(changes) or "nothing")


def _member_removed(n: _Names, e: ev.MemberRemoved) -> str:
    return f"{n.member(e.member_id)} left the team" + _reason(e.reason)


def _domain_defined(n: _Names, e: ev.DomainDefined) -> str:
    return f"Decision domain “{e.name}” defined"


def _domain_retired(n: _Names, e: ev.DomainRetired) -> str:
    return f"Decision domain “{n.domain(e.domain_id)}” retired" + _reason(e.reason)


def _right_granted(n: _Names, e: ev.RightGranted) -> str:
    holder = n.member(e.member_id) if e.member_id is not None else f"Role “{e.role}”"
    when = f" ({e.condition})" if e.condition else ""
    phases = f" in {n.phases(e.phase_ids)}" if e.phase_ids else ""
    return f"{holder} {RIGHT_WORDS[RightKind(e.right)]} {n.domain(e.domain_id)}{phases}{when}"


def _right_revoked(n: _Names, e: ev.RightRevoked) -> str:
    right = n.trajectory.rights[e.right_id]
    when = f" ({right.condition})" if right.condition else ""
    return (f"{n.holder(right)} {NO_LONGER_WORDS[RightKind(right.kind)]} "
            f"{n.domain(right.domain_id)}{when}" + _reason(e.reason))


def _decision_recorded(n: _Names, e: ev.DecisionRecorded) -> str:
    verb = "set a frame on" if DecisionKind(e.kind) is DecisionKind.FRAME else "decided on"
    text = f"{n.members(e.decided_by)} {verb} {n.domain(e.domain_id)}: {e.title}"
    if e.within_frames:
        text += "; within " + ", ".join(n.decision(d) for d in e.within_frames)
    if e.supersedes:
        text += "; supersedes " + ", ".join(n.decision(d) for d in e.supersedes)
    return text + _put_up(e.up_for_review) + _review_by(e.review_by)


def _put_up(entries: Iterable[dict[str, str]]) -> str:
    count = len({entry["decision_id"] for entry in entries})
    if not count:
        return ""
    return f", which puts {count} decision{'s' if count > 1 else ''} up for review"


def _review_by(moment: datetime | None) -> str:
    return f" (review by {moment.date().isoformat()})" if moment is not None else ""


def _surfaced(n: _Names, e: ev.ImplicitDecisionSurfaced) -> str:
    return (f"{n.member(e.surfaced_by)} surfaced an implicit decision on "
            f"{n.domain(e.domain_id)}: {e.title}")


def _ratified(n: _Names, e: ev.DecisionRatified) -> str:
    return (f"{n.members(e.members)} ratified {n.decision(e.decision_id)}"
            + _reason(e.reason) + _review_by(e.review_by))


def _rejected(n: _Names, e: ev.DecisionRejected) -> str:
    return f"{n.members(e.members)} rejected {n.decision(e.decision_id)}" + _reason(e.reason)


def _withdrawn(n: _Names, e: ev.DecisionWithdrawn) -> str:
    return (f"{n.members(e.members)} withdrew {n.decision(e.decision_id)}" + _reason(e.reason)
            + _put_up(e.up_for_review))


def _reframed(n: _Names, e: rev.DecisionReframed) -> str:
    return (f"{n.members(e.members)} moved {n.decision(e.decision_id)} from frame "
            f"{n.decision(e.from_frame_id)} to frame {n.decision(e.to_frame_id)}"
            + _reason(e.reason))


def _confirmed(n: _Names, e: rev.DecisionConfirmed) -> str:
    return (f"{n.members(e.members)} reconfirmed {n.decision(e.decision_id)}"
            + _reason(e.rationale) + _review_by(e.review_by))


def _review_scheduled(n: _Names, e: rev.ReviewScheduled) -> str:
    return f"Review of {n.decision(e.decision_id)} due by {e.review_by.date().isoformat()}"


VERDICT_WORDS = {Verdict.CONFIRMED: "it holds", Verdict.ADJUST: "adjust it",
                 Verdict.REVERSE: "reverse it"}


def _outcome(n: _Names, e: rev.OutcomeRecorded) -> str:
    seen = f" by {n.members(e.observed_by)}" if e.observed_by else ""
    return (f"Outcome of {n.decision(e.decision_id)} observed{seen}: {e.outcome} "
            f"(verdict: {VERDICT_WORDS[Verdict(e.verdict)]})")


def _phase_defined(n: _Names, e: ph.PhaseDefined) -> str:
    return f"Phase “{e.name}” defined"


def _phase_retired(n: _Names, e: ph.PhaseRetired) -> str:
    return f"Phase {n.phase(e.phase_id)} retired" + _reason(e.reason)


def _phase_started(n: _Names, e: ph.PhaseStarted) -> str:
    backdated = e.timestamp - e.started_at > _BACKDATED
    return f"Phase {n.phase(e.phase_id)} started" + (
        f" (as of {e.started_at.isoformat(timespec='minutes')})" if backdated else "")


def _informed(n: _Names, e: co.DecisionInformed) -> str:
    return f"{n.members(e.members)} told of {n.decision(e.decision_id)}"


_BACKDATED = timedelta(minutes=1)
_JUST_BEFORE = timedelta(microseconds=1)
_RENDERERS: dict[type[ev.TrajectoryEvent], Callable[[_Names, Any], str]] = {
    ev.TrajectoryStarted: _started,
    ev.TrajectoryClosed: _closed,
    ev.MemberAdded: _member_added,
    ev.MemberChanged: _member_changed,
    ev.MemberRemoved: _member_removed,
    ev.DomainDefined: _domain_defined,
    ev.DomainRetired: _domain_retired,
    ev.RightGranted: _right_granted,
    ev.RightRevoked: _right_revoked,
    ev.DecisionRecorded: _decision_recorded,
    ev.ImplicitDecisionSurfaced: _surfaced,
    ev.DecisionRatified: _ratified,
    ev.DecisionRejected: _rejected,
    ev.DecisionWithdrawn: _withdrawn,
    ph.PhaseDefined: _phase_defined,
    ph.PhaseRetired: _phase_retired,
    ph.PhaseStarted: _phase_started,
    co.DecisionInformed: _informed,
    rev.DecisionReframed: _reframed,
    rev.DecisionConfirmed: _confirmed,
    rev.ReviewScheduled: _review_scheduled,
    rev.OutcomeRecorded: _outcome,
}
