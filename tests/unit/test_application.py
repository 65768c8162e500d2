"""`DecisionLog` on in-memory (POPO) persistence, on a SQLite file and on PostgreSQL.

Every test runs on every store (PostgreSQL when `DECISIONLOG_TEST_POSTGRES_URL` is set);
the restart tests open a second `DecisionLog` on the same SQLite file or PostgreSQL
schema, as a restarted server, or another worker, would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from decisionlog.application import CommandResult, DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain import events
from decisionlog.domain.errors import (
    DecisionLogError,
    IdempotencyKeyReusedError,
    MemberNotFoundError,
    TrajectoryClosedError,
    TrajectoryNotFoundError,
    VersionConflictError,
)
from decisionlog.domain.trajectory import Trajectory
from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, fresh_database
from tests.commands import command
from tests.unit.helpers import replay, stored

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
SMALL_POOL = {"POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "4"}  # ignored by SQLite
BY = "facilitator"

Opener = Callable[[], DecisionLog]


@pytest.fixture(params=["popo", *BACKENDS])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(request.param)


@pytest.fixture
def env(store: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    if store == "popo":
        yield dict(POPO)
        return
    with fresh_database(store, tmp_path, prefix="unit") as url:
        yield {**parse_database_url(url).env, **SMALL_POOL}


@pytest.fixture
def app(env: dict[str, str]) -> Iterator[DecisionLog]:
    log = DecisionLog(env=env)
    yield log
    log.close()


@pytest.fixture(params=BACKENDS)
def durable_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A store that outlives the `DecisionLog` on it: a SQLite file or a PostgreSQL schema."""
    with fresh_database(request.param, tmp_path, prefix="unit") as url:
        yield {**parse_database_url(url).env, **SMALL_POOL}


def start(app: DecisionLog, name: str = "Merger programme", *, by: str = BY,
          key: str | None = None) -> UUID:
    result = app.handle(c.StartTrajectory(name=name, client="Acme"), recorded_by=by,
                        idempotency_key=key)
    return result.trajectory_id


def run(app: DecisionLog, trajectory_id: str | UUID, command_name: str, /, *,
        key: str | None = None, expected: int | None = None, by: str = BY,
        **inputs: Any) -> CommandResult:
    """Handle the command `name` through the application, as the API does."""
    return app.handle(command(command_name, trajectory_id, **inputs), recorded_by=by,
                      expected_version=expected, idempotency_key=key)


def add_member(app: DecisionLog, trajectory_id: UUID, name: str = "Ada", **kw: Any
               ) -> CommandResult:
    return run(app, trajectory_id, "add_member", name=name, role="client", side="CLIENT",
               membership="CORE", **kw)


# Writing: one event per command


