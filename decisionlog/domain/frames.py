"""Frames and looking back: the commands of the `Trajectory` aggregate that link decisions
to the frames bounding them, reconfirm decisions up for review, set review dates and
record outcomes; and the checks `record_decision` and its kin share for them.

A *frame* (lange lijnen en kaders) is a decision of kind FRAME that bounds later ones:
"freedom within bounds". A decision names the frames in force it lies within; when a
frame is superseded or withdrawn, every open decision within it (directly, or through
frames within frames) is up for review (`decisionlog.domain.reviews`). These methods are
the aggregate's own (mixed into `Trajectory`, whose state they use): each checks first,
then triggers exactly one event (`decisionlog.domain.review_events`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from decisionlog.domain import errors, review_events, reviews
from decisionlog.domain.bitemporal import in_force_since
from decisionlog.domain.event_base import TrajectoryEvent
from decisionlog.domain.validation import (
    aware,
    enum_value,
    id_list,
    identifier,
    moment,
    optional_text,
    required_text,
)
from decisionlog.domain.values import MAX_NOTE_LENGTH, MAX_TEXT_LENGTH, Provenance, Verdict

if TYPE_CHECKING:
    from decisionlog.domain.entities import Decision
    from decisionlog.domain.trajectory import Trajectory


class FramesAndReviews:
    """The commands of frames and reviews (a mixin of `Trajectory`: its methods take
    `self: Trajectory`, see the mypy override in pyproject.toml)."""

    def reframe_decision(self: Trajectory, *, decision_id: str, from_frame_id: str,
            to_frame_id: str, reframed_by: Iterable[str], reason: str | None,
            provenance: Provenance, now: datetime | None = None
    ) -> str:
        """Replace a decision's link to one frame (changed, typically) with a link to
        another frame in force: the reasons for review that came through it close."""
        self._check_open()
        decision = self._decision(decision_id).check_in_force("be reframed")
        old = identifier("fromFrameId", from_frame_id, "frame")
        if old not in decision.within_frames:
            raise errors.NotWithinFrameError(decision.id, old)
        if identifier("toFrameId", to_frame_id, "frame") == old:
            raise errors.ValidationError("toFrameId", "toFrameId must differ from fromFrameId.")
        (new,) = self._frames("toFrameId", [to_frame_id], decision_id=decision.id)
        members = self._active_members("reframedBy", reframed_by, required=True)
        self._trigger(
            review_events.DecisionReframed, provenance, now,
            decision_id=decision.id, from_frame_id=old, to_frame_id=new, members=members,
            reason=optional_text("reason", reason, MAX_NOTE_LENGTH),
        )
        return decision.id

    def confirm_decision(self: Trajectory, *, decision_id: str, confirmed_by: Iterable[str],
            rationale: str | None, provenance: Provenance, review_by: datetime | None = None,
            now: datetime | None = None
    ) -> str:
        """Reconfirm a decision up for review, or past its review date: it stands as it
        is. Its reasons for review close; `review_by` is the next review date, if any."""
        self._check_open()
        now = now or TrajectoryEvent.create_timestamp()
        decision = self._decision(decision_id)
        if not (reviews.up_for_review(decision) or reviews.is_due(decision, now)):
            raise errors.NotUpForReviewError(decision.id, decision.status.value)
        members = self._active_members("confirmedBy", confirmed_by, required=True)
        next_review = aware("reviewBy", review_by)
        if next_review is not None and next_review <= now:
            raise errors.ValidationError(
                "reviewBy", "reviewBy, the next review date, must lie after this one.")
        self._trigger(
            review_events.DecisionConfirmed, provenance, now,
            decision_id=decision.id, members=members,
            rationale=optional_text("rationale", rationale, MAX_TEXT_LENGTH),
            review_by=next_review,
        )
        return decision.id

    def schedule_review(self: Trajectory, *, decision_id: str, review_by: datetime,
            provenance: Provenance, now: datetime | None = None
    ) -> str:
        """Set or move the date by which a decision in force is to be looked at again."""
        self._check_open()
        decision = self._decision(decision_id).check_in_force("have a review date")
        when = self._review_date(decision_start(decision), review_by)
        if when is None:
            raise errors.ValidationError("reviewBy", "reviewBy must be a date-time.")
        self._trigger(review_events.ReviewScheduled, provenance, now,
                      decision_id=decision.id, review_by=when)
        return decision.id

    def record_outcome(self: Trajectory, *, decision_id: str, outcome: str,
            verdict: Verdict | str, provenance: Provenance,
            observed_at: datetime | None = None, observed_by: Iterable[str] | None = None,
            now: datetime | None = None
    ) -> str:
        """Record what was observed after a decision, with a verdict; ADJUST or REVERSE
        puts a decision in force up for review. Returns the outcome's id."""
        self._check_open()
        now = now or TrajectoryEvent.create_timestamp()
        text = required_text("outcome", outcome, MAX_TEXT_LENGTH)
        kind = enum_value("verdict", Verdict, verdict)
        seen = moment("observedAt", observed_at, now=now) or now
        decision = self._decision(decision_id).check_observable()
        began = decision_start(decision)
        if began is not None and seen < began:
            raise errors.ValidationError(
                "observedAt", "observedAt must not lie before the decision took force.")
        observers = self._active_members("observedBy", observed_by, required=False)
        outcome_id = str(uuid4())
        self._trigger(
            review_events.OutcomeRecorded, provenance, now,
            outcome_id=outcome_id, decision_id=decision.id, observed_at=seen, outcome=text,
            verdict=kind, observed_by=observers,
        )
        return outcome_id

    # Checks shared with recording, surfacing, ratifying and withdrawing decisions

    def _framing(self: Trajectory, within_frames: Iterable[str] | None, *,
                 review_by: datetime | None, decided_at: datetime | None,
                 superseded: Iterable[str] = ()) -> dict[str, Any]:
        """The frame and review fields of a decision about to be recorded (or surfaced):
        the frames it lies within, its review date, and what the decisions it supersedes
        put up for review."""
        superseded = list(superseded)
        fields: dict[str, Any] = {
            "within_frames": self._frames("withinFrames", within_frames,
                                          superseding=superseded),
            "review_by": self._review_date(decided_at, review_by),
        }
        if superseded:
            fields["up_for_review"] = reviews.frame_change_reach(self, superseded)
        return fields

    def _frames(self: Trajectory, field: str, ids: Iterable[str] | None, *,
                decision_id: str | None = None, superseding: Iterable[str] = ()
                ) -> list[str]:
        """The ids of frames in force that a decision (a new one, or `decision_id`) may
        lie within: not itself, not a frame it supersedes, none within it."""
        frame_ids = id_list(field, ids, required=False, noun="frame")
        for frame_id in frame_ids:
            frame = self._decision(frame_id, field)
            if frame.id == decision_id:
                raise errors.WithinItselfError(frame.id)
            if frame.id in superseding:
                raise errors.FrameNotInForceError(frame.id, frame.title,
                                                  "superseded by this very decision")
            frame.check_frame()
            if decision_id is not None and reviews.lies_within(self, frame.id, decision_id):
                raise errors.FrameCycleError(decision_id, frame.id)
        return frame_ids

    @staticmethod
    def _review_date(start: datetime | None, review_by: datetime | None) -> datetime | None:
        """A review date, not before the decision was taken (`start`, when known)."""
        when = aware("reviewBy", review_by)
        if when is not None and start is not None and when < start:
            raise errors.ValidationError(
                "reviewBy", "reviewBy must not lie before the decision was taken (decidedAt).")
        return when


def decision_start(decision: Decision) -> datetime | None:
    """When the decision took force, or was decided; None if nobody knows."""
    return in_force_since(decision) or decision.decided_at
