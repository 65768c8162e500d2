"""The `Trajectory` aggregate: one programme's decision process, as one event stream.

Every command checks its rules first and then triggers exactly one event; the event's
`apply` is the only code that changes state, so replaying the stored events rebuilds the
same trajectory. The rules are here, or on the record whose state they guard
(`decisionlog.domain.entities`: "only a decision in force can be superseded" is
`Decision.check_supersedable`). Provenance, the hash chain and the idempotency records
are the base class's (`decisionlog.domain.recorded`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID, uuid4

from decisionlog.domain import errors, events, reviews
from decisionlog.domain.consultation import ConsultationCommands
from decisionlog.domain.entities import Decision, DecisionDomain, DecisionRight, Member, RoleChange
from decisionlog.domain.frames import FramesAndReviews
from decisionlog.domain.implicit import ImplicitDecisionCommands
from decisionlog.domain.mandate import MandateViews
from decisionlog.domain.phases import Phase, PhaseCommands, PhaseStart
from decisionlog.domain.recorded import RecordedAggregate
from decisionlog.domain.validation import (
    aware,
    enum_value,
    id_list,
    identifier,
    moment,
    name_text,
    optional_text,
    required_text,
    text_list,
)
from decisionlog.domain.values import (
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_TEXT_LENGTH,
    DecisionKind,
    Membership,
    Provenance,
    RightKind,
    Scale,
    Side,
    TrajectoryStatus,
    name_key,
    plain_name_key,
)


def new_id() -> str:
    """A fresh opaque id for a member, domain, right or decision."""
    return str(uuid4())


class Trajectory(PhaseCommands, ConsultationCommands, ImplicitDecisionCommands,
                 FramesAndReviews, MandateViews, RecordedAggregate):
    """One programme: its design team, decision domains, phases, decision rights and
    decisions. The commands of an area live beside its records and rules: phases in
    `domain/phases.py`, who was told in `domain/consultation.py`, implicit decisions in
    `domain/implicit.py`, frames and reviews in `domain/frames.py`, and the views of who
    decides what in `domain/mandate.py`."""

    # The snapshot format: bump it when the state gains, loses or changes an attribute,
    # with an `upcast_vN_vM(state)` that brings an older snapshot's state up to date.
    class_version = 3

    def __init__(self, name: str, client: str | None, description: str | None) -> None:
        self.name = name
        self.client = client
        self.description = description
        self.status = TrajectoryStatus.ACTIVE
        self.closed_reason: str | None = None
        self.members: dict[str, Member] = {}
        self.domains: dict[str, DecisionDomain] = {}
        self.rights: dict[str, DecisionRight] = {}
        self.decisions: dict[str, Decision] = {}
        self.phases: dict[str, Phase] = {}
        self.phase_starts: list[PhaseStart] = []
        super().__init__()  # idempotency and head_digest, last: as snapshots store them

    @staticmethod
    def upcast_v1_v2(state: dict[str, object]) -> None:
        """Snapshots written before the format had a version: the same state."""

    @staticmethod
    def upcast_v2_v3(state: dict[str, object]) -> None:
        """Snapshots written before phases: none defined, none started."""
        state.update(phases={}, phase_starts=[])

    # Starting and closing

    @classmethod
    def start(cls, *, name: str, client: str | None, description: str | None,
            provenance: Provenance, trajectory_id: UUID | None = None,
            now: datetime | None = None
    ) -> Trajectory:
        """Start a new trajectory."""
        return cls._create_recorded(
            events.TrajectoryStarted, aggregate_id=trajectory_id or uuid4(),
            provenance=provenance, now=now,
            name=required_text("name", name, MAX_NAME_LENGTH),
            client=optional_text("client", client, MAX_NAME_LENGTH),
            description=optional_text("description", description, MAX_TEXT_LENGTH),
        )

    def close(self, *, reason: str | None, provenance: Provenance, now: datetime | None = None
              ) -> None:
        """Close the trajectory: from now on it accepts no changes."""
        self._check_open()
        self._trigger(
            events.TrajectoryClosed, provenance, now,
            reason=optional_text("reason", reason, MAX_NOTE_LENGTH),
        )

    # The design team

    def add_member(self, *, name: str, role: str, side: Side | str,
            membership: Membership | str, provenance: Provenance, now: datetime | None = None
    ) -> str:
        """Add a person to the design team; returns the member's id."""
        self._check_open()
        clean_name = name_text("name", name, MAX_NAME_LENGTH)
        self._check_name_free("member", clean_name, self.members)
        member_id = new_id()
        self._trigger(
            events.MemberAdded, provenance, now,
            member_id=member_id, name=clean_name,
            role=name_text("role", role, MAX_NAME_LENGTH),
            side=enum_value("side", Side, side),
            membership=enum_value("membership", Membership, membership),
        )
        return member_id

    def change_member(self, *, member_id: str, role: str | None,
            membership: Membership | str | None, provenance: Provenance,
            now: datetime | None = None
    ) -> str:
        """Change a member's role or membership; returns the member's id."""
        self._check_open()
        member = self._active_member(member_id)
        new_role = (None if role is None or not optional_text("role", role, MAX_NAME_LENGTH)
                    else name_text("role", role, MAX_NAME_LENGTH))
        new_membership = (
            None if membership is None else enum_value("membership", Membership, membership)
        )
        if new_role is None and new_membership is None:
            raise errors.ValidationError("role", "Give a new role, a new membership, or both.")
        self._trigger(
            events.MemberChanged, provenance, now,
            member_id=member.id, role=new_role, membership=new_membership,
        )
        return member.id

    def remove_member(self, *, member_id: str, reason: str | None, provenance: Provenance,
            now: datetime | None = None
    ) -> str:
        """Remove a member; the rights granted to that member directly end with it."""
        self._check_open()
        member = self._active_member(member_id)
        self._trigger(
            events.MemberRemoved, provenance, now,
            member_id=member.id, reason=optional_text("reason", reason, MAX_NOTE_LENGTH),
        )
        return member.id

    # Decision domains and rights

    def define_domain(self, *, name: str, description: str | None, provenance: Provenance,
            now: datetime | None = None
    ) -> str:
        """Define a decision domain ("about what"); returns its id."""
        self._check_open()
        clean_name = name_text("name", name, MAX_NAME_LENGTH)
        self._check_name_free("decision domain", clean_name, self.domains)
        domain_id = new_id()
        self._trigger(
            events.DomainDefined, provenance, now,
            domain_id=domain_id, name=clean_name,
            description=optional_text("description", description, MAX_TEXT_LENGTH),
        )
        return domain_id

    def retire_domain(self, *, domain_id: str, reason: str | None, provenance: Provenance,
            now: datetime | None = None
    ) -> str:
        """Retire a decision domain; its history stays."""
        self._check_open()
        domain = self._active_domain(domain_id)
        self._trigger(
            events.DomainRetired, provenance, now,
            domain_id=domain.id, reason=optional_text("reason", reason, MAX_NOTE_LENGTH),
        )
        return domain.id

    def grant_right(self, *, domain_id: str, member_id: str | None, role: str | None,
            right: RightKind | str, condition: str | None, provenance: Provenance,
            effective_from: datetime | None = None, phases: Iterable[str] | None = None,
            now: datetime | None = None
    ) -> str:
        """Grant a member or a role a right on a domain, in some phases only or (none
        given) in every phase; returns the right's id."""
        self._check_open()
        kind = enum_value("right", RightKind, right)
        clean_role = (None if role is None or not optional_text("role", role, MAX_NAME_LENGTH)
                      else name_text("role", role, MAX_NAME_LENGTH))
        if (member_id is None) == (clean_role is None):
            raise errors.ValidationError("memberId", "Give either memberId or role, not both.")
        domain = self._active_domain(domain_id)
        holder_id = None if member_id is None else self._active_member(member_id).id
        clean_condition = optional_text("condition", condition, MAX_NOTE_LENGTH)
        phase_ids = self._active_phases("phases", phases)
        self._check_right_not_granted(domain_id=domain.id, member_id=holder_id, role=clean_role,
                                      kind=kind, condition=clean_condition, phase_ids=phase_ids)
        right_id = new_id()
        self._trigger(
            events.RightGranted, provenance, now,
            right_id=right_id, domain_id=domain.id, member_id=holder_id, role=clean_role,
            right=kind, condition=clean_condition,
            effective_from=aware("effectiveFrom", effective_from),
            phase_ids=phase_ids or None,  # events before phases have no such field
        )
        return right_id

    def revoke_right(self, *, right_id: str, reason: str | None, provenance: Provenance,
            now: datetime | None = None
    ) -> str:
        """End a decision right."""
        self._check_open()
        right = self._right(right_id).check_in_force()
        self._trigger(
            events.RightRevoked, provenance, now,
            right_id=right.id, reason=optional_text("reason", reason, MAX_NOTE_LENGTH),
        )
        return right.id

    # Decisions

    def record_decision(self, *, domain_id: str, title: str, statement: str,
            decided_by: Iterable[str], provenance: Provenance, rationale: str | None = None,
            options_considered: Iterable[str] | None = None,
            consulted: Iterable[str] | None = None, scale: Scale | str = Scale.SMALL,
            kind: DecisionKind | str = DecisionKind.DECISION,
            decided_at: datetime | None = None, supersedes: Iterable[str] | None = None,
            within_frames: Iterable[str] | None = None, review_by: datetime | None = None,
            now: datetime | None = None
    ) -> str:
        """Record an explicit decision, possibly superseding decisions in force, within
        frames in force; superseded frames put what lies within them up for review."""
        self._check_open()
        now = now or events.TrajectoryEvent.create_timestamp()
        decided_at = moment("decidedAt", decided_at, now=now) or now
        fields = dict(
            title=required_text("title", title, MAX_NAME_LENGTH),
            statement=required_text("statement", statement, MAX_TEXT_LENGTH),
            rationale=optional_text("rationale", rationale, MAX_TEXT_LENGTH),
            options_considered=text_list(
                "optionsConsidered", options_considered, MAX_NOTE_LENGTH),
            scale=enum_value("scale", Scale, scale),
            kind=enum_value("kind", DecisionKind, kind), decided_at=decided_at,
        )
        deciders = self._active_members("decidedBy", decided_by, required=True)
        consulted_ids = self._active_members("consulted", consulted, required=False)
        superseded = id_list("supersedes", supersedes, required=False, noun="decision")
        for decision_id in superseded:
            self._decision(decision_id, "supersedes").check_supersedable()
        framing = self._framing(within_frames, review_by=review_by,
                                decided_at=decided_at, superseded=superseded)
        domain = self._active_domain(domain_id)
        decision_id = new_id()
        self._trigger(
            events.DecisionRecorded, provenance, now,
            decision_id=decision_id, domain_id=domain.id, decided_by=deciders,
            consulted=consulted_ids, supersedes=superseded, **fields, **framing,
        )
        return decision_id

    def withdraw_decision(self, *, decision_id: str, withdrawn_by: Iterable[str],
            reason: str | None, provenance: Provenance, now: datetime | None = None
    ) -> str:
        """Withdraw a decision in force or a surfaced one."""
        self._check_open()
        decision = self._decision(decision_id).check_withdrawable()
        members = self._active_members("withdrawnBy", withdrawn_by, required=True)
        self._trigger(
            events.DecisionWithdrawn, provenance, now,
            decision_id=decision.id, members=members,
            reason=optional_text("reason", reason, MAX_NOTE_LENGTH),
            up_for_review=reviews.frame_change_reach(self, [decision.id]),
        )
        return decision.id

    # Rules and lookups the commands share

    def _check_open(self) -> None:
        # `==`, not `is`: a trajectory restored from a snapshot has `status` as plain text.
        if self.status == TrajectoryStatus.CLOSED:
            raise errors.TrajectoryClosedError(str(self.id))

    def _check_name_free(self, kind: str, name: str, records: dict[str, Member]
                         | dict[str, DecisionDomain] | dict[str, Phase]) -> None:
        """No name that looks like an active one's without being it: the same confusable
        skeleton (UTS #39) but another spelling ("Вudget", "Budget"). The same name twice
        is refused for domains and phases; two members may share a name, as two people
        may."""
        key, spelled = name_key(name), plain_name_key(name)
        for record in records.values():
            if record.active and name_key(record.name) == key:
                if plain_name_key(record.name) != spelled:
                    raise errors.ConfusableNameError(kind=kind, name=name, existing_id=record.id,
                                              existing_name=record.name)
                if isinstance(record, DecisionDomain):
                    raise errors.DuplicateDomainNameError(name)
                if isinstance(record, Phase):
                    raise errors.DuplicatePhaseNameError(name)

    def _check_right_not_granted(self, *, domain_id: str, member_id: str | None,
                                 role: str | None, kind: RightKind, condition: str | None,
                                 phase_ids: list[str]) -> None:
        for existing in self.rights.values():
            if (existing.in_force and existing.domain_id == domain_id
                    and existing.member_id == member_id and existing.role == role
                    and existing.kind is kind and existing.condition == condition
                    and set(existing.phase_ids) == set(phase_ids)):
                raise errors.DuplicateRightError(existing.id)

    def _active_member(self, member_id: str, field: str = "memberId") -> Member:
        member = self.members.get(identifier(field, member_id, "member"))
        if member is None:
            raise errors.MemberNotFoundError(member_id)
        return member.check_active()

    def _active_members(self, field: str, ids: Iterable[str] | None, *, required: bool
                        ) -> list[str]:
        return [self._active_member(i, field).id for i in id_list(field, ids, required=required)]

    def _active_domain(self, domain_id: str) -> DecisionDomain:
        domain = self.domains.get(identifier("domainId", domain_id, "decision domain"))
        if domain is None:
            raise errors.DomainNotFoundError(domain_id)
        return domain.check_active()

    def _right(self, right_id: str) -> DecisionRight:
        right = self.rights.get(identifier("rightId", right_id, "decision right"))
        if right is None:
            raise errors.RightNotFoundError(right_id)
        return right

    def _decision(self, decision_id: str, field: str = "decisionId") -> Decision:
        decision = self.decisions.get(identifier(field, decision_id, "decision"))
        if decision is None:
            raise errors.DecisionNotFoundError(decision_id)
        return decision


__all__ = ["RoleChange", "Trajectory", "new_id"]
