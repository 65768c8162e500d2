"""The decision register: a trajectory as a markdown document for auditors.

Per decision, in the spirit of MADR: status, date, decision-makers, consulted, informed,
the frames it lies within, its review date and why it is up for review, context, options,
the decision outcome (the statement: what was decided), then what was observed after it
(its observed outcomes, kept apart from the statement) and its reconfirmations, and links
to what it supersedes or is superseded by; then the who-decides-what matrix and the
history of its changes. Pure: a trajectory and its events
in, text out. Every text a person wrote goes through `markdown.inline` or
`markdown.block`, so it reads as text and can never add a heading, a table, a link or
HTML to the register.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from decisionlog.audit.markdown import block, inline
from decisionlog.audit.summaries import describe
from decisionlog.domain import consultation as co
from decisionlog.domain import events as ev
from decisionlog.domain import phases as ph
from decisionlog.domain import review_events as rev
from decisionlog.domain.mandate import decision_phase_id
from decisionlog.domain.reviews import describe_reason, up_for_review
from decisionlog.domain.values import DecisionOrigin, DecisionStatus, RightKind

if TYPE_CHECKING:
    from decisionlog.domain.entities import Decision, DecisionRight
    from decisionlog.domain.trajectory import Trajectory

# Where each event shows in the register (a test checks that every event type has a
# place): in the heading, the team table, the decisions, or the mandate history.
SECTIONS: dict[type[ev.TrajectoryEvent], str] = {
    ev.TrajectoryStarted: "heading", ev.TrajectoryClosed: "heading",
    ev.MemberAdded: "team", ev.MemberChanged: "mandates", ev.MemberRemoved: "mandates",
    ev.DomainDefined: "mandates", ev.DomainRetired: "mandates",
    ev.RightGranted: "mandates", ev.RightRevoked: "mandates",
    ev.DecisionRecorded: "decisions", ev.ImplicitDecisionSurfaced: "decisions",
    ev.DecisionRatified: "decisions", ev.DecisionRejected: "decisions",
    ev.DecisionWithdrawn: "decisions", co.DecisionInformed: "decisions",
    ph.PhaseDefined: "mandates", ph.PhaseRetired: "mandates", ph.PhaseStarted: "mandates",
    rev.DecisionReframed: "decisions", rev.DecisionConfirmed: "decisions",
    rev.ReviewScheduled: "decisions", rev.OutcomeRecorded: "decisions",
}
MANDATE_EVENTS = tuple(t for t, section in SECTIONS.items() if section == "mandates")
STATUS_TEXT = {
    DecisionStatus.PROPOSED_IMPLICIT: "Proposed (surfaced, awaiting ratification)",
    DecisionStatus.IN_FORCE: "Accepted (in force)",
    DecisionStatus.REJECTED: "Rejected",
    DecisionStatus.SUPERSEDED: "Superseded",
    DecisionStatus.WITHDRAWN: "Withdrawn",
}


def render_register(trajectory: Trajectory, history: Sequence[ev.TrajectoryEvent]) -> str:
    """The whole register: heading, team, decisions, the matrix and its change history."""
    numbers = {d: n for n, d in enumerate(trajectory.decisions, start=1)}
    parts = [_heading(trajectory), _team(trajectory),
             *([_phases(trajectory)] if trajectory.phases else []), "## Decisions\n"]
    parts += [_decision(trajectory, d, numbers) for d in trajectory.decisions.values()]
    if not trajectory.decisions:
        parts.append("No decisions recorded.\n")
    parts += [_matrix(trajectory), _mandate_history(trajectory, history)]
    return "\n".join(parts)


def _heading(t: Trajectory) -> str:
    lines = [f"# Decision register: {inline(t.name)}", "",
             f"- Trajectory: `{t.id}`",
             f"- Client: {inline(t.client) if t.client else '—'}",
             f"- Status: {t.status}"
             + (f" ({inline(t.closed_reason)})" if t.closed_reason else ""),
             f"- Events: {t.version}, last recorded {_when(t.modified_on)}",
             f"- Head digest: `{t.head_digest}`"]
    if t.description:
        lines += ["", block(t.description)]
    return "\n".join(lines) + "\n"


def _team(t: Trajectory) -> str:
    lines = ["## Design team", "", "| Member | Role | Side | Membership | Joined | Left |",
             "| --- | --- | --- | --- | --- | --- |"]
    for m in t.members.values():
        left = _when(m.left_at) + (f" ({inline(m.left_reason)})" if m.left_reason else "")
        lines.append(f"| {inline(m.name)} | {inline(m.role)} | {m.side} | {m.membership} "
                     f"| {_when(m.joined_at)} | {left if m.left_at else ''} |")
    if not t.members:
        lines.append("| — | | | | | |")
    return "\n".join(lines) + "\n"


def _decision(t: Trajectory, d: Decision, numbers: dict[str, int]) -> str:
    domain = t.domains.get(d.domain_id)
    status = STATUS_TEXT[DecisionStatus(d.status)]
    if d.superseded_by:
        status += " by " + _links(t, d.superseded_by, numbers)
    lines = [f'<a id="decision-{_anchor(d.id)}"></a>',
             f"### D{numbers[d.id]}. {inline(d.title)}", "",
             f"- Status: {status}",
             f"- Date: {_when(d.decided_at)} (recorded {_when(d.recorded_at)})",
             f"- Kind: {d.kind}, scale {d.scale}, {str(d.origin).lower()}",
             f"- Domain: {inline(domain.name if domain else d.domain_id)}",
             f"- Phase: {_phase_of(t, d)}",
             f"- Decision-makers: {_names(t, d.decided_by)}",
             f"- Consulted: {_names(t, d.consulted)}",
             f"- Not consulted: {_not_consulted(t, d)}",
             f"- Informed: {_informed(t, d)}",
             f"- Within mandate: {_mandate(t, d)}"]
    if d.supersedes:
        lines.append(f"- Supersedes: {_links(t, d.supersedes, numbers)}")
    if d.within_frames:
        lines.append(f"- Within frames: {_links(t, d.within_frames, numbers)}")
    if d.review_by is not None:
        lines.append(f"- Review by: {_when(d.review_by)}")
    if up_for_review(d):
        lines.append("- Up for review: " + " ".join(
            inline(describe_reason(t, d, r)) for r in d.review_reasons))
    lines += ["", "#### Context and problem statement", "", _context(t, d), "",
              "#### Considered options", ""]
    lines += [f"{i}. {inline(o)}"
              for i, o in enumerate(d.options_considered, start=1)] or ["—"]
    lines += ["", "#### Decision outcome", "", block(d.statement)]
    if d.rationale:
        lines += ["", f"Because: {block(d.rationale)}"]
    if d.closed_at is not None:
        lines += ["", f"{status.split(' ')[0]} on {_when(d.closed_at)} by "
                      f"{_names(t, d.closed_by)}" + (f": {block(d.closed_reason)}"
                                                      if d.closed_reason else ".")]
    return "\n".join(lines + _looking_back(t, d)) + "\n"


def _looking_back(t: Trajectory, d: Decision) -> list[str]:
    """What was observed after the decision (apart from the decision outcome, which is
    the statement), and who reconfirmed it."""
    lines: list[str] = []
    if d.outcomes:
        lines += ["", "#### Observed outcomes", ""]
        lines += [f"- {_when(o.observed_at)}, verdict {o.verdict}"
                  + (f", observed by {_names(t, o.observed_by)}" if o.observed_by else "")
                  + f": {inline(o.outcome)}" for o in d.outcomes]
    if d.confirmations:
        lines += ["", "#### Reconfirmations", ""]
        lines += [f"- {_when(c.at)} by {_names(t, c.members)}"
                  + (f": {inline(c.rationale)}" if c.rationale else "")
                  + (f" (next review by {_when(c.review_by)})" if c.review_by else "")
                  for c in d.confirmations]
    return lines


def _context(t: Trajectory, d: Decision) -> str:
    domain = t.domains.get(d.domain_id)
    text = (block(domain.description) if domain and domain.description else
            f"A decision about {inline(domain.name if domain else d.domain_id)}.")
    if d.origin is DecisionOrigin.IMPLICIT:
        text += (f"\n\nAn implicit decision, surfaced by {_names(t, [d.surfaced_by or ''])}"
                 f"; it probably holds since {_when(d.since)}.")
        if d.evidence:
            text += f" Evidence: {block(d.evidence)}"
        if d.ratified_at is not None:
            text += (f"\n\nRatified on {_when(d.ratified_at)} by "
                     f"{_names(t, d.ratified_by)}.")
    return text


def _informed(t: Trajectory, d: Decision) -> str:
    """The INFORMED rights then (as granted), and who of their holders was told."""
    moment = d.judged_at or d.decided_at or d.recorded_at
    phase_id = ph.phase_id_at(t.phase_starts, moment)
    rights = [r for r in t.rights.values()
              if r.domain_id == d.domain_id and r.kind is RightKind.INFORMED
              and r.in_force_at(moment) and r.holds_in(phase_id)]
    text = ", ".join(inline(_holder(t, r)) for r in rights) or "—"
    if d.judged_at is None or not rights:
        return text
    told = {m.member_id: m.informed_at for m in d.informed}
    states = [f"{inline(t.members[m].name)} told {_when(told[m])}" if m in told
              else f"{inline(t.members[m].name)} not yet told"
              for m in co.informed_holders(t, d)]
    return text + ("; " + ", ".join(states) if states else "")


def _not_consulted(t: Trajectory, d: Decision) -> str:
    names = [t.members[h.member_id].name if h.member_id is not None else f"role {h.role}"
             for h in co.not_consulted(t, d)]
    return ", ".join(map(inline, names)) or "—"


def _mandate(t: Trajectory, d: Decision) -> str:
    if t.is_within_mandate(d):
        return "yes"
    gap = t.mandate_gap(d)
    return "no" if gap is None else f"no ({gap.reason}: {inline(gap.text)})"


def _phase_of(t: Trajectory, d: Decision) -> str:
    phase_id = decision_phase_id(t, d)
    return "—" if phase_id is None else inline(t.phases[phase_id].name)


def _phases(t: Trajectory) -> str:
    lines = ["## Phases", "", "| Phase | Started | Current | Retired |",
             "| --- | --- | --- | --- |"]
    current = t.current_phase_id()
    for p in t.phases_in_order():
        starts = sorted(s.started_at for s in t.phase_starts if s.phase_id == p.id)
        retired = _when(p.retired_at) if p.retired_at else ""
        lines.append(f"| {inline(p.name)} | {', '.join(map(_when, starts)) or '—'} "
                     f"| {'yes' if p.id == current else ''} | {retired} |")
    return "\n".join(lines) + "\n"


def _matrix(t: Trajectory) -> str:
    lines = ["## Who decides what", "", "| Domain | Decides | Advises | Informed |",
             "| --- | --- | --- | --- |"]
    for row in t.who_decides_what():
        cells = [", ".join(inline(_holder(t, r)) for r in rights) or "—"
                 for rights in (row.decides, row.advises, row.informed)]
        lines.append(f"| {inline(row.domain.name)} | " + " | ".join(cells) + " |")
    gaps = t.gaps()
    lines += ["", "Gaps (nobody decides): "
              + (", ".join(inline(g.name) for g in gaps) or "none")]
    return "\n".join(lines) + "\n"


def _mandate_history(t: Trajectory, history: Iterable[ev.TrajectoryEvent]) -> str:
    lines = ["## Changes to who decides what", "",
             "| Version | Recorded | By | Change | Digest |", "| --- | --- | --- | --- | --- |"]
    for e in history:
        if isinstance(e, MANDATE_EVENTS):
            lines.append(f"| {e.originator_version} | {_when(e.timestamp)} "
                         f"| {inline(e.recorded_by)} | {inline(describe(e, t))} "
                         f"| `{e.digest[:12]}` |")
    return "\n".join(lines) + "\n"


def _holder(t: Trajectory, right: DecisionRight) -> str:
    if right.member_id is not None:
        member = t.members.get(right.member_id)
        holder = member.name if member else right.member_id
    else:
        holder = f"role {right.role}"
    when = [right.condition] if right.condition else []
    if right.phase_ids:
        when.append("in " + ", ".join(t.phases[p].name for p in right.phase_ids))
    return holder + (f" ({'; '.join(when)})" if when else "")


def _names(t: Trajectory, member_ids: Iterable[str]) -> str:
    names = [t.members[m].name if m in t.members else m for m in member_ids if m]
    return ", ".join(map(inline, names)) or "—"


def _links(t: Trajectory, decision_ids: Iterable[str], numbers: dict[str, int]) -> str:
    return ", ".join(f"[D{numbers[i]}. {inline(t.decisions[i].title)}]"
                     f"(#decision-{_anchor(i)})" for i in decision_ids if i in numbers)


def _anchor(decision_id: str) -> str:
    """A decision id as a fragment and attribute value (ids are made by the service,
    but nothing a person could write gets through here either)."""
    return "".join(c for c in decision_id if c.isascii() and (c.isalnum() or c in "-_"))


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "—"

