"""What a team has to look at in a trajectory, with a reason each: open implicit
decisions, the review queue, decisions due for review, gaps, decisions out of mandate
and consultation gaps. For client tools that show one list of things to do. Pure, over
a trajectory's state and a moment (review dates fall due by the clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from decisionlog.domain import reviews
from decisionlog.domain.values import AttentionKind, DecisionStatus

if TYPE_CHECKING:
    from decisionlog.domain.consultation import Holder
    from decisionlog.domain.entities import Decision, DecisionDomain
    from decisionlog.domain.trajectory import Trajectory


@dataclass(frozen=True)
class AttentionItem:
    """One thing to look at: a decision or a domain, and why."""

    kind: AttentionKind
    reason: str
    decision: Decision | None = None
    domain: DecisionDomain | None = None


def attention(trajectory: Trajectory, at: datetime) -> list[AttentionItem]:
    """Everything the team has to look at, at the moment `at`, by kind in this order:
    open implicit decisions, decisions up for review, decisions due for review (review
    date at or before `at`), gaps, decisions out of mandate (with why), and decisions
    that skipped someone who had to be heard (consultation gaps)."""
    items = [AttentionItem(AttentionKind.OPEN_IMPLICIT_DECISION,
                           f"Surfaced implicit decision “{d.title}” awaits ratification "
                           "or rejection.", decision=d)
             for d in trajectory.decisions.values()
             if d.status is DecisionStatus.PROPOSED_IMPLICIT]
    items += [AttentionItem(AttentionKind.UP_FOR_REVIEW, " ".join(
        reviews.describe_reason(trajectory, item.decision, r) for r in item.reasons),
        decision=item.decision) for item in reviews.review_queue(trajectory)]
    items += [AttentionItem(AttentionKind.DUE_FOR_REVIEW,
                            f"Due for review since {_day(d.review_by)}.", decision=d)
              for d in reviews.due_for_review_at(trajectory, at)]
    items += [AttentionItem(AttentionKind.GAP, f"Nobody decides on “{g.name}”.", domain=g)
              for g in trajectory.gaps()]
    items += [AttentionItem(AttentionKind.OUT_OF_MANDATE, _out_of_mandate(trajectory, d),
                            decision=d, domain=trajectory.domains[d.domain_id])
              for d in trajectory.out_of_mandate()]
    items += [AttentionItem(AttentionKind.CONSULTATION_GAP,
                            f"“{d.title}” skipped who had to be heard: "
                            + ", ".join(_holder(trajectory, h)
                                        for h in trajectory.not_consulted(d)) + ".",
                            decision=d, domain=trajectory.domains[d.domain_id])
              for d in trajectory.consultation_gaps()]
    return items


def _out_of_mandate(trajectory: Trajectory, decision: Decision) -> str:
    gap = trajectory.mandate_gap(decision)
    if gap is not None:
        return gap.text
    domain = trajectory.domains[decision.domain_id].name
    return (f"“{decision.title}” was decided by people who held no right to decide on "
            f"“{domain}” then.")


def _holder(trajectory: Trajectory, holder: Holder) -> str:
    if holder.member_id is not None:
        member = trajectory.members.get(holder.member_id)
        return member.name if member is not None else holder.member_id
    return f"whoever is {holder.role}"  # (a role is heard when anyone who had it was)


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment is not None else "—"
