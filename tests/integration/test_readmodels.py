"""The read models against the event log: live views equal a rebuild and the aggregates.

Runs on a SQLite file and on PostgreSQL (see conftest). The property test drives random
commands across several trajectories through the real write path, then compares every
view table with the one `rebuild` makes from scratch, and every query with what the
aggregates say.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import DecisionOrigin, DecisionStatus, Provenance
from decisionlog.readmodels import DecisionFilter, DecisionOrder, decision_queries, rebuild
from decisionlog.readmodels.schema import reset_views
from tests.integration.conftest import Backend
from tests.integration.scenario import (
    NAMES,
    OPS,
    aggregates,
    dump_views,
    expected_decisions,
    expected_due,
    expected_mandates,
    expected_review_queue,
    expected_search,
    run_steps,
)

SEARCHES = ["unity", "diff", "één tra", "EEN", "strasse", "10k euro", "works coun",
            "front end", "programma gideons", "nothing-matches-this"]

steps = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 3), st.integers(0, 40),
                           st.integers(0, 40), st.integers(0, 40)), min_size=5, max_size=60)


@contextmanager
def opened(backend: Backend) -> Iterator[DecisionLog]:
    app = backend.open(backend.new_store())
    try:
        yield app
    finally:
        app.close()


def check_against_aggregates(app: DecisionLog, ids: list[UUID]) -> None:
    """Every query answers what the aggregates say."""
    rm = app.readmodels
    loaded = aggregates(app, ids)
    page = rm.trajectories(first=100)
    assert page.total_count == len(loaded)
    assert {r.id: (r.name, r.client, r.status, r.version) for r in page.rows} == {
        tid: (t.name, t.client, t.status, t.version) for tid, t in loaded.items()}

    rows = rm.decisions(first=1000, order=DecisionOrder.OLDEST_FIRST).rows
    keys = [((r.decided_at or r.recorded_at), r.position) for r in rows]
    assert keys == sorted(keys)
    assert {(r.trajectory_id, r.id): (
        r.status, r.origin, r.kind, r.scale, r.title, r.statement, r.rationale,
        r.decided_at, r.domain_id, r.domain_name, tuple(m.id for m in r.decided_by),
        tuple(m.id for m in r.consulted), r.supersedes, r.superseded_by, r.surfaced_by,
        r.phase_name, r.not_consulted)
        for r in rows} == expected_decisions(app, ids)

    for name in NAMES:
        assert {(m.trajectory_id, m.member_id, m.right_id, m.via_role or "")
                for m in rm.mandates(name)} == expected_mandates(app, ids, name)

    queue = rm.up_for_review(first=1000).rows
    assert [r.position for r in queue] == sorted(r.position for r in queue)
    assert {(r.trajectory_id, r.id): tuple(
        (x.kind, x.version, x.frame_id, x.through_id, x.cause_id) for x in r.review_reasons)
        for r in queue} == expected_review_queue(app, ids)
    for days in (-2, 0, 3, 30):
        before = datetime.now(UTC) + timedelta(days=days)
        due = rm.due_for_review(before, first=1000).rows
        assert {(r.trajectory_id, r.id) for r in due} == expected_due(app, ids, before)
        keys = [(r.review_by, r.position) for r in due]
        assert keys == sorted(keys)  # the oldest due first

    open_rows = rm.open_implicit_decisions().rows
    assert [r.position for r in open_rows] == sorted(r.position for r in open_rows)
    assert {(r.trajectory_id, r.id) for r in open_rows} == {
        (tid, d.id) for tid, t in loaded.items() for d in t.decisions.values()
        if d.status is DecisionStatus.PROPOSED_IMPLICIT}

    for query in SEARCHES:
        expected = expected_search(app, ids, query)
        assert rm.count_decisions(DecisionFilter(search=query)) == len(expected)
        assert rm.count_decisions(DecisionFilter(search=query, trajectory_ids=[
            str(i) for i in ids])) == len(expected)
        for budget in (decision_queries.SCAN_BUDGET, 1):  # scanning the list, or the index
            with scan_budget(budget):
                for order in DecisionOrder:
                    found = rm.decisions(DecisionFilter(search=query), first=1000,
                                         order=order).rows
                    assert {(r.trajectory_id, r.id) for r in found} == expected
                    keys = [((r.decided_at or r.recorded_at), r.position) for r in found]
                    assert keys == sorted(keys, reverse=order is DecisionOrder.NEWEST_FIRST)
                    assert [r.position for r in found] == paged(app, query, order)


def paged(app: DecisionLog, query: str, order: DecisionOrder) -> list[int]:
    """Every position of a search, read three at a time."""
    positions: list[int] = []
    after = 0
    while True:
        page = app.readmodels.decisions(DecisionFilter(search=query), first=3, after=after,
                                        order=order)
        positions += [r.position for r in page.rows]
        if not page.has_next_page:
            return positions
        after = positions[-1]


@contextmanager
def scan_budget(rows: int) -> Iterator[None]:
    """Make text searches scan at most `rows` rows before turning to the full-text index."""
    saved = decision_queries.SCAN_BUDGET, decision_queries.NEWEST_SCAN_BUDGET
    decision_queries.SCAN_BUDGET = decision_queries.NEWEST_SCAN_BUDGET = rows
    try:
        yield
    finally:
        decision_queries.SCAN_BUDGET, decision_queries.NEWEST_SCAN_BUDGET = saved


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=steps)
def test_views_equal_a_rebuild_and_the_aggregates(backend: Backend, steps: Any) -> None:
    with opened(backend) as app:
        ids = run_steps(app, steps)
        assert app.readmodels.lag() == 0
        live = dump_views(app)
        check_against_aggregates(app, ids)

        rebuild(app, batch_size=7)

        assert dump_views(app) == live
        assert not app.readmodels.state().rebuilding
        check_against_aggregates(app, ids)


def test_a_failed_projection_stores_no_event(app: DecisionLog,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    ids = run_steps(app, [("add_member", 0, 0, 0, 0), ("define_domain", 0, 0, 0, 0)])
    before = dump_views(app)
    version = app.get_trajectory(ids[0]).version  # type: ignore[union-attr]

    def broken(events: Any) -> Any:
        raise RuntimeError("projection failed")

    monkeypatch.setattr("decisionlog.readmodels.store.project", broken)
    with pytest.raises(RuntimeError):
        app.handle(c.DefineDomain(trajectory_id=str(ids[0]),
                                  name="Budget", description=None), recorded_by="x")
    monkeypatch.undo()

    assert app.get_trajectory(ids[0]).version == version  # type: ignore[union-attr]
    assert len(list(app.history(ids[0]))) == version
    assert dump_views(app) == before
    assert app.readmodels.lag() == 0


def test_views_stay_current_after_a_refused_concurrent_save(backend: Backend) -> None:
    env = backend.new_store()
    first, second = backend.open(env), backend.open(env)
    ids = run_steps(first, [("add_member", 0, 0, 0, 0)])
    stale: Trajectory = second.repository.get(ids[0])
    run_steps(first, [])  # another trajectory moves the log on
    first.handle(c.DefineDomain(trajectory_id=str(ids[0]),
                                name="Budget", description=None), recorded_by="x")

    stale.add_member(name="Eve", role="HR lead", side="CLIENT", membership="CORE",
                     provenance=Provenance("x"))
    with pytest.raises(IntegrityError):  # on PostgreSQL this leaves a gap in the ids
        second.save(stale)
    first.handle(c.DefineDomain(trajectory_id=str(ids[0]),
                                name="Programme design", description=None), recorded_by="x")

    assert first.readmodels.lag() == 0 and second.readmodels.lag() == 0
    names = {m.member_name for m in first.readmodels.mandates("Eve")}
    assert names == set()
    live = dump_views(first)
    rebuild(first)
    assert dump_views(first) == live


def test_start_up_catches_up_views_that_lag_the_log(backend: Backend) -> None:
    env = backend.new_store()
    app = backend.open(env)
    ids = run_steps(app, [(op, 0, i, i, i) for i, op in enumerate(OPS * 2)])
    expected = dump_views(app)
    with app.readmodels.store.writing() as ex:  # as if the views came after the events
        reset_views(ex)
    assert app.readmodels.lag() > 0
    app.close()

    reopened = backend.open(env)

    assert reopened.readmodels.lag() == 0
    assert dump_views(reopened) == expected
    check_against_aggregates(reopened, ids)


def test_a_new_schema_version_rebuilds_the_views_at_start_up(backend: Backend) -> None:
    env = backend.new_store()
    app = backend.open(env)
    run_steps(app, [(op, 0, i, 2 * i, i) for i, op in enumerate(OPS)])
    expected = dump_views(app)
    with app.readmodels.store.writing() as ex:
        ex.execute("UPDATE dl_projection SET schema_version = 0")
        ex.execute("DELETE FROM dl_decisions")  # damage that only a rebuild repairs
    app.close()

    reopened = backend.open(env)

    assert dump_views(reopened) == expected


def test_a_query_sees_a_mutation_as_soon_as_it_returns(app: DecisionLog) -> None:
    ids = run_steps(app, [("add_member", 0, 0, 0, 0), ("define_domain", 0, 0, 0, 0)])
    trajectory = app.get_trajectory(ids[0])
    assert trajectory is not None
    member = next(iter(trajectory.members))
    domain = next(iter(trajectory.domains))

    result = app.handle(c.SurfaceImplicitDecision(trajectory_id=str(ids[0]),
                                                  domain_id=domain, title="Works council dropped",
                                                      statement="We stopped inviting them",
        surfaced_by=member), recorded_by="x")

    backlog = app.readmodels.open_implicit_decisions().rows
    assert [(r.id, r.origin) for r in backlog] == [(result.result_id, DecisionOrigin.IMPLICIT)]
    assert app.readmodels.trajectories().rows[0].version == result.version
