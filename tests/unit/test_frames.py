"""Frames and looking back, on the `Trajectory` aggregate: one test per rule.

Decisions lie within frames; a frame superseded or withdrawn puts what lies within it
(directly, or through frames within frames) up for review; reconfirming, reframing,
superseding or withdrawing takes a decision off the queue; review dates fall due by the
clock; outcomes never change the decision, and ADJUST or REVERSE puts it up for review.
Every refused command raises its named error and leaves the aggregate as it was.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from decisionlog.domain import chain, reviews
from decisionlog.domain.errors import (
    DecisionNotFoundError,
    DecisionNotInForceError,
    FrameCycleError,
    FrameNotInForceError,
    MemberNotActiveError,
    NotAFrameError,
    NotUpForReviewError,
    NotWithinFrameError,
    OutcomeOnClosedDecisionError,
    TrajectoryClosedError,
    ValidationError,
    WithinItselfError,
)
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import DecisionStatus, ReviewReasonKind, Verdict
from tests.unit.helpers import replay
from tests.unit.test_trajectory import (
    BY,
    T0,
    UNKNOWN,
    add_member,
    decide,
    define_domain,
    ratify,
    refused,
    reject,
    remove,
    surface,
    tick,
    withdraw,
)


class Frames:
    """The merger: long lines (a frame), within them the unity frame, within that a
    sub-frame, and decisions within each."""

    def __init__(self) -> None:
        self.t = Trajectory.start(name="Merger", client=None, description=None,
                                  provenance=BY, now=T0)
        self.ines = add_member(self.t, "Ines", "client sponsor")
        self.sara = add_member(self.t, "Sara", "programme manager", side="PROVIDER")
        self.design = define_domain(self.t, "Programme design")
        self.lines = self.frame("Long lines")
        self.unity = self.frame("Unity in the frame", within=[self.lines])
        self.groups = self.frame("Mixed groups", within=[self.unity])
        self.language = self.decision("One leadership language", within=[self.unity])
        self.eight = self.decision("Groups of eight", within=[self.groups])
        self.band = self.decision("A Gideon's band", within=[self.lines])

    def frame(self, title: str, **kwargs: Any) -> str:
        return self.decision(title, kind="FRAME", **kwargs)

    def decision(self, title: str, *, within: list[str] | None = None, **kwargs: Any) -> str:
        return decide(self.t, self.design, [self.ines], title=title, within_frames=within,
                      **kwargs)

    def queue(self) -> dict[str, list[tuple[ReviewReasonKind, str | None, str | None]]]:
        """title -> [(kind, frame title, through title)] of the review queue."""
        title = {d.id: d.title for d in self.t.decisions.values()}
        return {item.decision.title: [(r.kind, title.get(r.frame_id or ""),
                                       title.get(r.through_id or ""))
                                      for r in item.reasons]
                for item in reviews.review_queue(self.t)}

    def supersede_unity(self) -> str:
        return self.frame("More unity after module one", within=[self.lines],
                          supersedes=[self.unity])

    def confirm(self, decision_id: str, **kwargs: Any) -> str:
        kwargs.setdefault("now", tick(self.t))
        return self.t.confirm_decision(decision_id=decision_id, confirmed_by=[self.sara],
                                       rationale="Still right.", provenance=BY, **kwargs)

    def reframe(self, decision_id: str, old: str, new: str) -> str:
        return self.t.reframe_decision(decision_id=decision_id, from_frame_id=old,
                                       to_frame_id=new, reframed_by=[self.ines],
                                       reason=None, provenance=BY, now=tick(self.t))

    def outcome(self, decision_id: str, verdict: str = "ADJUST", **kwargs: Any) -> str:
        kwargs.setdefault("now", tick(self.t))
        return self.t.record_outcome(decision_id=decision_id, outcome="Groups split.",
                                     verdict=verdict, provenance=BY, **kwargs)

    def schedule(self, decision_id: str, review_by: datetime) -> str:
        return self.t.schedule_review(decision_id=decision_id, review_by=review_by,
                                      provenance=BY, now=tick(self.t))


# Decisions within frames


def test_a_decision_lies_within_the_frames_it_names() -> None:
    f = Frames()
    assert f.t.decisions[f.groups].within_frames == [f.unity]
    assert [d.title for d in reviews.framed(f.t, f.unity)] == [
        "Mixed groups", "One leadership language"]
    assert [d.title for d in reviews.framed(f.t, f.unity, transitive=True)] == [
        "Mixed groups", "One leadership language", "Groups of eight"]
    assert reviews.review_queue(f.t) == []


def test_within_frames_names_a_frame() -> None:
    f = Frames()
    with refused(f.t, NotAFrameError, "NOT_A_FRAME"):
        f.decision("Within a decision", within=[f.language])


def test_within_frames_names_a_frame_in_force() -> None:
    f = Frames()
    f.supersede_unity()
    with refused(f.t, FrameNotInForceError, "FRAME_NOT_IN_FORCE"):
        f.decision("Within the old frame", within=[f.unity])
    old = f.frame("Old frame")
    withdraw(f.t, old, [f.ines])
    with refused(f.t, FrameNotInForceError, "FRAME_NOT_IN_FORCE"):
        f.decision("Within a withdrawn frame", within=[old])


def test_a_surfaced_frame_bounds_nothing_until_ratified() -> None:
    f = Frames()
    proposed = surface(f.t, f.design, f.sara, kind="FRAME")
    with refused(f.t, FrameNotInForceError, "FRAME_NOT_IN_FORCE"):
        f.decision("Within a surfaced frame", within=[proposed])
    ratify(f.t, proposed, [f.ines])
    f.decision("Within it now", within=[proposed])


def test_within_frames_names_a_decision_of_this_trajectory() -> None:
    f = Frames()
    with refused(f.t, DecisionNotFoundError, "NOT_FOUND"):
        f.decision("Within another trajectory's frame", within=[UNKNOWN])


def test_within_frames_names_each_frame_once() -> None:
    f = Frames()
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="withinFrames"):
        f.decision("Twice", within=[f.lines, f.lines])


def test_a_decision_cannot_lie_within_a_frame_it_supersedes() -> None:
    f = Frames()
    with refused(f.t, FrameNotInForceError, "FRAME_NOT_IN_FORCE"):
        f.frame("Replacement", within=[f.unity], supersedes=[f.unity])


def test_a_surfaced_decision_names_its_frames_too() -> None:
    f = Frames()
    intake = surface(f.t, f.design, f.sara, within_frames=[f.unity])
    assert f.t.decisions[intake].within_frames == [f.unity]
    with refused(f.t, NotAFrameError, "NOT_A_FRAME"):
        surface(f.t, f.design, f.sara, within_frames=[f.band])


# A changed frame puts what lies within it up for review


def test_superseding_a_frame_puts_exactly_what_lies_within_it_up_for_review() -> None:
    f = Frames()
    new = f.supersede_unity()
    changed = ReviewReasonKind.FRAME_SUPERSEDED
    assert f.queue() == {
        "Mixed groups": [(changed, "Unity in the frame", "Unity in the frame")],
        "One leadership language": [(changed, "Unity in the frame", "Unity in the frame")],
        "Groups of eight": [(changed, "Unity in the frame", "Mixed groups")],
    }
    [item] = [i for i in reviews.review_queue(f.t) if i.decision.id == f.eight]
    assert item.reasons[0].cause_id == new
    assert item.reasons[0].version == f.t.version
    assert "A Gideon's band" not in f.queue() and "Long lines" not in f.queue()


def test_withdrawing_a_frame_puts_what_lies_within_it_up_for_review() -> None:
    f = Frames()
    withdraw(f.t, f.groups, [f.ines])
    assert f.queue() == {"Groups of eight": [
        (ReviewReasonKind.FRAME_WITHDRAWN, "Mixed groups", "Mixed groups")]}
    assert reviews.review_queue(f.t)[0].reasons[0].cause_id is None


def test_a_decision_reached_by_two_links_has_a_reason_for_each() -> None:
    f = Frames()
    both = f.decision("Within both", within=[f.unity, f.groups])
    f.supersede_unity()
    assert [(r.frame_id, r.through_id) for r in f.t.decisions[both].review_reasons] == [
        (f.unity, f.unity), (f.unity, f.groups)]


def test_closed_decisions_within_a_changed_frame_are_left_alone() -> None:
    f = Frames()
    withdraw(f.t, f.language, [f.ines])
    f.supersede_unity()
    assert "One leadership language" not in f.queue()
    assert f.t.decisions[f.language].review_reasons == []


def test_a_surfaced_decision_within_a_changed_frame_joins_the_queue_when_ratified() -> None:
    f = Frames()
    intake = surface(f.t, f.design, f.sara, title="Intake form", within_frames=[f.unity])
    f.supersede_unity()
    assert "Intake form" not in f.queue()  # not in force: nothing to review yet
    ratify(f.t, intake, [f.ines])
    assert "Intake form" in f.queue()


def test_a_rejected_surfaced_decision_leaves_its_reasons_behind() -> None:
    f = Frames()
    intake = surface(f.t, f.design, f.sara, within_frames=[f.unity])
    f.supersede_unity()
    reject(f.t, intake, [f.ines])
    assert f.t.decisions[intake].review_reasons == []


def test_the_new_frame_is_not_put_up_for_review_by_its_own_change() -> None:
    f = Frames()
    new = f.frame("New unity, within the groups", within=[f.groups], supersedes=[f.unity])
    assert not reviews.up_for_review(f.t.decisions[new])
    assert "Mixed groups" in f.queue()


def test_superseding_an_ordinary_decision_puts_nothing_up_for_review() -> None:
    f = Frames()
    f.decision("Another language", supersedes=[f.language])
    assert f.queue() == {}


# Leaving the queue


def test_reconfirming_takes_a_decision_off_the_queue_and_keeps_who_and_why() -> None:
    f = Frames()
    f.supersede_unity()
    f.confirm(f.eight)
    decision = f.t.decisions[f.eight]
    assert "Groups of eight" not in f.queue() and decision.review_reasons == []
    [confirmation] = decision.confirmations
    assert (confirmation.members, confirmation.rationale, confirmation.reasons_closed) == (
        [f.sara], "Still right.", 1)
    assert confirmation.at == f.t.modified_on
    assert decision.status is DecisionStatus.IN_FORCE and decision.within_frames == [f.groups]


def test_reconfirming_a_decision_not_up_for_review_is_refused() -> None:
    f = Frames()
    with refused(f.t, NotUpForReviewError, "DECISION_NOT_UP_FOR_REVIEW"):
        f.confirm(f.eight)
    f.supersede_unity()
    with refused(f.t, NotUpForReviewError, "DECISION_NOT_UP_FOR_REVIEW"):
        f.confirm(f.unity)  # superseded: off the queue for good
    with refused(f.t, NotUpForReviewError, "DECISION_NOT_UP_FOR_REVIEW"):
        f.confirm(f.band)


def test_reconfirming_needs_active_members() -> None:
    f = Frames()
    f.supersede_unity()
    remove(f.t, f.sara)
    with refused(f.t, MemberNotActiveError, "MEMBER_NOT_ACTIVE"):
        f.confirm(f.eight)
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="confirmedBy"):
        f.t.confirm_decision(decision_id=f.eight, confirmed_by=[], rationale=None,
                             provenance=BY, now=tick(f.t))


def test_reframing_replaces_the_link_and_closes_the_reasons_that_came_through_it() -> None:
    f = Frames()
    new = f.supersede_unity()
    f.reframe(f.groups, f.unity, new)
    assert f.t.decisions[f.groups].within_frames == [new]
    assert "Mixed groups" not in f.queue()
    assert "Groups of eight" in f.queue()  # within the groups: reconfirmed on its own


def test_reframing_keeps_the_reasons_of_other_links() -> None:
    f = Frames()
    both = f.decision("Within both", within=[f.unity, f.groups])
    new = f.supersede_unity()
    f.reframe(both, f.unity, new)
    assert [(r.through_id) for r in f.t.decisions[both].review_reasons] == [f.groups]


def test_reframing_refuses_a_link_it_does_not_have_and_bad_new_frames() -> None:
    f = Frames()
    new = f.supersede_unity()
    with refused(f.t, NotWithinFrameError, "NOT_WITHIN_FRAME"):
        f.reframe(f.groups, f.lines, new)
    with refused(f.t, NotAFrameError, "NOT_A_FRAME"):
        f.reframe(f.groups, f.unity, f.band)
    with refused(f.t, WithinItselfError, "WITHIN_ITSELF"):
        f.reframe(f.groups, f.unity, f.groups)
    below = f.frame("Below the groups", within=[f.groups])
    with refused(f.t, FrameCycleError, "FRAME_CYCLE"):
        f.reframe(f.groups, f.unity, below)
    with refused(f.t, DecisionNotFoundError, "NOT_FOUND"):
        f.reframe(f.groups, f.unity, UNKNOWN)
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="toFrameId"):
        f.reframe(f.band, f.lines, f.lines)
    with refused(f.t, DecisionNotInForceError, "DECISION_NOT_IN_FORCE"):
        f.reframe(f.unity, f.lines, new)  # the superseded frame itself


def test_a_cycle_through_several_frames_is_refused() -> None:
    f = Frames()
    with refused(f.t, FrameCycleError, "FRAME_CYCLE"):  # the groups lie within unity
        f.reframe(f.unity, f.lines, f.groups)
    deeper = f.frame("Deeper", within=[f.groups])
    with refused(f.t, FrameCycleError, "FRAME_CYCLE"):  # two levels down
        f.reframe(f.unity, f.lines, deeper)


def test_superseding_or_withdrawing_takes_a_decision_off_the_queue() -> None:
    f = Frames()
    f.supersede_unity()
    f.decision("Groups of six", supersedes=[f.eight])
    withdraw(f.t, f.language, [f.ines])
    assert set(f.queue()) == {"Mixed groups"}
    assert f.t.decisions[f.eight].review_reasons == []


# Review dates


def test_review_by_is_kept_and_falls_due_by_the_clock() -> None:
    f = Frames()
    due = tick(f.t, 60 * 24 * 30)
    checked = f.decision("Check the rhythm", review_by=due)
    decision = f.t.decisions[checked]
    assert decision.review_by == due
    assert reviews.due_for_review(f.t, due) == []  # `before` is exclusive
    assert reviews.due_for_review(f.t, due + timedelta(seconds=1)) == [decision]
    assert not reviews.is_due(decision, due - timedelta(seconds=1))
    assert reviews.is_due(decision, due)


def test_review_by_must_not_lie_before_the_decision_was_taken() -> None:
    f = Frames()
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="reviewBy"):
        f.decision("Backwards", decided_at=T0, review_by=T0 - timedelta(days=1))
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="reviewBy"):
        f.decision("Naive", review_by=datetime(2030, 1, 1))
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="reviewBy"):
        f.schedule(f.band, T0 - timedelta(days=1))


def test_scheduling_sets_or_moves_the_review_date_of_a_decision_in_force() -> None:
    f = Frames()
    f.schedule(f.band, T0 + timedelta(days=90))
    f.schedule(f.band, T0 + timedelta(days=120))
    assert f.t.decisions[f.band].review_by == T0 + timedelta(days=120)
    f.supersede_unity()
    with refused(f.t, DecisionNotInForceError, "DECISION_NOT_IN_FORCE"):
        f.schedule(f.unity, T0 + timedelta(days=90))


def test_ratifying_can_set_a_review_date_not_before_since() -> None:
    f = Frames()
    since = tick(f.t, -60)
    intake = surface(f.t, f.design, f.sara, since=since)
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="reviewBy"):
        f.t.ratify_decision(decision_id=intake, ratified_by=[f.ines], rationale=None,
                            review_by=since - timedelta(days=1), provenance=BY,
                            now=tick(f.t))
    f.t.ratify_decision(decision_id=intake, ratified_by=[f.ines], rationale=None,
                        review_by=since + timedelta(days=100), provenance=BY, now=tick(f.t))
    assert f.t.decisions[intake].review_by == since + timedelta(days=100)


def test_a_decision_past_its_review_date_can_be_reconfirmed_which_clears_or_moves_it() -> None:
    f = Frames()
    f.schedule(f.band, tick(f.t, 10))
    with refused(f.t, NotUpForReviewError, "DECISION_NOT_UP_FOR_REVIEW"):
        f.confirm(f.band, now=tick(f.t, 5))  # not due yet
    later = tick(f.t, 20)
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="reviewBy"):
        f.confirm(f.band, now=later, review_by=later)  # the next one must lie ahead
    f.confirm(f.band, now=later)
    assert f.t.decisions[f.band].review_by is None
    f.schedule(f.band, tick(f.t, 10))
    now, next_review = tick(f.t, 20), tick(f.t, 60 * 24 * 180)
    f.confirm(f.band, now=now, review_by=next_review)
    assert f.t.decisions[f.band].review_by == next_review
    assert f.t.decisions[f.band].confirmations[-1].review_by == next_review


# Outcomes


def test_an_outcome_is_kept_and_never_changes_the_decision() -> None:
    f = Frames()
    before = f.t.decisions[f.band]
    outcome_id = f.outcome(f.band, "CONFIRMED", observed_by=[f.sara])
    after = f.t.decisions[f.band]
    [outcome] = after.outcomes
    assert (outcome.id, outcome.verdict, outcome.observed_by, outcome.outcome) == (
        outcome_id, Verdict.CONFIRMED, [f.sara], "Groups split.")
    assert (after.statement, after.status, after.title) == (
        before.statement, before.status, before.title)
    assert not reviews.up_for_review(after)


def test_an_adjust_or_reverse_verdict_puts_a_decision_in_force_up_for_review() -> None:
    f = Frames()
    adjust = f.outcome(f.band, "ADJUST")
    reverse = f.outcome(f.language, "REVERSE")
    assert f.queue() == {
        "One leadership language": [(ReviewReasonKind.OUTCOME_REVERSE, None, None)],
        "A Gideon's band": [(ReviewReasonKind.OUTCOME_ADJUST, None, None)]}
    assert [r.cause_id for r in f.t.decisions[f.band].review_reasons] == [adjust]
    assert [r.cause_id for r in f.t.decisions[f.language].review_reasons] == [reverse]
    f.confirm(f.band)
    assert "A Gideon's band" not in f.queue()


def test_an_outcome_of_a_superseded_decision_is_kept_but_asks_for_no_review() -> None:
    f = Frames()
    f.supersede_unity()
    f.outcome(f.unity, "REVERSE")
    assert len(f.t.decisions[f.unity].outcomes) == 1
    assert "Unity in the frame" not in f.queue()


def test_an_outcome_of_a_withdrawn_or_rejected_decision_is_refused() -> None:
    f = Frames()
    withdraw(f.t, f.band, [f.ines])
    with refused(f.t, OutcomeOnClosedDecisionError, "OUTCOME_ON_CLOSED_DECISION"):
        f.outcome(f.band)
    intake = surface(f.t, f.design, f.sara)
    reject(f.t, intake, [f.ines])
    with refused(f.t, OutcomeOnClosedDecisionError, "OUTCOME_ON_CLOSED_DECISION"):
        f.outcome(intake)


def test_an_outcome_is_observed_after_the_decision_and_not_in_the_future() -> None:
    f = Frames()
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="observedAt"):
        f.outcome(f.band, observed_at=T0 - timedelta(days=1))
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="observedAt"):
        f.outcome(f.band, observed_at=tick(f.t, 60 * 24))
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="verdict"):
        f.outcome(f.band, "MAYBE")
    with refused(f.t, ValidationError, "VALIDATION_ERROR", field="outcome"):
        f.t.record_outcome(decision_id=f.band, outcome=" ", verdict="ADJUST",
                           provenance=BY, now=tick(f.t))


# The record


def test_a_closed_trajectory_refuses_every_new_command() -> None:
    f = Frames()
    f.supersede_unity()
    f.t.close(reason=None, provenance=BY, now=tick(f.t))
    for attempt in (lambda: f.confirm(f.eight), lambda: f.outcome(f.band),
                    lambda: f.schedule(f.band, tick(f.t, 100)),
                    lambda: f.reframe(f.groups, f.unity, f.lines)):
        with refused(f.t, TrajectoryClosedError, "TRAJECTORY_CLOSED"):
            attempt()


def test_replaying_the_events_gives_the_same_frames_queue_and_outcomes() -> None:
    f = Frames()
    new = f.supersede_unity()
    f.reframe(f.groups, f.unity, new)
    f.outcome(f.band, "ADJUST", observed_by=[f.sara])
    f.confirm(f.language, review_by=tick(f.t, 60 * 24 * 90))
    f.schedule(f.band, tick(f.t, 60))
    stream = f.t.collect_events()
    assert replay(stream) == f.t
    for event in stream:  # each event hashes as it was made (later fields left out)
        assert event.digest == chain.record_digest(event.chain_record())


def test_an_event_without_the_later_fields_stores_exactly_what_it_stored_before() -> None:
    f = Frames()
    f.t.collect_events()
    decide(f.t, f.design, [f.ines], title="Plain")
    [event] = f.t.collect_events()
    assert not {"within_frames", "review_by", "up_for_review"} & set(vars(event))
    assert event.within_frames == () and event.review_by is None  # type: ignore[attr-defined]