def test_every_command_appends_exactly_one_event(app: DecisionLog) -> None:
    tid = start(app)
    assert [type(e) for e in stored(app, tid)] == [events.TrajectoryStarted]
    ids: dict[str, str] = {}

    def step(event_class: type[events.TrajectoryEvent], label: str,
             command: Callable[[], CommandResult]) -> None:
        version = app.get_trajectory(tid).version  # type: ignore[union-attr]
        result = command()
        assert (result.trajectory_id, result.version, result.repeated) == (
            tid, version + 1, False)
        stream = stored(app, tid)
        assert len(stream) == version + 1
        assert type(stream[-1]) is event_class
        assert stream[-1].recorded_by == BY
        if result.result_id is not None:
            ids[label] = result.result_id

    step(events.MemberAdded, "ada", lambda: add_member(app, tid, "Ada"))
    step(events.MemberAdded, "ben", lambda: add_member(app, tid, "Ben"))
    step(events.MemberChanged, "_", lambda: run(
        app, tid, "change_member", member_id=ids["ben"], role="HR lead", membership=None))
    step(events.DomainDefined, "design", lambda: run(
        app, tid, "define_domain", name="Programme design", description=None))
    step(events.DomainDefined, "budget", lambda: run(
        app, tid, "define_domain", name="Budget", description="Money"))
    step(events.RightGranted, "right", lambda: run(
        app, tid, "grant_right", domain_id=ids["design"], member_id=ids["ada"], role=None,
        right="DECIDES", condition=None))
    step(events.RightRevoked, "_", lambda: run(
        app, tid, "revoke_right", right_id=ids["right"], reason=None))
    step(events.DecisionRecorded, "d1", lambda: run(
        app, tid, "record_decision", domain_id=ids["design"], title="Two cultures",
        statement="We keep both.", decided_by=[ids["ada"]],
        decided_at=datetime.now(UTC) - timedelta(days=2)))
    step(events.DecisionRecorded, "d2", lambda: run(
        app, tid, "record_decision", domain_id=ids["design"], title="One culture",
        statement="We merge.", decided_by=[ids["ada"]], supersedes=[ids["d1"]]))
    step(events.ImplicitDecisionSurfaced, "s1", lambda: run(
        app, tid, "surface_implicit_decision", domain_id=ids["design"], title="No council",
        statement="We stopped inviting the works council.", surfaced_by=ids["ben"]))
    step(events.DecisionRatified, "_", lambda: run(
        app, tid, "ratify_decision", decision_id=ids["s1"], ratified_by=[ids["ada"]],
        rationale=None))
    step(events.ImplicitDecisionSurfaced, "s2", lambda: run(
        app, tid, "surface_implicit_decision", domain_id=ids["budget"], title="No travel",
        statement="Travel stopped.", surfaced_by=ids["ada"]))
    step(events.DecisionRejected, "_", lambda: run(
        app, tid, "reject_decision", decision_id=ids["s2"], rejected_by=[ids["ben"]],
        reason="Reopen"))
    step(events.DecisionWithdrawn, "_", lambda: run(
        app, tid, "withdraw_decision", decision_id=ids["d2"], withdrawn_by=[ids["ada"]],
        reason=None))
    step(events.MemberRemoved, "_", lambda: run(
        app, tid, "remove_member", member_id=ids["ben"], reason="Left"))
    step(events.DomainRetired, "_", lambda: run(
        app, tid, "retire_domain", domain_id=ids["budget"], reason=None))
    step(events.TrajectoryClosed, "_", lambda: run(app, tid, "close", reason="Done"))

    live = app.get_trajectory(tid)
    assert live is not None
    assert live.version == 18
    assert replay(stored(app, tid)) == live


def test_refused_command_writes_nothing_and_leaves_the_trajectory_as_it_was(
        app: DecisionLog) -> None:
    tid = start(app)
    add_member(app, tid)
    before = replay(stored(app, tid))
    with pytest.raises(MemberNotFoundError) as info:
        run(app, tid, "remove_member", member_id="nobody", reason=None)
    assert info.value.code == "NOT_FOUND"
    assert len(stored(app, tid)) == 2
    assert app.get_trajectory(tid) == before
    assert add_member(app, tid, "Ben").version == 3


# Expected versions


@pytest.mark.parametrize("expected", [1, 3, 0, -1])
def test_expected_version_mismatch_is_a_conflict_writing_nothing(
        app: DecisionLog, expected: int) -> None:
    tid = start(app)
    add_member(app, tid)
    with pytest.raises(VersionConflictError) as info:
        add_member(app, tid, "Ben", expected=expected)
    assert info.value.code == "VERSION_CONFLICT"
    assert (info.value.expected_version, info.value.actual_version) == (expected, 2)
    assert len(stored(app, tid)) == 2
    assert app.get_trajectory(tid).version == 2  # type: ignore[union-attr]


def test_matching_expected_version_is_written(app: DecisionLog) -> None:
    tid = start(app)
    assert add_member(app, tid, expected=1).version == 2
    assert add_member(app, tid, "Ben", expected=2).version == 3


