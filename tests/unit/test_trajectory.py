"""The `Trajectory` aggregate: one test per rule of the decision process.

Every refused command must raise the named error with its stable code and leave the
aggregate exactly as it was: same version, same state, no new pending events.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from decisionlog.domain import events
from decisionlog.domain.errors import (
    DecisionLogError,
    DecisionNotFoundError,
    DecisionNotInForceError,
    DecisionNotSurfacedError,
    DecisionNotWithdrawableError,
    DomainNotFoundError,
    DomainRetiredError,
    DuplicateDomainNameError,
    DuplicateRightError,
    MemberNotActiveError,
    MemberNotFoundError,
    NotFoundError,
    RightNotFoundError,
    RightNotInForceError,
    TrajectoryClosedError,
    ValidationError,
)
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import (
    MAX_LIST_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_TEXT_LENGTH,
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    Membership,
    Provenance,
    RightKind,
    Scale,
    Side,
    TrajectoryStatus,
)
from tests.unit.helpers import replay

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
BY = Provenance("facilitator")
UNKNOWN = "no-such-id"


# Helpers: each command runs one minute after the trajectory's last event, unless told.


def tick(t: Trajectory, minutes: int = 1) -> datetime:
    return t.modified_on + timedelta(minutes=minutes)


def start(**kwargs: Any) -> Trajectory:
    fields: dict[str, Any] = {"name": "Merger programme", "client": "Acme", "description": None}
    fields.update(kwargs)
    return Trajectory.start(provenance=BY, now=T0, **fields)


def add_member(t: Trajectory, name: str = "Ada", role: str = "client", *,
               side: str = "CLIENT", membership: str = "CORE",
               now: datetime | None = None) -> str:
    return t.add_member(name=name, role=role, side=side, membership=membership,
                        provenance=BY, now=now or tick(t))


def define_domain(t: Trajectory, name: str = "Programme design", *,
                  now: datetime | None = None) -> str:
    return t.define_domain(name=name, description=None, provenance=BY, now=now or tick(t))


def grant(t: Trajectory, domain_id: str, member_id: str | None = None, *,
          role: str | None = None, right: str = "DECIDES", condition: str | None = None,
          effective_from: datetime | None = None, now: datetime | None = None) -> str:
    return t.grant_right(domain_id=domain_id, member_id=member_id, role=role, right=right,
                         condition=condition, effective_from=effective_from, provenance=BY,
                         now=now or tick(t))


def decide(t: Trajectory, domain_id: str, decided_by: list[str], *,
           decided_at: datetime | None = None, supersedes: list[str] | None = None,
           now: datetime | None = None, **kwargs: Any) -> str:
    fields: dict[str, Any] = {"title": "Keep two cultures", "statement": "We keep both."}
    fields.update(kwargs)
    return t.record_decision(domain_id=domain_id, decided_by=decided_by,
                             decided_at=decided_at, supersedes=supersedes, provenance=BY,
                             now=now or tick(t), **fields)


def surface(t: Trajectory, domain_id: str, surfaced_by: str, *,
            since: datetime | None = None, now: datetime | None = None,
            **kwargs: Any) -> str:
    fields: dict[str, Any] = {"title": "Works council dropped",
                              "statement": "We stopped inviting the works council."}
    fields.update(kwargs)
    return t.surface_implicit_decision(domain_id=domain_id, surfaced_by=surfaced_by,
                                       since=since, provenance=BY, now=now or tick(t),
                                       **fields)


def ratify(t: Trajectory, decision_id: str, by: list[str], *,
           now: datetime | None = None) -> str:
    return t.ratify_decision(decision_id=decision_id, ratified_by=by, rationale="Agreed",
                             provenance=BY, now=now or tick(t))


def reject(t: Trajectory, decision_id: str, by: list[str], *,
           now: datetime | None = None) -> str:
    return t.reject_decision(decision_id=decision_id, rejected_by=by, reason="Reopen it",
                             provenance=BY, now=now or tick(t))


def withdraw(t: Trajectory, decision_id: str, by: list[str], *,
             now: datetime | None = None) -> str:
    return t.withdraw_decision(decision_id=decision_id, withdrawn_by=by, reason="Not needed",
                               provenance=BY, now=now or tick(t))


def remove(t: Trajectory, member_id: str, *, now: datetime | None = None) -> str:
    return t.remove_member(member_id=member_id, reason="Left", provenance=BY,
                           now=now or tick(t))


def change_role(t: Trajectory, member_id: str, role: str, *,
                now: datetime | None = None) -> str:
    return t.change_member(member_id=member_id, role=role, membership=None, provenance=BY,
                           now=now or tick(t))


def revoke(t: Trajectory, right_id: str, *, now: datetime | None = None) -> str:
    return t.revoke_right(right_id=right_id, reason="Moved on", provenance=BY,
                          now=now or tick(t))


def retire(t: Trajectory, domain_id: str, *, now: datetime | None = None) -> str:
    return t.retire_domain(domain_id=domain_id, reason="Done", provenance=BY,
                           now=now or tick(t))


@contextmanager
def refused(t: Trajectory, error: type[DecisionLogError], code: str,
            field: str | None = None) -> Iterator[pytest.ExceptionInfo[DecisionLogError]]:
    """The block raises exactly `error` with `code` and leaves `t` as it was."""
    t.collect_events()
    version = t.version
    state = copy.deepcopy(t.__dict__)
    with pytest.raises(DecisionLogError) as info:
        yield info
    assert type(info.value) is error
    assert info.value.code == code
    if field is not None:
        assert isinstance(info.value, ValidationError)
        assert info.value.field == field
    assert t.pending_events == []
    assert t.version == version
    assert t.__dict__ == state


class Team:
    """A trajectory with two members, a domain on which Ada decides, and an empty one."""

    def __init__(self) -> None:
        self.t = start()
        self.ada = add_member(self.t, "Ada", "client")
        self.ben = add_member(self.t, "Ben", "programme manager", side="PROVIDER")
        self.design = define_domain(self.t, "Programme design")
        self.budget = define_domain(self.t, "Budget")
        self.ada_decides = grant(self.t, self.design, self.ada)


class TeamWithDecision(Team):
    """The team, with a decision in force and a surfaced one awaiting ratification."""

    def __init__(self) -> None:
        super().__init__()
        self.decision = decide(self.t, self.design, [self.ada])
        self.surfaced = surface(self.t, self.design, self.ben)


@pytest.fixture
def team() -> Team:
    return Team()


# Starting and closing


def test_start_records_stripped_fields_and_is_active_at_version_one() -> None:
    t = start(name="  Merger programme ", client=" ", description=" Unity and difference ")
    assert (t.name, t.client, t.description) == ("Merger programme", None,
                                                 "Unity and difference")
    assert t.status is TrajectoryStatus.ACTIVE
    assert t.version == 1
    assert t.created_on == T0
    assert [type(e) for e in t.pending_events] == [events.TrajectoryStarted]


@pytest.mark.parametrize("name", ["", "   ", "x" * (MAX_NAME_LENGTH + 1)])
def test_start_refuses_an_empty_blank_or_oversize_name(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        start(name=name)
    assert info.value.code == "VALIDATION_ERROR"
    assert info.value.field == "name"


def test_closed_trajectory_records_status_and_reason(team: Team) -> None:
    team.t.close(reason=" Programme ended ", provenance=BY, now=tick(team.t))
    assert team.t.status is TrajectoryStatus.CLOSED
    assert team.t.closed_reason == "Programme ended"


COMMANDS_ON_A_CLOSED_TRAJECTORY: dict[str, Callable[[Team, str], object]] = {
    "close": lambda s, d: s.t.close(reason=None, provenance=BY),
    "add_member": lambda s, d: add_member(s.t, "Cas"),
    "change_member": lambda s, d: change_role(s.t, s.ada, "HR lead"),
    "remove_member": lambda s, d: remove(s.t, s.ben),
    "define_domain": lambda s, d: define_domain(s.t, "Participant selection"),
    "retire_domain": lambda s, d: retire(s.t, s.budget),
    "grant_right": lambda s, d: grant(s.t, s.budget, s.ben),
    "revoke_right": lambda s, d: revoke(s.t, s.ada_decides),
    "record_decision": lambda s, d: decide(s.t, s.design, [s.ada]),
    "surface_implicit_decision": lambda s, d: surface(s.t, s.design, s.ben),
    "ratify_decision": lambda s, d: ratify(s.t, d, [s.ada]),
    "reject_decision": lambda s, d: reject(s.t, d, [s.ada]),
    "withdraw_decision": lambda s, d: withdraw(s.t, d, [s.ada]),
}


@pytest.mark.parametrize("command", sorted(COMMANDS_ON_A_CLOSED_TRAJECTORY))
def test_closed_trajectory_accepts_nothing(team: Team, command: str) -> None:
    surfaced = surface(team.t, team.design, team.ben)
    team.t.close(reason=None, provenance=BY, now=tick(team.t))
    with refused(team.t, TrajectoryClosedError, "TRAJECTORY_CLOSED"):
        COMMANDS_ON_A_CLOSED_TRAJECTORY[command](team, surfaced)


# Validation of inputs

LONG_NAME = "x" * (MAX_NAME_LENGTH + 1)
LONG_TEXT = "x" * (MAX_TEXT_LENGTH + 1)
LONG_NOTE = "x" * (MAX_NOTE_LENGTH + 1)
NAIVE = datetime(2024, 3, 1, 8, 0)

INVALID_INPUTS: dict[str, tuple[str, Callable[[TeamWithDecision], object]]] = {
    "empty member name": ("name", lambda s: add_member(s.t, "")),
    "blank member name": ("name", lambda s: add_member(s.t, " \t\n")),
    "oversize member name": ("name", lambda s: add_member(s.t, LONG_NAME)),
    "blank role": ("role", lambda s: add_member(s.t, "Cas", "  ")),
    "oversize role": ("role", lambda s: add_member(s.t, "Cas", LONG_NAME)),
    "wrong side": ("side", lambda s: add_member(s.t, "Cas", side="VENDOR")),
    "wrong membership": ("membership", lambda s: add_member(s.t, "Cas", membership="GUEST")),
    "change with nothing to change": (
        "role", lambda s: s.t.change_member(member_id=s.ada, role=" ", membership=None,
                                            provenance=BY)),
    "change to a wrong membership": (
        "membership", lambda s: s.t.change_member(member_id=s.ada, role=None,
                                                  membership="sometimes", provenance=BY)),
    "oversize removal reason": (
        "reason", lambda s: s.t.remove_member(member_id=s.ben, reason=LONG_NOTE,
                                              provenance=BY)),
    "empty domain name": ("name", lambda s: define_domain(s.t, "")),
    "oversize domain name": ("name", lambda s: define_domain(s.t, LONG_NAME)),
    "oversize domain description": (
        "description", lambda s: s.t.define_domain(name="Selection", description=LONG_TEXT,
                                                   provenance=BY)),
    "wrong right kind": ("right", lambda s: grant(s.t, s.budget, s.ben, right="VETOES")),
    "grant to both member and role": (
        "memberId", lambda s: grant(s.t, s.budget, s.ben, role="client")),
    "grant to neither member nor role": ("memberId", lambda s: grant(s.t, s.budget)),
    "grant to a blank role": ("memberId", lambda s: grant(s.t, s.budget, role="  ")),
    "grant to an empty member id": ("memberId", lambda s: grant(s.t, s.budget, "")),
    "oversize condition": (
        "condition", lambda s: grant(s.t, s.budget, s.ben, condition=LONG_NOTE)),
    "naive effectiveFrom": (
        "effectiveFrom", lambda s: grant(s.t, s.budget, s.ben, effective_from=NAIVE)),
    "empty title": ("title", lambda s: decide(s.t, s.design, [s.ada], title="")),
    "blank title": ("title", lambda s: decide(s.t, s.design, [s.ada], title="   ")),
    "oversize title": ("title", lambda s: decide(s.t, s.design, [s.ada], title=LONG_NAME)),
    "empty statement": ("statement", lambda s: decide(s.t, s.design, [s.ada], statement="")),
    "blank statement": ("statement",
                        lambda s: decide(s.t, s.design, [s.ada], statement="\n")),
    "oversize statement": (
        "statement", lambda s: decide(s.t, s.design, [s.ada], statement=LONG_TEXT)),
    "oversize rationale": (
        "rationale", lambda s: decide(s.t, s.design, [s.ada], rationale=LONG_TEXT)),
    "blank option considered": (
        "optionsConsidered",
        lambda s: decide(s.t, s.design, [s.ada], options_considered=["One", " "])),
    "too many options considered": (
        "optionsConsidered",
        lambda s: decide(s.t, s.design, [s.ada],
                         options_considered=[f"o{i}" for i in range(MAX_LIST_LENGTH + 1)])),
    "wrong scale": ("scale", lambda s: decide(s.t, s.design, [s.ada], scale="HUGE")),
    "wrong kind": ("kind", lambda s: decide(s.t, s.design, [s.ada], kind="RULE")),
    "naive decidedAt": ("decidedAt",
                        lambda s: decide(s.t, s.design, [s.ada], decided_at=NAIVE)),
    "decidedAt in the future": (
        "decidedAt", lambda s: decide(s.t, s.design, [s.ada], now=tick(s.t),
                                      decided_at=tick(s.t, 2))),
    "empty decidedBy": ("decidedBy", lambda s: decide(s.t, s.design, [])),
    "blank decidedBy id": ("decidedBy", lambda s: decide(s.t, s.design, [" "])),
    "the same decider twice": ("decidedBy", lambda s: decide(s.t, s.design, [s.ada, s.ada])),
    "the same adviser twice": (
        "consulted", lambda s: decide(s.t, s.design, [s.ada], consulted=[s.ben, s.ben])),
    "the same decision superseded twice": (
        "supersedes", lambda s: decide(s.t, s.design, [s.ada], supersedes=["d1", "d1"])),
    "surfaced with a blank title": (
        "title", lambda s: surface(s.t, s.design, s.ben, title=" ")),
    "surfaced with a blank statement": (
        "statement", lambda s: surface(s.t, s.design, s.ben, statement="")),
    "surfaced with a naive since": (
        "since", lambda s: surface(s.t, s.design, s.ben, since=NAIVE)),
    "surfaced with since in the future": (
        "since", lambda s: surface(s.t, s.design, s.ben, now=tick(s.t),
                                   since=tick(s.t, 60))),
    "surfaced with oversize evidence": (
        "evidence", lambda s: surface(s.t, s.design, s.ben, evidence=LONG_TEXT)),
    "surfaced with a wrong scale": (
        "scale", lambda s: surface(s.t, s.design, s.ben, scale="MEDIUM")),
    "surfaced by nobody": ("surfacedBy", lambda s: surface(s.t, s.design, "")),
    "empty withdrawnBy": ("withdrawnBy", lambda s: withdraw(s.t, s.decision, [])),
    "oversize close reason": (
        "reason", lambda s: s.t.close(reason=LONG_NOTE, provenance=BY)),
}


@pytest.mark.parametrize("case", sorted(INVALID_INPUTS))
def test_invalid_input_is_a_validation_error_naming_the_field(case: str) -> None:
    field, command = INVALID_INPUTS[case]
    team = TeamWithDecision()
    with refused(team.t, ValidationError, "VALIDATION_ERROR", field=field):
        command(team)


@pytest.mark.parametrize(("field", "command"), [
    ("ratifiedBy", lambda s: ratify(s.t, s.surfaced, [])),
    ("ratifiedBy", lambda s: ratify(s.t, s.surfaced, [s.ada, s.ada])),
    ("rejectedBy", lambda s: reject(s.t, s.surfaced, [])),
    ("rationale", lambda s: s.t.ratify_decision(decision_id=s.surfaced, ratified_by=[s.ada],
                                                rationale=LONG_NOTE, provenance=BY)),
    ("reason", lambda s: s.t.reject_decision(decision_id=s.surfaced, rejected_by=[s.ada],
                                             reason=LONG_NOTE, provenance=BY)),
])
def test_ratifying_or_rejecting_needs_distinct_members_and_a_short_note(
        field: str, command: Callable[[TeamWithDecision], object]) -> None:
    team = TeamWithDecision()
    with refused(team.t, ValidationError, "VALIDATION_ERROR", field=field):
        command(team)


def test_decided_at_equal_to_now_is_accepted_and_defaults_to_now(team: Team) -> None:
    now = tick(team.t)
    explicit = decide(team.t, team.design, [team.ada], now=now, decided_at=now)
    default = decide(team.t, team.design, [team.ada], now=tick(team.t))
    assert team.t.decisions[explicit].decided_at == now
    assert team.t.decisions[default].decided_at == team.t.decisions[default].recorded_at


def test_decided_at_with_any_utc_offset_is_accepted(team: Team) -> None:
    decided_at = datetime(2024, 2, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    decision = decide(team.t, team.design, [team.ada], decided_at=decided_at)
    assert team.t.decisions[decision].decided_at == decided_at


def test_enum_values_may_be_given_as_text_or_as_enums(team: Team) -> None:
    cas = add_member(team.t, "Cas", "facilitator", side="PROVIDER", membership="SPECIALIST")
    assert team.t.members[cas].side is Side.PROVIDER
    assert team.t.members[cas].membership is Membership.SPECIALIST
    right = grant(team.t, team.budget, cas, right=RightKind.ADVISES)
    assert team.t.rights[right].kind is RightKind.ADVISES
    decision = decide(team.t, team.design, [team.ada], scale="LARGE", kind=DecisionKind.FRAME)
    assert team.t.decisions[decision].scale is Scale.LARGE
    assert team.t.decisions[decision].kind is DecisionKind.FRAME


# Things that are not there

NOT_FOUND: dict[str, tuple[type[NotFoundError], Callable[[TeamWithDecision], object]]] = {
    "change an unknown member": (MemberNotFoundError,
                                 lambda s: change_role(s.t, UNKNOWN, "HR lead")),
    "remove an unknown member": (MemberNotFoundError, lambda s: remove(s.t, UNKNOWN)),
    "grant to an unknown member": (MemberNotFoundError,
                                   lambda s: grant(s.t, s.budget, UNKNOWN)),
    "an unknown decider": (MemberNotFoundError,
                           lambda s: decide(s.t, s.design, [s.ada, UNKNOWN])),
    "an unknown adviser": (MemberNotFoundError,
                           lambda s: decide(s.t, s.design, [s.ada], consulted=[UNKNOWN])),
    "surfaced by an unknown member": (MemberNotFoundError,
                                      lambda s: surface(s.t, s.design, UNKNOWN)),
    "ratified by an unknown member": (MemberNotFoundError,
                                      lambda s: ratify(s.t, s.surfaced, [UNKNOWN])),
    "rejected by an unknown member": (MemberNotFoundError,
                                      lambda s: reject(s.t, s.surfaced, [UNKNOWN])),
    "withdrawn by an unknown member": (MemberNotFoundError,
                                       lambda s: withdraw(s.t, s.decision, [UNKNOWN])),
    "retire an unknown domain": (DomainNotFoundError, lambda s: retire(s.t, UNKNOWN)),
    "grant on an unknown domain": (DomainNotFoundError, lambda s: grant(s.t, UNKNOWN, s.ada)),
    "decide on an unknown domain": (DomainNotFoundError,
                                    lambda s: decide(s.t, UNKNOWN, [s.ada])),
    "surface on an unknown domain": (DomainNotFoundError,
                                     lambda s: surface(s.t, UNKNOWN, s.ada)),
    "revoke an unknown right": (RightNotFoundError, lambda s: revoke(s.t, UNKNOWN)),
    "ratify an unknown decision": (DecisionNotFoundError,
                                   lambda s: ratify(s.t, UNKNOWN, [s.ada])),
    "reject an unknown decision": (DecisionNotFoundError,
                                   lambda s: reject(s.t, UNKNOWN, [s.ada])),
    "withdraw an unknown decision": (DecisionNotFoundError,
                                     lambda s: withdraw(s.t, UNKNOWN, [s.ada])),
    "supersede an unknown decision": (
        DecisionNotFoundError, lambda s: decide(s.t, s.design, [s.ada],
                                                supersedes=[s.decision, UNKNOWN])),
    "a right id is not a member id": (MemberNotFoundError,
                                      lambda s: grant(s.t, s.budget, s.ada_decides)),
}


@pytest.mark.parametrize("case", sorted(NOT_FOUND))
def test_unknown_id_is_a_not_found_error_of_its_kind(case: str) -> None:
    error, command = NOT_FOUND[case]
    team = TeamWithDecision()
    with refused(team.t, error, "NOT_FOUND") as info:
        command(team)
    assert isinstance(info.value, NotFoundError)
    assert info.value.id in (UNKNOWN, team.ada_decides)


# Members who left

REMOVED_MEMBER: dict[str, Callable[[TeamWithDecision], object]] = {
    "decide": lambda s: decide(s.t, s.design, [s.ada, s.ben]),
    "be consulted": lambda s: decide(s.t, s.design, [s.ada], consulted=[s.ben]),
    "be granted a right": lambda s: grant(s.t, s.budget, s.ben, right="INFORMED"),
    "surface a decision": lambda s: surface(s.t, s.design, s.ben),
    "ratify": lambda s: ratify(s.t, s.surfaced, [s.ben]),
    "reject": lambda s: reject(s.t, s.surfaced, [s.ben]),
    "withdraw": lambda s: withdraw(s.t, s.decision, [s.ben]),
    "change role": lambda s: change_role(s.t, s.ben, "HR lead"),
    "be removed again": lambda s: remove(s.t, s.ben),
}


@pytest.mark.parametrize("action", sorted(REMOVED_MEMBER))
def test_removed_member_cannot_act(action: str) -> None:
    team = TeamWithDecision()
    remove(team.t, team.ben)
    with refused(team.t, MemberNotActiveError, "MEMBER_NOT_ACTIVE") as info:
        REMOVED_MEMBER[action](team)
    assert isinstance(info.value, MemberNotActiveError)
    assert info.value.member_id == team.ben


def test_removed_member_cannot_be_granted_a_right(team: Team) -> None:
    remove(team.t, team.ben)
    with refused(team.t, MemberNotActiveError, "MEMBER_NOT_ACTIVE"):
        grant(team.t, team.design, team.ben)


def test_removed_member_is_kept_as_former_member(team: Team) -> None:
    remove(team.t, team.ben, now=tick(team.t, 5))
    ben = team.t.members[team.ben]
    assert not ben.active
    assert ben.left_at == team.t.modified_on
    assert ben.left_reason == "Left"


def test_removing_a_member_ends_their_direct_rights_and_a_gap_appears(team: Team) -> None:
    advises = grant(team.t, team.budget, team.ada, right="ADVISES")
    ben_decides = grant(team.t, team.budget, team.ben)
    role_right = grant(team.t, team.budget, role="client", right="INFORMED")
    assert [d.id for d in team.t.gaps()] == []
    remove(team.t, team.ada)
    removed_at = team.t.modified_on
    for right_id in (team.ada_decides, advises):
        right = team.t.rights[right_id]
        assert not right.in_force
        assert right.ended_at == removed_at
        assert right.ended_reason == events.ENDED_WITH_MEMBER
    assert team.t.rights[ben_decides].in_force
    assert team.t.rights[role_right].in_force  # rights held by a role outlive the member
    assert [d.id for d in team.t.gaps()] == [team.design]


def test_right_ended_by_removal_cannot_be_revoked(team: Team) -> None:
    remove(team.t, team.ada)
    with refused(team.t, RightNotInForceError, "RIGHT_NOT_IN_FORCE"):
        revoke(team.t, team.ada_decides)


def test_changing_a_member_keeps_role_history(team: Team) -> None:
    first = team.t.modified_on
    change_role(team.t, team.ada, "HR lead")
    changed = team.t.modified_on
    team.t.change_member(member_id=team.ada, role=None, membership="SPECIALIST",
                         provenance=BY, now=tick(team.t))
    ada = team.t.members[team.ada]
    assert (ada.role, ada.membership) == ("HR lead", Membership.SPECIALIST)
    assert [(c.since, c.role) for c in ada.role_history] == [
        (team.t.members[team.ada].joined_at, "client"), (changed, "HR lead")]
    assert ada.role_at(first) == "client"
    assert ada.role_at(changed) == "HR lead"


# Decision domains and rights


@pytest.mark.parametrize("name", ["Programme design", " programme DESIGN "])
def test_active_domain_name_cannot_be_used_twice(team: Team, name: str) -> None:
    with refused(team.t, DuplicateDomainNameError, "DUPLICATE_DOMAIN_NAME"):
        define_domain(team.t, name)


def test_retired_domain_name_can_be_used_again(team: Team) -> None:
    retire(team.t, team.design)
    again = define_domain(team.t, "Programme design")
    assert again != team.design
    assert [d.id for d in team.t.domains.values() if d.active] == [team.budget, again]


RETIRED_DOMAIN: dict[str, Callable[[Team], object]] = {
    "rights": lambda s: grant(s.t, s.design, s.ben, right="ADVISES"),
    "decisions": lambda s: decide(s.t, s.design, [s.ada]),
    "surfaced decisions": lambda s: surface(s.t, s.design, s.ada),
    "retiring again": lambda s: retire(s.t, s.design),
}


@pytest.mark.parametrize("what", sorted(RETIRED_DOMAIN))
def test_retired_domain_refuses(team: Team, what: str) -> None:
    retire(team.t, team.design)
    with refused(team.t, DomainRetiredError, "DOMAIN_RETIRED") as info:
        RETIRED_DOMAIN[what](team)
    assert isinstance(info.value, DomainRetiredError)
    assert info.value.domain_id == team.design


def test_retired_domain_keeps_its_history_but_leaves_the_views(team: Team) -> None:
    decision = decide(team.t, team.design, [team.ada])
    retire(team.t, team.design)
    assert not team.t.domains[team.design].active
    assert team.t.decisions[decision].status is DecisionStatus.IN_FORCE
    assert [row.domain.id for row in team.t.who_decides_what()] == [team.budget]
    assert [d.id for d in team.t.gaps()] == [team.budget]


def test_same_active_right_cannot_be_granted_twice_to_a_member(team: Team) -> None:
    with refused(team.t, DuplicateRightError, "DUPLICATE_RIGHT") as info:
        grant(team.t, team.design, team.ada)
    assert isinstance(info.value, DuplicateRightError)
    assert info.value.right_id == team.ada_decides


def test_same_active_right_cannot_be_granted_twice_to_a_role(team: Team) -> None:
    first = grant(team.t, team.budget, role="client", condition="above 10k euro")
    with refused(team.t, DuplicateRightError, "DUPLICATE_RIGHT") as info:
        grant(team.t, team.budget, role=" client ", condition=" above 10k euro")
    assert isinstance(info.value, DuplicateRightError)
    assert info.value.right_id == first


def test_same_holder_may_hold_other_kinds_or_conditions(team: Team) -> None:
    grant(team.t, team.design, team.ada, condition="during the design phase")
    grant(team.t, team.design, team.ada, right="INFORMED")
    grant(team.t, team.design, role="client")
    assert len([r for r in team.t.rights.values() if r.in_force]) == 4


def test_revoked_right_can_be_granted_again_but_not_revoked_again(team: Team) -> None:
    revoke(team.t, team.ada_decides)
    assert team.t.rights[team.ada_decides].ended_reason == "Moved on"
    with refused(team.t, RightNotInForceError, "RIGHT_NOT_IN_FORCE"):
        revoke(team.t, team.ada_decides)
    again = grant(team.t, team.design, team.ada)
    assert team.t.rights[again].in_force


# Decisions: superseding, surfacing, ratifying, rejecting, withdrawing


def test_recorded_decision_is_explicit_and_in_force(team: Team) -> None:
    decision_id = decide(team.t, team.design, [team.ada], consulted=[team.ben],
                         rationale=" Both cultures matter ",
                         options_considered=[" One culture", "Two cultures "])
    decision = team.t.decisions[decision_id]
    assert decision.origin is DecisionOrigin.EXPLICIT
    assert decision.status is DecisionStatus.IN_FORCE
    assert (decision.decided_by, decision.consulted) == ([team.ada], [team.ben])
    assert decision.rationale == "Both cultures matter"
    assert decision.options_considered == ["One culture", "Two cultures"]
    assert (decision.scale, decision.kind) == (Scale.SMALL, DecisionKind.DECISION)


def test_superseding_links_both_decisions(team: Team) -> None:
    first = decide(team.t, team.design, [team.ada])
    second = decide(team.t, team.design, [team.ada])
    third = decide(team.t, team.design, [team.ada], supersedes=[first, second])
    assert team.t.decisions[first].status is DecisionStatus.SUPERSEDED
    assert team.t.decisions[second].superseded_by == [third]
    assert team.t.decisions[third].supersedes == [first, second]
    assert team.t.decisions[third].status is DecisionStatus.IN_FORCE


def make_status(team: Team, status: str) -> str:
    """A decision in `status`."""
    if status == "SUPERSEDED":
        old = decide(team.t, team.design, [team.ada])
        decide(team.t, team.design, [team.ada], supersedes=[old])
        return old
    if status == "WITHDRAWN":
        decision = decide(team.t, team.design, [team.ada])
        withdraw(team.t, decision, [team.ada])
        return decision
    surfaced = surface(team.t, team.design, team.ben)
    if status == "REJECTED":
        reject(team.t, surfaced, [team.ada])
    elif status == "RATIFIED":
        ratify(team.t, surfaced, [team.ada])
    else:
        assert status == "PROPOSED_IMPLICIT"
    return surfaced


@pytest.mark.parametrize("status", ["SUPERSEDED", "WITHDRAWN", "REJECTED",
                                    "PROPOSED_IMPLICIT"])
def test_only_a_decision_in_force_can_be_superseded(team: Team, status: str) -> None:
    decision = make_status(team, status)
    assert team.t.decisions[decision].status == status
    in_force = decide(team.t, team.design, [team.ada])
    with refused(team.t, DecisionNotInForceError, "DECISION_NOT_IN_FORCE"):
        decide(team.t, team.design, [team.ada], supersedes=[in_force, decision])
    assert team.t.decisions[in_force].status is DecisionStatus.IN_FORCE


def test_ratified_implicit_decision_can_be_superseded(team: Team) -> None:
    ratified = make_status(team, "RATIFIED")
    decide(team.t, team.design, [team.ada], supersedes=[ratified])
    assert team.t.decisions[ratified].status is DecisionStatus.SUPERSEDED


@pytest.mark.parametrize("status", ["SUPERSEDED", "WITHDRAWN", "REJECTED", "RATIFIED",
                                    "IN_FORCE"])
@pytest.mark.parametrize("verb", ["ratify", "reject"])
def test_only_a_surfaced_decision_can_be_ratified_or_rejected(
        team: Team, status: str, verb: str) -> None:
    decision = (decide(team.t, team.design, [team.ada]) if status == "IN_FORCE"
                else make_status(team, status))
    close = ratify if verb == "ratify" else reject
    with refused(team.t, DecisionNotSurfacedError, "DECISION_NOT_SURFACED"):
        close(team.t, decision, [team.ada])


@pytest.mark.parametrize("status", ["SUPERSEDED", "WITHDRAWN", "REJECTED"])
def test_withdraw_refuses_decisions_no_longer_in_force_or_awaiting(
        team: Team, status: str) -> None:
    decision = make_status(team, status)
    with refused(team.t, DecisionNotWithdrawableError, "DECISION_NOT_WITHDRAWABLE"):
        withdraw(team.t, decision, [team.ada])


@pytest.mark.parametrize("status", ["IN_FORCE", "PROPOSED_IMPLICIT", "RATIFIED"])
def test_withdraw_works_on_decisions_in_force_or_surfaced(team: Team, status: str) -> None:
    decision = (decide(team.t, team.design, [team.ada]) if status == "IN_FORCE"
                else make_status(team, status))
    withdraw(team.t, decision, [team.ben])
    withdrawn = team.t.decisions[decision]
    assert withdrawn.status is DecisionStatus.WITHDRAWN
    assert (withdrawn.closed_by, withdrawn.closed_reason) == ([team.ben], "Not needed")
    assert withdrawn.closed_at == team.t.modified_on


def test_surfaced_decision_awaits_ratification(team: Team) -> None:
    since = T0 - timedelta(days=30)
    decision_id = surface(team.t, team.design, team.ben, since=since, evidence=" minutes ")
    decision = team.t.decisions[decision_id]
    assert decision.origin is DecisionOrigin.IMPLICIT
    assert decision.status is DecisionStatus.PROPOSED_IMPLICIT
    assert (decision.since, decision.surfaced_by, decision.evidence) == (since, team.ben,
                                                                        "minutes")
    assert decision.decided_by == []


def test_ratified_decision_comes_into_force_decided_by_its_ratifiers(team: Team) -> None:
    decision_id = surface(team.t, team.design, team.ben)
    ratify(team.t, decision_id, [team.ada, team.ben])
    decision = team.t.decisions[decision_id]
    assert decision.status is DecisionStatus.IN_FORCE
    assert decision.origin is DecisionOrigin.IMPLICIT
    assert decision.ratified_by == decision.decided_by == [team.ada, team.ben]
    assert decision.ratified_at == team.t.modified_on
    assert decision.rationale == "Agreed"


def test_rejected_decision_is_reopened(team: Team) -> None:
    decision_id = surface(team.t, team.design, team.ben)
    reject(team.t, decision_id, [team.ada])
    decision = team.t.decisions[decision_id]
    assert decision.status is DecisionStatus.REJECTED
    assert (decision.closed_by, decision.closed_reason) == ([team.ada], "Reopen it")


# Role rights


def test_role_right_is_held_by_every_active_member_with_the_role(team: Team) -> None:
    cas = add_member(team.t, "Cas", "client")
    grant(team.t, team.budget, role="client")
    by_ada = decide(team.t, team.budget, [team.ada])
    by_cas = decide(team.t, team.budget, [cas])
    by_ben = decide(team.t, team.budget, [team.ben])
    assert [d.id for d in team.t.out_of_mandate()] == [by_ben]
    assert team.t.is_within_mandate(team.t.decisions[by_ada])
    assert team.t.is_within_mandate(team.t.decisions[by_cas])


def test_role_right_follows_role_changes_judged_at_decided_at(team: Team) -> None:
    grant(team.t, team.budget, role="programme manager", now=T0)
    before_change = tick(team.t)
    change_role(team.t, team.ben, "learning facilitator", now=tick(team.t, 10))
    change_role(team.t, team.ada, "programme manager", now=tick(team.t, 10))
    # Ben decided before his role changed, recorded afterwards: within mandate.
    early_ben = decide(team.t, team.budget, [team.ben], decided_at=before_change)
    late_ben = decide(team.t, team.budget, [team.ben])
    early_ada = decide(team.t, team.budget, [team.ada], decided_at=before_change)
    late_ada = decide(team.t, team.budget, [team.ada])
    assert {d.id for d in team.t.out_of_mandate()} == {late_ben, early_ada}
    assert team.t.is_within_mandate(team.t.decisions[early_ben])
    assert team.t.is_within_mandate(team.t.decisions[late_ada])


def test_role_right_nobody_holds_leaves_a_gap_until_someone_has_the_role(team: Team) -> None:
    grant(team.t, team.budget, role="HR lead")
    assert [d.id for d in team.t.gaps()] == [team.budget]
    cas = add_member(team.t, "Cas", "HR lead")
    assert team.t.gaps() == []
    change_role(team.t, cas, "client")
    assert [d.id for d in team.t.gaps()] == [team.budget]
    change_role(team.t, team.ben, "HR lead")
    assert team.t.gaps() == []
    remove(team.t, team.ben)
    assert [d.id for d in team.t.gaps()] == [team.budget]


# Out of mandate (Settled readings)


def test_decision_without_right_is_out_of_mandate(team: Team) -> None:
    decision = decide(team.t, team.budget, [team.ada])
    assert [d.id for d in team.t.out_of_mandate()] == [decision]


def test_one_decider_with_the_right_is_enough(team: Team) -> None:
    decide(team.t, team.design, [team.ben, team.ada])
    assert team.t.out_of_mandate() == []


def test_advising_or_informed_rights_or_rights_elsewhere_do_not_count(team: Team) -> None:
    grant(team.t, team.budget, team.ben, right="ADVISES")
    grant(team.t, team.budget, team.ben, right="INFORMED")
    grant(team.t, team.design, team.ben)
    decision = decide(team.t, team.budget, [team.ben])
    assert [d.id for d in team.t.out_of_mandate()] == [decision]


def test_decided_before_the_grant_is_out_of_mandate(team: Team) -> None:
    before = tick(team.t)
    grant(team.t, team.budget, team.ben, now=tick(team.t, 5))
    decision = decide(team.t, team.budget, [team.ben], decided_at=before)
    assert [d.id for d in team.t.out_of_mandate()] == [decision]


def test_grant_with_earlier_effective_from_covers_earlier_decisions(team: Team) -> None:
    before = tick(team.t)
    grant(team.t, team.budget, team.ben, effective_from=before - timedelta(days=1),
          now=tick(team.t, 5))
    decide(team.t, team.budget, [team.ben], decided_at=before)
    assert team.t.out_of_mandate() == []


def test_grant_with_later_effective_from_does_not_cover_until_then(team: Team) -> None:
    later = tick(team.t, 60)
    grant(team.t, team.budget, team.ben, effective_from=later)
    early = decide(team.t, team.budget, [team.ben])
    decide(team.t, team.budget, [team.ben], now=later)
    assert [d.id for d in team.t.out_of_mandate()] == [early]


def test_decided_before_revocation_stays_within_mandate(team: Team) -> None:
    before = tick(team.t)
    revoke(team.t, team.ada_decides, now=tick(team.t, 5))
    within = decide(team.t, team.design, [team.ada], decided_at=before)
    after = decide(team.t, team.design, [team.ada])
    assert [d.id for d in team.t.out_of_mandate()] == [after]
    assert team.t.is_within_mandate(team.t.decisions[within])


def test_decided_before_removal_stays_within_mandate(team: Team) -> None:
    before = tick(team.t)
    decision = decide(team.t, team.design, [team.ada], now=before)
    remove(team.t, team.ada)
    assert team.t.is_within_mandate(team.t.decisions[decision])
    assert team.t.out_of_mandate() == []


def test_ratified_implicit_decision_is_judged_by_its_ratifiers_at_ratification(
        team: Team) -> None:
    since = T0 - timedelta(days=365)  # long before anyone held a right
    by_ada = surface(team.t, team.design, team.ben, since=since)
    by_ben = surface(team.t, team.design, team.ada, since=since)
    ratify(team.t, by_ada, [team.ada])
    ratify(team.t, by_ben, [team.ben])
    assert [d.id for d in team.t.out_of_mandate()] == [by_ben]


def test_ratifier_granted_after_ratification_does_not_count(team: Team) -> None:
    decision = surface(team.t, team.budget, team.ada)
    ratify(team.t, decision, [team.ben])
    grant(team.t, team.budget, team.ben, now=tick(team.t, 5))
    assert [d.id for d in team.t.out_of_mandate()] == [decision]


@pytest.mark.parametrize("status", ["PROPOSED_IMPLICIT", "REJECTED", "WITHDRAWN"])
def test_surfaced_rejected_and_withdrawn_decisions_are_never_out_of_mandate(
        team: Team, status: str) -> None:
    if status == "WITHDRAWN":
        decision = decide(team.t, team.budget, [team.ben])
        withdraw(team.t, decision, [team.ada])
    else:
        decision = surface(team.t, team.budget, team.ben)
        if status == "REJECTED":
            reject(team.t, decision, [team.ben])
    assert team.t.decisions[decision].status == status
    assert team.t.out_of_mandate() == []


def test_superseded_decision_is_still_judged(team: Team) -> None:
    outside = decide(team.t, team.budget, [team.ben])
    grant(team.t, team.budget, team.ben)
    decide(team.t, team.budget, [team.ben], supersedes=[outside])
    assert team.t.decisions[outside].status is DecisionStatus.SUPERSEDED
    assert [d.id for d in team.t.out_of_mandate()] == [outside]


# Who decides what, and gaps


def test_who_decides_what_has_one_row_per_active_domain_with_rights_in_force(
        team: Team) -> None:
    selection = define_domain(team.t, "Participant selection")
    ben_advises = grant(team.t, team.design, team.ben, right="ADVISES",
                        condition="during the design phase")
    role_informed = grant(team.t, team.design, role="HR lead", right="INFORMED")
    revoked = grant(team.t, team.budget, team.ben)
    revoke(team.t, revoked)
    retire(team.t, selection)
    rows = team.t.who_decides_what()
    assert [row.domain.id for row in rows] == [team.design, team.budget]
    design, budget = rows
    assert [r.id for r in design.decides] == [team.ada_decides]
    assert [r.id for r in design.advises] == [ben_advises]
    assert design.advises[0].condition == "during the design phase"
    assert [r.id for r in design.informed] == [role_informed]
    assert (budget.decides, budget.advises, budget.informed) == ([], [], [])


def test_gaps_are_active_domains_nobody_active_decides_on(team: Team) -> None:
    assert [d.id for d in team.t.gaps()] == [team.budget]
    grant(team.t, team.budget, team.ben, right="ADVISES")
    assert [d.id for d in team.t.gaps()] == [team.budget]
    ben_decides = grant(team.t, team.budget, team.ben)
    assert team.t.gaps() == []
    revoke(team.t, ben_decides)
    assert [d.id for d in team.t.gaps()] == [team.budget]
    retire(team.t, team.budget)
    assert team.t.gaps() == []


# Idempotency records


def test_command_with_a_key_leaves_its_result_for_repeats() -> None:
    t = start()
    member = t.add_member(name="Ada", role="client", side="CLIENT", membership="CORE",
                          provenance=Provenance("facilitator", "key-1", "digest-a"),
                          now=tick(t))
    record = t.idempotency_record("key-1")
    assert record is not None
    assert (record.version, record.input_digest, record.result_id) == (2, "digest-a", member)
    assert t.idempotency_record("key-2") is None


def test_starting_with_a_key_leaves_a_record_apart_from_command_keys() -> None:
    t = Trajectory.start(name="Merger", client=None, description=None, now=T0,
                         provenance=Provenance("facilitator", "start-1", "digest-s"))
    record = t.idempotency_record(events.start_idempotency_slot("start-1"))
    assert record is not None
    assert (record.version, record.input_digest) == (1, "digest-s")
    assert t.idempotency_record("start-1") is None


# Events rebuild the same state


def test_every_command_triggers_one_event_and_replay_rebuilds_the_same_state() -> None:
    team = TeamWithDecision()
    t = team.t
    before = len(t.pending_events)
    change_role(t, team.ben, "learning facilitator")
    grant(t, team.budget, role="learning facilitator", effective_from=T0)
    ratify(t, team.surfaced, [team.ada])
    other = surface(t, team.budget, team.ada)
    reject(t, other, [team.ben])
    decide(t, team.design, [team.ada], supersedes=[team.decision])
    withdraw(t, team.surfaced, [team.ada])
    revoke(t, team.ada_decides)
    remove(t, team.ben)
    retire(t, team.budget)
    t.close(reason="done", provenance=BY, now=tick(t))
    stream = t.collect_events()
    assert len(stream) == before + 11
    assert [e.originator_version for e in stream] == list(range(1, t.version + 1))
    assert replay(stream) == t  # type: ignore[arg-type]
