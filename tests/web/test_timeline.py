"""The timeline's geometry (`decisionlog.web.timeline`), at the edges of the calendar."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

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