def test_write_from_another_process_is_a_conflict_only_when_a_version_was_expected(
        durable_env: dict[str, str]) -> None:
    first, second = DecisionLog(env=durable_env), DecisionLog(env=durable_env)
    tid = start(first)
    add_member(first, tid)  # `first` caches the trajectory at version 2
    add_member(second, tid, "Ben")
    with pytest.raises(VersionConflictError) as info:
        add_member(first, tid, "Cas", expected=2)
    assert (info.value.expected_version, info.value.actual_version) == (2, 3)
    assert add_member(first, tid, "Cas").version == 4
    assert [e.originator_version for e in stored(second, tid)] == [1, 2, 3, 4]


# Idempotency


def test_idempotent_repeat_returns_the_first_result_and_writes_nothing(
        app: DecisionLog) -> None:
    tid = start(app)
    first = add_member(app, tid, key="add-ada")
    add_member(app, tid, "Ben")
    repeat = add_member(app, tid, key="add-ada")
    assert repeat == CommandResult(tid, first.version, first.result_id, repeated=True)
    assert len(stored(app, tid)) == 3
    assert len(app.get_trajectory(tid).members) == 2  # type: ignore[union-attr]


def test_idempotent_repeat_wins_over_a_stale_expected_version(app: DecisionLog) -> None:
    tid = start(app)
    first = add_member(app, tid, key="add-ada", expected=1)
    repeat = add_member(app, tid, key="add-ada", expected=1)
    assert (repeat.version, repeat.result_id, repeat.repeated) == (2, first.result_id, True)


def test_idempotent_repeat_after_a_restart_returns_the_first_result(
        durable_env: dict[str, str]) -> None:
    app = DecisionLog(env=durable_env)
    tid = start(app, key="start-1")
    first = add_member(app, tid, key="add-ada")
    app.close()
    restarted = DecisionLog(env=durable_env)
    repeat = add_member(restarted, tid, key="add-ada")
    assert (repeat.version, repeat.result_id, repeat.repeated) == (2, first.result_id, True)
    again = restarted.handle(c.StartTrajectory(name="Merger programme", client="Acme",
                                       description=None), recorded_by=BY,
                                       idempotency_key="start-1")
    assert (again.trajectory_id, again.version, again.repeated) == (tid, 1, True)
    with pytest.raises(IdempotencyKeyReusedError):
        add_member(restarted, tid, "Ben", key="add-ada")
    assert len(stored(restarted, tid)) == 2


def test_same_key_with_a_different_input_is_refused_writing_nothing(
        app: DecisionLog) -> None:
    tid = start(app)
    add_member(app, tid, key="k")
    with pytest.raises(IdempotencyKeyReusedError) as info:
        add_member(app, tid, "Ben", key="k")
    assert info.value.code == "IDEMPOTENCY_KEY_REUSED"
    with pytest.raises(IdempotencyKeyReusedError):
        run(app, tid, "define_domain", name="Budget", description=None, key="k")
    assert len(stored(app, tid)) == 2


def test_idempotency_keys_are_scoped_to_the_trajectory(app: DecisionLog) -> None:
    one, two = start(app, "One"), start(app, "Two")
    assert add_member(app, one, key="k").repeated is False
    assert add_member(app, two, "Ben", key="k").repeated is False
    assert len(stored(app, two)) == 2


def test_refused_command_leaves_its_key_free(app: DecisionLog) -> None:
    tid = start(app)
    with pytest.raises(DecisionLogError):
        run(app, tid, "define_domain", name=" ", description=None, key="k")
    assert run(app, tid, "define_domain", name="Budget", description=None,
               key="k").version == 2


