"""Every form of the pages, one per command, with the choices each offers from the
trajectory's state.

To add a form for a new command: add a `FormSpec` to `FORMS` (its fields named as the
command's fields), in the group where facilitators will look for it; the board offers
it, `/trajectories/{id}/forms/{slug}` shows it, and its errors find their fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from decisionlog.application import commands as c
from decisionlog.domain import reviews
from decisionlog.domain.values import (
    DecisionKind,
    DecisionStatus,
    Membership,
    RightKind,
    Scale,
    Side,
)
from decisionlog.web.forms import Choice, Done, Field, FormSpec
from decisionlog.web.phase_forms import PHASE_FORMS, PHASES, RIGHT_PHASES
from decisionlog.web.render import label
from decisionlog.web.review_forms import LOOKING_BACK, REVIEW_BY, REVIEW_FORMS, WITHIN_FRAMES

if TYPE_CHECKING:
    from decisionlog.application.requests import CommandResult
    from decisionlog.domain.entities import Decision
    from decisionlog.domain.trajectory import Trajectory

# Choices from the trajectory's state


def members(t: Trajectory) -> list[Choice]:
    return [Choice(m.id, m.name, m.role) for m in t.members.values() if m.active]


def domains(t: Trajectory) -> list[Choice]:
    return [Choice(d.id, d.name) for d in t.domains.values() if d.active]


def roles(t: Trajectory) -> list[Choice]:
    seen = sorted({m.role for m in t.members.values() if m.active}, key=str.casefold)
    return [Choice(r, r) for r in seen]


def rights(t: Trajectory) -> list[Choice]:
    choices = []
    for r in t.rights.values():
        if not r.in_force:
            continue
        holder = t.members[r.member_id].name if r.member_id else f"every {r.role}"
        when = f" ({r.condition})" if r.condition else ""
        choices.append(Choice(r.id, f"{t.domains[r.domain_id].name}: {holder} "
                                    f"{label(r.kind)}{when}"))
    return choices


def _decisions(*statuses: DecisionStatus) -> Callable[[Trajectory], list[Choice]]:
    def choices(t: Trajectory) -> list[Choice]:
        return [Choice(d.id, d.title, f"{t.domains[d.domain_id].name} · {label(d.status)}")
                for d in reversed(t.decisions.values()) if d.status in statuses]
    return choices


in_force = _decisions(DecisionStatus.IN_FORCE)
surfaced = _decisions(DecisionStatus.PROPOSED_IMPLICIT)
withdrawable = _decisions(DecisionStatus.IN_FORCE, DecisionStatus.PROPOSED_IMPLICIT)


def _enum(values: type[Side] | type[Membership] | type[RightKind] | type[Scale]
          | type[DecisionKind], hints: dict[str, str] | None = None) -> list[Choice]:
    return [Choice(v.value, label(v), (hints or {}).get(v.value)) for v in values]


SIDES = _enum(Side)
MEMBERSHIPS = _enum(Membership, {"CORE": "in the design team throughout",
                                 "SPECIALIST": "joins now and then"})
RIGHT_KINDS = _enum(RightKind, {"DECIDES": "takes the decision",
                                "ADVISES": "is consulted first",
                                "INFORMED": "is told afterwards"})
SCALES = _enum(Scale)
KINDS = _enum(DecisionKind, {"DECISION": "an ordinary decision",
                             "FRAME": "a long line: bounds later decisions"})

# Where to go once done


def _board(anchor: str, message: Callable[[Trajectory, CommandResult], str]
           ) -> Callable[[Trajectory, CommandResult], Done]:
    def done(t: Trajectory, r: CommandResult) -> Done:
        return Done(f"/trajectories/{t.id}#{anchor}", message(t, r))
    return done


def _decision(verb: str) -> Callable[[Trajectory, CommandResult], Done]:
    def done(t: Trajectory, r: CommandResult) -> Done:
        d = t.decisions[r.result_id or ""]
        return Done(f"/trajectories/{t.id}/decisions/{d.id}", f"{verb}: {d.title}")
    return done


def _has_members(t: Trajectory) -> bool:
    return any(m.active for m in t.members.values())


def _has_domains(t: Trajectory) -> bool:
    return any(d.active for d in t.domains.values())


def _has_rights(t: Trajectory) -> bool:
    return any(r.in_force for r in t.rights.values())


def _has_decisions(*statuses: DecisionStatus) -> Callable[[Trajectory], bool]:
    return lambda t: any(d.status in statuses for d in t.decisions.values())


def _ready_for_decisions(t: Trajectory) -> bool:
    return _has_members(t) and _has_domains(t)


def _member_name(t: Trajectory, r: CommandResult) -> str:
    return t.members[r.result_id or ""].name


def _domain_name(t: Trajectory, r: CommandResult) -> str:
    return t.domains[r.result_id or ""].name


REASON = Field("reason", "Reason", "textarea", hint="Optional: kept in the history.")
TEAM, DOMAINS, DECISIONS, TRAJECTORY = "Team", "Domains and rights", "Decisions", "Trajectory"

FORMS: dict[str, FormSpec] = {spec.slug: spec for spec in (
    FormSpec(
        "record-decision", "Record a decision", "Record the decision", c.RecordDecision,
        intro="A decision taken consciously: what was decided, by whom, and why.",
        group=DECISIONS, primary=True, available=_ready_for_decisions,
        fields=(
            Field("domain_id", "Domain", "select", required=True, choices=domains,
                  blank="Choose a domain…", hint="About what was it decided?"),
            Field("title", "Title", required=True, hint="A short name people will "
                  "recognise it by."),
            Field("statement", "What was decided", "textarea", required=True),
            Field("decided_by", "Decided by", "checkboxes", required=True, choices=members),
            Field("consulted", "Consulted", "checkboxes", choices=members),
            Field("rationale", "Why", "textarea", hint="The reasons, as the team gave them."),
            Field("options_considered", "Options considered", "lines",
                  hint="One option a line."),
            Field("scale", "Scale", "radio", choices=SCALES, default="SMALL", enum=Scale),
            Field("kind", "Kind", "radio", choices=KINDS, default="DECISION",
                  enum=DecisionKind),
            Field("decided_at", "Decided on (UTC)", "datetime",
                  hint="Leave empty for now; a past date records a decision taken earlier."),
            Field("supersedes", "It supersedes", "checkboxes", choices=in_force,
                  hint="Earlier decisions in force that this one replaces."),
            WITHIN_FRAMES, REVIEW_BY,
        ),
        done=_decision("Recorded")),
    FormSpec(
        "surface-implicit-decision", "Surface an implicit decision", "Surface it",
        c.SurfaceImplicitDecision, group=DECISIONS, available=_ready_for_decisions,
        intro="A decision nobody named when it happened (\"we stopped inviting the works "
              "council\"). Once surfaced, the team ratifies or rejects it.",
        fields=(
            Field("domain_id", "Domain", "select", required=True, choices=domains,
                  blank="Choose a domain…"),
            Field("title", "Title", required=True),
            Field("statement", "What has been happening", "textarea", required=True),
            Field("surfaced_by", "Surfaced by", "select", required=True, choices=members,
                  blank="Who names it?"),
            Field("since", "Probably since (UTC)", "datetime",
                  hint="When it probably began; leave empty if nobody knows."),
            Field("evidence", "Evidence", "textarea", hint="What shows it happened."),
            Field("scale", "Scale", "radio", choices=SCALES, default="SMALL", enum=Scale),
            Field("kind", "Kind", "radio", choices=KINDS, default="DECISION",
                  enum=DecisionKind),
            WITHIN_FRAMES,
        ),
        done=_decision("Surfaced")),
    FormSpec(
        "ratify-decision", "Ratify a surfaced decision", "Ratify", c.RatifyDecision,
        intro="The team takes the implicit decision as its own: it comes into force.",
        group=DECISIONS, available=_has_decisions(DecisionStatus.PROPOSED_IMPLICIT),
        fields=(
            Field("decision_id", "Decision", "select", required=True, choices=surfaced,
                  blank="Choose a surfaced decision…"),
            Field("ratified_by", "Ratified by", "checkboxes", required=True,
                  choices=members),
            Field("rationale", "Why", "textarea"),
            REVIEW_BY,
        ),
        done=_decision("Ratified")),
    FormSpec(
        "reject-decision", "Reject a surfaced decision", "Reject", c.RejectDecision,
        intro="The team does not take the implicit decision as its own: it is reopened.",
        group=DECISIONS, available=_has_decisions(DecisionStatus.PROPOSED_IMPLICIT),
        fields=(
            Field("decision_id", "Decision", "select", required=True, choices=surfaced,
                  blank="Choose a surfaced decision…"),
            Field("rejected_by", "Rejected by", "checkboxes", required=True,
                  choices=members),
            REASON,
        ),
        done=_decision("Rejected")),
    FormSpec(
        "withdraw-decision", "Withdraw a decision", "Withdraw", c.WithdrawDecision,
        intro="The decision no longer holds. Nothing is deleted: the withdrawal is kept "
              "in its history.",
        group=DECISIONS, available=_has_decisions(DecisionStatus.IN_FORCE,
                                             DecisionStatus.PROPOSED_IMPLICIT),
        fields=(
            Field("decision_id", "Decision", "select", required=True, choices=withdrawable,
                  blank="Choose a decision…"),
            Field("withdrawn_by", "Withdrawn by", "checkboxes", required=True,
                  choices=members),
            REASON,
        ),
        done=_decision("Withdrawn")),
    FormSpec(
        "add-member", "Add a member", "Add to the team", c.AddMember, group=TEAM,
        fields=(
            Field("name", "Name", required=True),
            Field("role", "Role", required=True, suggestions=roles,
                  hint="Free text: client sponsor, programme manager, learning "
                       "facilitator, HR lead…"),
            Field("side", "Side", "radio", required=True, choices=SIDES, enum=Side),
            Field("membership", "Membership", "radio", required=True, choices=MEMBERSHIPS,
                  default="CORE", enum=Membership),
        ),
        done=_board("team", lambda t, r: f"Added to the team: {_member_name(t, r)}")),
    FormSpec(
        "change-member", "Change a member", "Save the change", c.ChangeMember, group=TEAM,
        available=_has_members,
        fields=(
            Field("member_id", "Member", "select", required=True, choices=members,
                  blank="Choose a member…"),
            Field("role", "New role", suggestions=roles,
                  hint="Leave empty to keep the role."),
            Field("membership", "New membership", "radio", choices=MEMBERSHIPS,
                  blank="keep as it is", enum=Membership),
        ),
        done=_board("team", lambda t, r: f"Changed: {_member_name(t, r)}")),
    FormSpec(
        "remove-member", "Remove a member", "Remove from the team", c.RemoveMember,
        group=TEAM, available=_has_members,
        intro="The member leaves the team; the rights granted to them by name end with "
              "it. Their past decisions keep their names.",
        fields=(
            Field("member_id", "Member", "select", required=True, choices=members,
                  blank="Choose a member…"),
            REASON,
        ),
        done=_board("team", lambda t, r: f"Removed from the team: {_member_name(t, r)}")),
    FormSpec(
        "define-domain", "Define a domain", "Define the domain", c.DefineDomain,
        group=DOMAINS, intro="A decision domain says about what decisions are taken: "
        "programme design, participant selection, budget…",
        fields=(
            Field("name", "Name", required=True),
            Field("description", "Description", "textarea"),
        ),
        done=_board("who-decides-what",
                    lambda t, r: f"Domain defined: {_domain_name(t, r)}")),
    FormSpec(
        "grant-right", "Grant a right", "Grant the right", c.GrantRight, group=DOMAINS,
        available=_ready_for_decisions,
        intro="Who decides, advises or is informed about a domain: one member by name, or "
              "everyone with a role; in every phase, or in some only.",
        fields=(
            Field("domain_id", "Domain", "select", required=True, choices=domains,
                  blank="Choose a domain…"),
            Field("right", "Right", "radio", required=True, choices=RIGHT_KINDS, enum=RightKind),
            Field("member_id", "To a member", "select", choices=members,
                  blank="— nobody by name —", hint="Either a member…"),
            Field("role", "Or to a role", suggestions=roles,
                  hint="…or a role: then everyone with that role holds it."),
            RIGHT_PHASES,
            Field("condition", "Condition", hint="Optional: a condition that is not a "
                  "phase, e.g. \"above 10k euro\"."),
            Field("effective_from", "In force from (UTC)", "datetime",
                  hint="Leave empty for now; an earlier date records a right that held "
                       "before it was written down."),
        ),
        done=_board("who-decides-what", lambda t, r: "Right granted.")),
    FormSpec(
        "revoke-right", "Revoke a right", "Revoke the right", c.RevokeRight,
        group=DOMAINS, available=_has_rights,
        fields=(Field("right_id", "Right", "select", required=True, choices=rights,
                      blank="Choose a right…"), REASON),
        done=_board("who-decides-what", lambda t, r: "Right revoked.")),
    FormSpec(
        "retire-domain", "Retire a domain", "Retire the domain", c.RetireDomain,
        group=DOMAINS, available=_has_domains,
        intro="The domain leaves the who-decides-what view; its decisions and history "
              "stay.",
        fields=(Field("domain_id", "Domain", "select", required=True, choices=domains,
                      blank="Choose a domain…"), REASON),
        done=_board("who-decides-what",
                    lambda t, r: f"Domain retired: {_domain_name(t, r)}")),
    FormSpec(
        "close-trajectory", "Close the trajectory", "Close it", c.CloseTrajectory,
        group=TRAJECTORY, intro="A closed trajectory accepts no more changes; it stays "
        "readable and verifiable.",
        fields=(REASON,),
        done=lambda t, r: Done(f"/trajectories/{t.id}", "The trajectory is closed.")),
    *REVIEW_FORMS,
    *PHASE_FORMS,
)}

START = FormSpec(
    "start-trajectory", "Start a trajectory", "Start it", c.StartTrajectory,
    intro="A trajectory is one programme with one client organisation, designed and "
          "redesigned along the way by a team from both sides.",
    fields=(
        Field("name", "Name", required=True),
        Field("client", "Client organisation"),
        Field("description", "Description", "textarea"),
    ),
    done=lambda t, r: Done(f"/trajectories/{t.id}",
                           "Started. Add the design team, then the decision domains."))


@dataclass(frozen=True)
class Action:
    title: str
    url: str
    primary: bool = False


@dataclass(frozen=True)
class ActionGroup:
    name: str
    actions: list[Action]


def trajectory_actions(t: Trajectory) -> list[ActionGroup]:
    """The forms the board offers for this state, by group."""
    groups: dict[str, list[Action]] = {}
    for spec in FORMS.values():
        if spec.available(t):
            groups.setdefault(spec.group, []).append(
                Action(spec.title, f"/trajectories/{t.id}/forms/{spec.slug}", spec.primary))
    order = (DECISIONS, LOOKING_BACK, TEAM, DOMAINS, PHASES, TRAJECTORY)
    return [ActionGroup(name, groups[name]) for name in order if name in groups]


@dataclass(frozen=True)
class DecisionAction:
    title: str
    slug: str
    field: str
    primary: bool = False

    def url(self, trajectory_id: str, decision: Decision) -> str:
        link = f"/trajectories/{trajectory_id}/forms/{self.slug}?{self.field}={decision.id}"
        if self.field == "supersedes":  # a decision that replaces it: same domain, likely
            link += f"&domain_id={decision.domain_id}"
        return link


def decision_actions(decision: Decision) -> list[DecisionAction]:
    """What can be done to the decision now."""
    status = decision.status
    actions = []
    if reviews.up_for_review(decision) or reviews.is_due(decision, datetime.now(UTC)):
        actions.append(DecisionAction("Reconfirm…", "confirm-decision", "decision_id", True))
    if status is DecisionStatus.PROPOSED_IMPLICIT:
        actions += [DecisionAction("Ratify…", "ratify-decision", "decision_id", True),
                    DecisionAction("Reject…", "reject-decision", "decision_id")]
    if status is DecisionStatus.IN_FORCE:
        actions.append(DecisionAction("Record a decision that supersedes it…",
                                      "record-decision", "supersedes", True))
        if decision.within_frames:
            actions.append(DecisionAction("Move to another frame…", "reframe-decision",
                                          "decision_id"))
        actions.append(DecisionAction("Set a review date…", "schedule-review", "decision_id"))
    if status in (DecisionStatus.IN_FORCE, DecisionStatus.PROPOSED_IMPLICIT):
        actions.append(DecisionAction("Withdraw…", "withdraw-decision", "decision_id"))
    if status not in (DecisionStatus.WITHDRAWN, DecisionStatus.REJECTED):
        actions.append(DecisionAction("Record an outcome…", "record-outcome", "decision_id"))
    return actions
