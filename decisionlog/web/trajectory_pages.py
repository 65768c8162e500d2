"""A trajectory's pages for reading: the board (with time travel), its decisions, one
decision with its own history, and the trajectory's history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from markupsafe import Markup
from starlette.responses import HTMLResponse

from decisionlog.domain import reviews
from decisionlog.domain.mandate import decision_phase_id
from decisionlog.domain.values import (
    DecisionOrigin,
    DecisionStatus,
    RightKind,
    TrajectoryStatus,
)
from decisionlog.web import board, forms_catalogue, looking_back, who_decides
from decisionlog.web.render import when
from decisionlog.web.site import PageNotFoundError, url
from decisionlog.web.timetravel import as_of

if TYPE_CHECKING:
    from starlette.responses import Response

    from decisionlog.domain.entities import Decision, DecisionRight
    from decisionlog.domain.events import TrajectoryEvent
    from decisionlog.domain.trajectory import Trajectory
    from decisionlog.web.site import Page

DECISIONS_PAGE = 50
HISTORY_PAGE = 50


def may_change(page: Page, trajectory: Trajectory) -> bool:
    """Whether the visitor may record changes to the trajectory now."""
    return (page.who.may_write(str(trajectory.id))
            and trajectory.status == TrajectoryStatus.ACTIVE)


async def board_page(page: Page) -> Response:
    trajectory_id = page.request.path_params["trajectory_id"]
    view = as_of(page)
    current = page.trajectory(trajectory_id)
    error = view.error
    if view.version is not None and view.version > current.version:
        error = f"The trajectory has {current.version} events; showing it now."
        view = replace(view, version=None, at=None, error=error)
    shown = current
    if view.travelling:
        found = page.site.log.get_trajectory(trajectory_id, version=view.version, at=view.at)
        if found is None:  # a moment before its start
            return page.render("board_before_start.html", trajectory=current, as_of=view,
                               tid=str(current.id))
        shown = found
    if view.phase is not None and view.phase not in shown.phases:
        error = " ".join(filter(None, (error, "The phase asked for is not one of this "
                                       "trajectory's (as known then): showing the phase "
                                       "current then.")))
        view = replace(view, phase=None, error=error)
    changes = may_change(page, current) and not view.travelling
    # Everything below the site's header depends only on these: kept while they hold.
    key = ("board", str(current.id), current.version, current.head_digest, shown.version,
           tuple(sorted(view.params().items())), error, changes,
           looking_back.due_count(shown, page.site.derived))  # due by the clock
    visit = page.visit_key
    whole_key = None if visit is None else ("board page", visit, key)
    if whole_key is not None and (whole := page.site.fragments.get(whole_key)) is not None:
        return HTMLResponse(whole)
    main = page.site.fragments.get(key)
    if main is None:
        main = page.fragment(
            "board_main.html", trajectory=shown, current=current, as_of=view, error=error,
            clear_in_force_url=url(f"/trajectories/{current.id}",
                                   **view.without("in_force_at")),
            sections=board.sections(board.board_state(shown, view, page.site.derived)),
            tid=str(current.id),
            may_change=changes,
            actions=forms_catalogue.trajectory_actions(current) if changes else [])
        page.site.fragments.put(key, main)
    html = page.render_html("board.html", trajectory=shown, main=Markup(main))
    if whole_key is not None:
        page.site.fragments.put(whole_key, html)
    return HTMLResponse(html)


async def decisions_page(page: Page) -> Response:
    """Every decision of the trajectory, newest first, filtered by status, domain, the
    phase it was taken in and whether someone who had to be heard was not."""
    trajectory = page.trajectory(page.request.path_params["trajectory_id"])
    state = board.board_state(trajectory, as_of(page), page.site.derived)
    status_text = page.query("status").upper()
    status = DecisionStatus(status_text) if status_text in DecisionStatus.__members__ else None
    domain_id = page.query("domain") or None
    phase_id = page.query("phase") if page.query("phase") in trajectory.phases else None
    not_heard = page.query("heard") == "no"
    gap_ids = state.consultation_gap_ids() if not_heard else frozenset()
    chosen = [d for d in reversed(trajectory.decisions.values())
              if (status is None or d.status is status)
              and (domain_id is None or d.domain_id == domain_id)
              and (not not_heard or d.id in gap_ids)
              and (phase_id is None or decision_phase_id(trajectory, d) == phase_id)]
    number = page.query("page")
    current = int(number) if number.isdigit() and 0 < int(number) < 10**6 else 1
    start = (current - 1) * DECISIONS_PAGE
    rows = chosen[start:start + DECISIONS_PAGE]
    base = f"/trajectories/{trajectory.id}/decisions"
    filters = {"status": status_text.lower() if status else "", "domain": domain_id or "",
               "phase": phase_id or "", "heard": "no" if not_heard else ""}
    return page.render(
        "decisions.html", trajectory=trajectory, tid=str(trajectory.id), rows=rows,
        total=len(chosen), status=status, domain_id=domain_id, statuses=list(DecisionStatus),
        phase_id=phase_id, not_heard=not_heard, out_of_mandate=state.out_of_mandate,
        phases={d.id: who_decides.phase_of(trajectory, d) for d in rows},
        skipped=state.consultation_gap_ids(),
        previous_url=url(base, **filters, page=current - 1) if current > 1 else None,
        next_url=url(base, **filters, page=current + 1)
        if start + DECISIONS_PAGE < len(chosen) else None)


@dataclass(frozen=True)
class MandateJudgement:
    """Whether a decision was taken within someone's mandate, why, and the rights to
    decide on its domain over time (so a reader sees what the judgement rests on)."""

    within: bool | None  # None: nobody has decided it yet (surfaced, or rejected)
    reason: str
    rights: list[str]


def judgement(trajectory: Trajectory, decision: Decision) -> MandateJudgement:
    domain = trajectory.domains[decision.domain_id].name
    rights = [_right_in_words(trajectory, r) for r in trajectory.rights.values()
              if r.domain_id == decision.domain_id and r.kind is RightKind.DECIDES]
    if decision.origin is DecisionOrigin.IMPLICIT and decision.ratified_at is None:
        return MandateJudgement(None, "Not judged yet: nobody has ratified it.", rights)
    implicit = decision.origin is DecisionOrigin.IMPLICIT
    when_done = "ratified" if implicit else "decided"
    people = "ratifiers" if implicit else "deciders"
    moment = decision.ratified_at if implicit else decision.decided_at
    phase = who_decides.phase_of(trajectory, decision)
    in_phase = f", in {phase.name}" if phase is not None else (
        ", before any phase started" if trajectory.phases else "")
    within = trajectory.is_within_mandate(decision)
    held = "one of its" if within else "none of its"
    return MandateJudgement(within, f"When it was {when_done} ({when(moment)}{in_phase}), "
                                    f"{held} {people} held a right to decide on {domain}.",
                            rights)


def _right_in_words(trajectory: Trajectory, right: DecisionRight) -> str:
    holder = (trajectory.members[right.member_id].name if right.member_id is not None
              else f"every {right.role}")
    text = f"{holder}, from {when(right.effective_from)}"
    if right.ended_at is not None:
        text += f" until {when(right.ended_at)}"
    if right.phase_ids:
        text += ", only in " + ", ".join(trajectory.phases[p].name for p in right.phase_ids)
    return text + (f" ({right.condition})" if right.condition else "")


def heard_and_told(trajectory: Trajectory, decision: Decision) -> who_decides.Judged:
    """The decision's phase, why it is out of mandate, who had to be heard and was not,
    and who had to be told and is not marked told."""
    return who_decides.Judged(
        decision, who_decides.phase_of(trajectory, decision),
        trajectory.mandate_gap(decision),
        who_decides.holder_names(trajectory, trajectory.not_consulted(decision)),
        tuple(trajectory.members[m].name for m in trajectory.to_inform(decision)))


async def decision_page(page: Page) -> Response:
    trajectory = page.trajectory(page.request.path_params["trajectory_id"])
    decision = trajectory.decisions.get(page.request.path_params["decision_id"])
    if decision is None:
        raise PageNotFoundError("This trajectory has no decision with that id.")
    reasons = [reviews.describe_reason(trajectory, decision, r)
               for r in decision.review_reasons] if reviews.up_for_review(decision) else []
    return page.render(
        "decision.html", trajectory=trajectory, tid=str(trajectory.id), decision=decision,
        judgement=judgement(trajectory, decision), review_reasons=reasons,
        judged=heard_and_told(trajectory, decision),
        framed=reviews.framed(trajectory, decision.id),
        due=reviews.is_due(decision, datetime.now(UTC)),
        events=decision_events(page, trajectory, decision),
        may_change=may_change(page, trajectory),
        actions=forms_catalogue.decision_actions(decision))


def decision_events(page: Page, trajectory: Trajectory, decision: Decision
                    ) -> list[TrajectoryEvent]:
    """The events that made and changed the decision, oldest first.

    They all lie between its recording and the last moment something happened to it, so
    only that stretch of the history is read (by recording time, found by bisection).
    """
    log = page.site.log
    moments = [decision.recorded_at, decision.ratified_at, decision.closed_at] + [
        trajectory.decisions[i].recorded_at for i in decision.superseded_by] + [
        mark.recorded_at for mark in decision.informed]
    last = max(m for m in moments if m is not None)
    start = log.version_at(trajectory.id, decision.recorded_at - timedelta(microseconds=1))
    end = min(log.version_at(trajectory.id, last), trajectory.version)
    if decision.within_frames or decision.review_by or decision.outcomes \
            or decision.confirmations:  # reviewed, moved or looked back at since
        end = trajectory.version
    return [e for e in log.history(trajectory.id, after=start, up_to=end)
            if getattr(e, "decision_id", None) == decision.id
            or decision.id in getattr(e, "supersedes", ())
            or any(x["decision_id"] == decision.id for x in getattr(e, "up_for_review", ()))]


async def history_page(page: Page) -> Response:
    """The trajectory's events, oldest first, a page at a time."""
    trajectory = page.trajectory(page.request.path_params["trajectory_id"])
    text = page.query("after")
    after = int(text) if text.isdigit() and len(text) < 10 else 0
    events = list(page.site.log.history(trajectory.id, after=after, limit=HISTORY_PAGE))
    base = f"/trajectories/{trajectory.id}/history"
    last = events[-1].originator_version if events else after
    return page.render(
        "history.html", trajectory=trajectory, tid=str(trajectory.id), events=events,
        first_url=base if after else None,
        next_url=url(base, after=last) if last < trajectory.version else None)