def test_start_trajectory_idempotency_is_scoped_to_the_caller(app: DecisionLog) -> None:
    first = app.handle(c.StartTrajectory(name="Merger", client=None, description=None),
        recorded_by="ann", idempotency_key="s")
    repeat = app.handle(c.StartTrajectory(name="Merger", client=None, description=None),
        recorded_by="ann", idempotency_key="s")
    other = app.handle(c.StartTrajectory(name="Merger", client=None, description=None),
        recorded_by="bob", idempotency_key="s")
    assert (first.version, first.repeated) == (1, False)
    assert (repeat.trajectory_id, repeat.version, repeat.repeated) == (
        first.trajectory_id, 1, True)
    assert other.trajectory_id != first.trajectory_id
    assert other.repeated is False
    with pytest.raises(IdempotencyKeyReusedError):
        app.handle(c.StartTrajectory(name="Another", client=None, description=None),
            recorded_by="ann", idempotency_key="s")
    assert app.readmodels.trajectories(first=10).total_count == 2


def test_start_key_does_not_clash_with_the_same_key_on_a_command(app: DecisionLog) -> None:
    tid = start(app, key="1")
    assert add_member(app, tid, key="1").version == 2


# Reading as of a version or a moment


def test_get_trajectory_as_of_a_version(app: DecisionLog) -> None:
    tid = start(app)
    names = ["Ada", "Ben", "Cas"]
    for name in names:
        add_member(app, tid, name)
    assert app.get_trajectory(tid, version=0) is None
    assert app.get_trajectory(tid, version=-1) is None
    stream = stored(app, tid)
    for version in range(1, 5):
        past = app.get_trajectory(tid, version=version)
        assert past is not None
        assert past.version == version
        assert [m.name for m in past.members.values()] == names[:version - 1]
        assert past == replay(stream[:version])
    assert app.get_trajectory(tid).version == 4  # type: ignore[union-attr]


def test_get_trajectory_as_of_a_moment(app: DecisionLog) -> None:
    before_start = datetime.now(UTC)
    tid = start(app)
    moments = [datetime.now(UTC)]
    for name in ("Ada", "Ben"):
        add_member(app, tid, name)
        moments.append(datetime.now(UTC))
    assert app.get_trajectory(tid, at=before_start - timedelta(days=1)) is None
    assert app.get_trajectory(tid, at=before_start) is None
    for version, moment in enumerate(moments, start=1):
        assert app.version_at(tid, moment) == version
        past = app.get_trajectory(tid, at=moment)
        assert past is not None
        assert past.version == version
    event_times = [e.timestamp for e in stored(app, tid)]
    assert app.get_trajectory(tid, at=event_times[1]).version == 2  # type: ignore[union-attr]
    assert app.version_at(uuid4(), moments[-1]) == 0


def test_unknown_or_malformed_id_is_none_when_read_and_not_found_when_written(
        app: DecisionLog) -> None:
    start(app)
    for bad in (uuid4(), str(uuid4()), "not-a-uuid", "", "0" * 40):
        assert app.get_trajectory(bad) is None
        assert app.get_trajectory(bad, version=1) is None
        assert app.get_trajectory(bad, at=datetime.now(UTC)) is None
        with pytest.raises(TrajectoryNotFoundError) as info:
            add_member(app, bad)  # type: ignore[arg-type]
        assert info.value.code == "NOT_FOUND"
    with pytest.raises(TrajectoryNotFoundError):
        app.history("not-a-uuid")
    assert list(app.history(uuid4())) == []


# History and lists


def test_history_pages_oldest_first(app: DecisionLog) -> None:
    tid = start(app)
    for name in ("Ada", "Ben", "Cas", "Dee"):
        add_member(app, tid, name)

    def versions(**kwargs: Any) -> list[int]:
        return [e.originator_version for e in app.history(tid, **kwargs)]

    assert versions() == [1, 2, 3, 4, 5]
    assert versions(limit=2) == [1, 2]
    assert versions(after=2, limit=2) == [3, 4]
    assert versions(after=4, limit=2) == [5]
    assert versions(after=5) == []
    assert versions(after=1, up_to=3) == [2, 3]
    assert [e.summary() for e in app.history(tid, limit=2)] == [
        "Trajectory 'Merger programme' started with Acme",
        "Ada joined as client (CLIENT, CORE)",
    ]


