"""The forms of frames and looking back: reconfirm a decision up for review, move it to
another frame, set its review date, record an outcome; and the fields that name frames
and review dates on the forms of decisions (`forms_catalogue.py` puts them in `FORMS`).

Choices come from the trajectory's state, as in `forms_catalogue.py`; what is due for
review is asked of the clock when the form is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from decisionlog.application import commands as c
from decisionlog.domain import reviews
from decisionlog.domain.values import DecisionKind, DecisionStatus, Verdict
from decisionlog.web.forms import Choice, Done, Field, FormSpec
from decisionlog.web.render import label

if TYPE_CHECKING:
    from decisionlog.application.requests import CommandResult
    from decisionlog.domain.entities import Decision
    from decisionlog.domain.trajectory import Trajectory

LOOKING_BACK = "Looking back"


def _choice(t: Trajectory, d: Decision) -> Choice:
    return Choice(d.id, d.title, f"{t.domains[d.domain_id].name} · {label(d.status)}")


def frames_in_force(t: Trajectory) -> list[Choice]:
    return [_choice(t, d) for d in reversed(t.decisions.values())
            if d.kind is DecisionKind.FRAME and d.status is DecisionStatus.IN_FORCE]


def linked_frames(t: Trajectory) -> list[Choice]:
    """Every frame a decision in force lies within (changed ones too)."""
    ids = {f for d in t.decisions.values() if d.status is DecisionStatus.IN_FORCE
           for f in d.within_frames}
    return [_choice(t, d) for d in reversed(t.decisions.values()) if d.id in ids]


def framed_in_force(t: Trajectory) -> list[Choice]:
    return [_choice(t, d) for d in reversed(t.decisions.values())
            if d.status is DecisionStatus.IN_FORCE and d.within_frames]


def to_reconfirm(t: Trajectory) -> list[Choice]:
    """Decisions up for review, or past their review date now."""
    now = datetime.now(UTC)
    return [_choice(t, d) for d in reversed(t.decisions.values())
            if reviews.up_for_review(d) or reviews.is_due(d, now)]


def in_force(t: Trajectory) -> list[Choice]:
    return [_choice(t, d) for d in reversed(t.decisions.values())
            if d.status is DecisionStatus.IN_FORCE]


def observable(t: Trajectory) -> list[Choice]:
    return [_choice(t, d) for d in reversed(t.decisions.values())
            if d.status not in (DecisionStatus.WITHDRAWN, DecisionStatus.REJECTED)]


def members(t: Trajectory) -> list[Choice]:
    return [Choice(m.id, m.name, m.role) for m in t.members.values() if m.active]


VERDICTS = [Choice(v.value, label(v), hint) for v, hint in (
    (Verdict.CONFIRMED, "it holds"), (Verdict.ADJUST, "it needs adjusting: up for review"),
    (Verdict.REVERSE, "it should be reversed: up for review"))]

# Fields the forms of decisions gain
WITHIN_FRAMES = Field("within_frames", "Within frames", "checkboxes", choices=frames_in_force,
                      hint="The long lines and frames in force that bound it.")
REVIEW_BY = Field("review_by", "Review by (UTC)", "datetime",
                  hint="Optional: when to look at it again.")


def _has(choices: Callable[[Trajectory], list[Choice]]) -> Callable[[Trajectory], bool]:
    return lambda t: bool(choices(t))


def _decision(verb: str) -> Callable[[Trajectory, CommandResult], Done]:
    def done(t: Trajectory, r: CommandResult) -> Done:
        d = t.decisions[r.result_id or ""]
        return Done(f"/trajectories/{t.id}/decisions/{d.id}", f"{verb}: {d.title}")
    return done


def _outcome_done(t: Trajectory, r: CommandResult) -> Done:
    d = next(d for d in t.decisions.values() for o in d.outcomes if o.id == r.result_id)
    return Done(f"/trajectories/{t.id}/decisions/{d.id}#looking-back",
                f"Outcome recorded: {d.title}")


REVIEW_FORMS = (
    FormSpec(
        "confirm-decision", "Reconfirm a decision", "Reconfirm", c.ConfirmDecision,
        intro="The team looked at a decision up for review (or past its review date) "
              "again, and lets it stand as it is: it leaves the review queue.",
        group=LOOKING_BACK, available=_has(to_reconfirm),
        fields=(
            Field("decision_id", "Decision", "select", required=True, choices=to_reconfirm,
                  blank="Choose a decision up for review…"),
            Field("confirmed_by", "Reconfirmed by", "checkboxes", required=True,
                  choices=members),
            Field("rationale", "Why it stands", "textarea"),
            Field("review_by", "Next review by (UTC)", "datetime",
                  hint="Optional: when to look at it again."),
        ),
        done=_decision("Reconfirmed")),
    FormSpec(
        "reframe-decision", "Move a decision to another frame", "Move it",
        c.ReframeDecision, group=LOOKING_BACK, available=_has(framed_in_force),
        intro="After a redesign, a decision that still holds lies within the new frame "
              "instead of the old one: the reasons for review that came through the old "
              "one close.",
        fields=(
            Field("decision_id", "Decision", "select", required=True,
                  choices=framed_in_force, blank="Choose a decision within a frame…"),
            Field("from_frame_id", "From the frame", "select", required=True,
                  choices=linked_frames, blank="The frame it lies within now…"),
            Field("to_frame_id", "To the frame", "select", required=True,
                  choices=frames_in_force, blank="A frame in force…"),
            Field("reframed_by", "Decided by", "checkboxes", required=True, choices=members),
            Field("reason", "Reason", "textarea", hint="Optional: kept in the history."),
        ),
        done=_decision("Moved")),
    FormSpec(
        "schedule-review", "Set a review date", "Set the date", c.ScheduleReview,
        group=LOOKING_BACK, available=_has(in_force),
        intro="When the team will look at a decision in force again. It shows as due "
              "for review from that moment.",
        fields=(
            Field("decision_id", "Decision", "select", required=True, choices=in_force,
                  blank="Choose a decision…"),
            Field("review_by", "Review by (UTC)", "datetime", required=True),
        ),
        done=_decision("Review date set")),
    FormSpec(
        "record-outcome", "Record an outcome", "Record the outcome", c.RecordOutcome,
        group=LOOKING_BACK, available=_has(observable),
        intro="What happened after a decision, and what it says of it. The decision "
              "itself is not changed; a verdict to adjust or reverse it puts it up for "
              "review.",
        fields=(
            Field("decision_id", "Decision", "select", required=True, choices=observable,
                  blank="Choose a decision…"),
            Field("outcome", "What happened", "textarea", required=True),
            Field("verdict", "Verdict", "radio", required=True, choices=VERDICTS,
                  enum=Verdict),
            Field("observed_at", "Observed on (UTC)", "datetime",
                  hint="Leave empty for now."),
            Field("observed_by", "Observed by", "checkboxes", choices=members),
        ),
        done=_outcome_done),
)
