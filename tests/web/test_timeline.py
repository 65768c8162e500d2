"""The timeline's geometry (`decisionlog.web.timeline`), at the edges of the calendar."""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decisionlog.domain.errors import DecisionLogError
from decisionlog.domain.phases import phase_id_at
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance
from decisionlog.web.timeline import WIDTH, timeline

P = Provenance("test")
MOMENTS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                       timezones=st.just(UTC))


def _trajectory(moments: list[datetime]) -> Trajectory:
    t = Trajectory.start(name="T", client=None, description=None, provenance=P)
    member = t.add_member(name="A", role="r", side="CLIENT", membership="CORE", provenance=P)
    domain = t.define_domain(name="D", description=None, provenance=P)
    now = max([*moments, datetime.now(UTC)]) + timedelta(seconds=1)
    for n, moment in enumerate(moments):
        t.record_decision(domain_id=domain, title=f"Decision {n}", statement="s",
                          decided_by=[member], decided_at=moment, provenance=P, now=now)
    return t


@settings(max_examples=60, deadline=None)
@given(st.lists(MOMENTS, min_size=1, max_size=6), st.none() | MOMENTS)
def test_every_mark_lies_inside_the_picture(moments: list[datetime],
                                            in_force: datetime | None) -> None:
    picture = timeline(_trajectory(moments), out_of_mandate=frozenset(), in_force_at=in_force)
    assert picture.shown == len(moments)
    for mark in picture.markers:
        assert 0 <= mark.x <= WIDTH
    if picture.in_force_x is not None:
        assert 0 <= picture.in_force_x <= WIDTH


def test_marks_taken_the_same_moment_are_set_apart() -> None:
    moment = datetime(2025, 3, 4, 10, tzinfo=UTC)
    picture = timeline(_trajectory([moment] * 3), out_of_mandate=frozenset())
    xs = [m.x for m in picture.markers]
    assert xs == sorted(xs) and min(b - a for a, b in itertools.pairwise(xs)) >= 18


def _phased(moments: list[datetime], starts: list[tuple[int, datetime]]) -> Trajectory:
    """A trajectory with three phases, started at `starts` (phase index, moment; starts
    the domain refuses are left out), and decisions taken at `moments`."""
    first = min([*moments, *(m for _, m in starts)]) - timedelta(seconds=1)
    now = max([*moments, *(m for _, m in starts)]) + timedelta(seconds=1)
    t = Trajectory.start(name="T", client=None, description=None, provenance=P, now=first)
    member = t.add_member(name="A", role="r", side="CLIENT", membership="CORE",
                          provenance=P, now=first)
    domain = t.define_domain(name="D", description=None, provenance=P, now=first)
    phases = [t.define_phase(name=f"Phase {n}", description=None, provenance=P, now=first)
              for n in range(3)]
    for index, moment in starts:
        with contextlib.suppress(DecisionLogError):  # already current then
            t.start_phase(phase_id=phases[index], started_at=moment, provenance=P, now=now)
    for n, moment in enumerate(moments):
        t.record_decision(domain_id=domain, title=f"Decision {n}", statement="s",
                          decided_by=[member], decided_at=moment, provenance=P, now=now)
    return t


@settings(max_examples=80, deadline=None)
@given(st.lists(MOMENTS, min_size=1, max_size=6),
       st.lists(st.tuples(st.integers(0, 2), MOMENTS), max_size=5))
def test_every_mark_lies_in_the_band_of_the_phase_current_at_its_moment(
        moments: list[datetime], starts: list[tuple[int, datetime]]) -> None:
    t = _phased(moments, starts)
    picture = timeline(t, out_of_mandate=frozenset())
    bands = picture.bands
    for left, right in itertools.pairwise(bands):  # one after the other, no gap
        assert left.x + left.width == pytest.approx(right.x)
    for mark in picture.markers:
        assert 0 <= mark.x <= WIDTH
        phase_id = phase_id_at(t.phase_starts, mark.moment)
        inside = [b for b in bands if b.x <= mark.x < b.x + b.width]
        if phase_id is None:
            assert not inside and mark.phase is None
        else:
            assert [b.name for b in inside] == [t.phases[phase_id].name]
            assert mark.phase == t.phases[phase_id].name


def test_the_phases_are_bands_named_along_the_top() -> None:
    day = datetime(2025, 3, 1, 9, tzinfo=UTC)
    t = _phased([day + timedelta(days=n) for n in (1, 8, 9, 30)],
                [(0, day), (1, day + timedelta(days=7)), (2, day + timedelta(days=21))])
    picture = timeline(t, out_of_mandate=frozenset())
    assert [(b.name, b.label) for b in picture.bands] == [
        ("Phase 0", "Phase 0"), ("Phase 1", "Phase 1"), ("Phase 2", "Phase 2")]
    assert [m.phase for m in picture.markers] == ["Phase 0", "Phase 1", "Phase 1", "Phase 2"]
    assert picture.top > picture.lanes[0].y - 64  # the lanes begin below the strip
    # a phase too short for its name is numbered (the legend names it)
    crowded = _phased([day, day + timedelta(days=30)],
                      [(0, day), (1, day + timedelta(minutes=1)), (2, day + timedelta(days=9))])
    labels = [b.label for b in timeline(crowded, out_of_mandate=frozenset()).bands]
    assert labels == ["1", "Phase 1", "Phase 2"]


def test_marks_crowded_at_the_end_are_not_drawn_before_their_moment() -> None:
    last = datetime(2025, 3, 31, 12, tzinfo=UTC)
    picture = timeline(_trajectory([last - timedelta(days=30)] + [last] * 12),
                       out_of_mandate=frozenset())
    before_last = next(t.x for t in picture.ticks if t.text == "29 Mar")
    crowded = [m.x for m in picture.markers if m.moment == last]
    assert len(crowded) == 12 and min(crowded) > before_last
    assert max(crowded) <= WIDTH and min(b - a for a, b in itertools.pairwise(crowded)) >= 18