def test_the_trajectory_list_pages_in_the_order_started(app: DecisionLog) -> None:
    ids = []
    for i in range(5):
        ids.append(start(app, f"T{i}"))
        add_member(app, ids[-1])  # other events between the starts do not matter
    seen: list[UUID] = []
    after = 0
    pages = 0
    while True:
        page = app.readmodels.trajectories(first=2, after=after)
        assert page.total_count == 5
        seen += [UUID(row.id) for row in page.rows]
        pages += 1
        if not page.has_next_page:
            break
        after = page.rows[-1].position
    assert seen == ids
    assert pages == 3
    last = app.readmodels.trajectories(first=10)
    assert (len(last.rows), last.has_next_page) == (5, False)
    assert [row.version for row in last.rows] == [2] * 5


def test_the_trajectory_list_of_an_empty_log(app: DecisionLog) -> None:
    page = app.readmodels.trajectories(first=10)
    assert (page.rows, page.has_next_page, page.total_count) == ([], False, 0)


# Snapshots


class SnapshottingLog(DecisionLog):
    snapshotting_intervals = {Trajectory: 3}


def test_snapshots_rebuild_the_same_trajectory(durable_env: dict[str, str]) -> None:
    app = SnapshottingLog(env=durable_env)
    tid = start(app)
    ada = add_member(app, tid).result_id
    domain = run(app, tid, "define_domain", name="Budget", description=None).result_id
    decision = run(app, tid, "record_decision", domain_id=domain, title="t", statement="s",
                   decided_by=[ada], scale="LARGE", key="d").result_id
    run(app, tid, "change_member", member_id=ada, role="HR lead", membership="SPECIALIST")
    run(app, tid, "grant_right", domain_id=domain, member_id=None, role="HR lead",
        right="DECIDES", condition=None)
    assert [s.originator_version for s in app.snapshots.get(tid)] == [3,
        6]  # type: ignore[union-attr]
    restarted = SnapshottingLog(env=durable_env)
    rebuilt = restarted.get_trajectory(tid)
    assert rebuilt == replay(stored(app, tid)) == app.get_trajectory(tid)
    assert rebuilt is not None
    assert restarted.get_trajectory(tid, version=4) == replay(stored(app, tid)[:4])
    assert [d.id for d in rebuilt.out_of_mandate()] == [decision]


def test_closed_trajectory_restored_from_a_snapshot_accepts_nothing(
        durable_env: dict[str, str]) -> None:
    app = SnapshottingLog(env=durable_env)
    tid = start(app)
    add_member(app, tid)
    run(app, tid, "close", reason="Done")  # version 3: a snapshot is taken
    restarted = SnapshottingLog(env=durable_env)
    with pytest.raises(TrajectoryClosedError):
        add_member(restarted, tid, "Ben")
    assert len(stored(restarted, tid)) == 3


def test_snapshots_widen_so_a_long_trajectory_keeps_few() -> None:
    import itertools

    from decisionlog.infrastructure.snapshots import snapshot_due

    due = [v for v in range(1, 102_401) if snapshot_due(v, 200)]
    assert due[:10] == [200 * k for k in range(1, 11)]
    assert due[10:] == [2400, 3200, 4800, 6400, 9600, 12800, 19200, 25600, 38400, 51200,
                        76800, 102400]
    assert all(later <= 1.5 * earlier for earlier, later in itertools.pairwise(due[9:]))
    assert [v for v in range(1, 40) if snapshot_due(v, 3)] == [3, 6, 9, 12, 15, 18, 21, 24,
                                                                 27, 30, 36]


def test_a_refused_command_keeps_the_cached_trajectory(app: DecisionLog) -> None:
    started = app.handle(c.StartTrajectory(name="Merger", client=None, description=None),
        recorded_by="anna")
    cached = app.get_trajectory(started.trajectory_id)
    with pytest.raises(DecisionLogError):
        app.handle(c.DefineDomain(trajectory_id=str(started.trajectory_id), name=" "),
                   recorded_by="anna")
    assert app.get_trajectory(started.trajectory_id) is cached
    assert cached is not None and cached.version == 1
