"""`DecisionLog.handle_many`: group commit must be invisible to the callers.

Running requests in batches must give every request the outcome (result, or domain
error) it would have had run alone with `handle_request`, and store the same events; a
batch is stored in one transaction; a failed batch (a bug in one command, another
process writing one of its trajectories) falls back to running each request on its own,
without storing anything of the failed attempt.

Member, domain and decision ids are random in the domain (`new_id`); here they are made
deterministic (derived from the request that makes them), so that two logs fed the same
requests can be compared id for id.
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note
from hypothesis import strategies as st

from decisionlog.application import DecisionLog, handlers
from decisionlog.application import commands as c
from decisionlog.application.requests import CommandRequest, CommandResult
from decisionlog.domain import chain, events
from decisionlog.domain import trajectory as trajectory_module
from decisionlog.domain.errors import DecisionLogError, ValidationError, VersionConflictError
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance, Side
from decisionlog.infrastructure.config import parse_database_url
from decisionlog.readmodels import rebuild
from tests.commands import command
from tests.integration.scenario import dump_views
from tests.unit.helpers import replay, stored

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
BY = "facilitator"
DECIDED_AT = datetime(2024, 5, 1, 12, tzinfo=UTC)  # fixed, so events compare across logs
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None
ID_NAMESPACE = uuid5(NAMESPACE_URL, "urn:decisionlog:test-execute-many")

Outcome = CommandResult | Exception


# Deterministic ids: each command object is labelled, and its handler sets the id the
# domain's `new_id` hands out next from the label. Test-only command types stand for a
# bug (a command that changes the trajectory, then fails) and for a race (another log
# writes the trajectory while the command runs, the first time it runs).

_next_id: list[str] = []
_labels: dict[int, str] = {}  # by id() of a command object, kept alive in _commands
_commands: list[c.Command] = []
_errors: dict[int, Exception] = {}
_rivals: dict[int, DecisionLog] = {}


def _deterministic_new_id() -> str:
    assert _next_id, "a command made an id without a command of this module setting it"
    return _next_id.pop()


@dataclass(frozen=True, kw_only=True)
class Buggy(c.TrajectoryCommand):
    """Adds a member, then raises its error."""


@dataclass(frozen=True, kw_only=True)
class Racing(c.AddMember):
    """Adds a member; the first time it runs, its rival log adds Eve meanwhile."""


def _buggy(t: Trajectory, command: Buggy, p: Provenance) -> str:
    handlers.add_member(t, c.AddMember(trajectory_id=command.trajectory_id, name="Bug",
                                       role="bug", side=Side.CLIENT), p)
    raise _errors[id(command)]


def _racing(t: Trajectory, command: Racing, p: Provenance) -> str:
    rival = _rivals.pop(id(command), None)
    if rival is not None:
        rival.handle_request(add_member("eve", command.trajectory_id, "Eve"))
        _next_id[:] = [made_id(_labels[id(command)])]  # the rival's command used it up
    return handlers.add_member(t, command, p)


def _labelled(handler: Any) -> Any:
    def handle(t: Trajectory, command: c.TrajectoryCommand, p: Provenance) -> str | None:
        label = _labels.get(id(command))
        if label is not None:
            _next_id[:] = [made_id(label)]
        result: str | None = handler(t, command, p)
        return result
    return handle


@pytest.fixture(autouse=True)
def deterministic_ids(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(trajectory_module, "new_id", _deterministic_new_id)
    for command_type, handler in [*handlers.HANDLERS.items(), (Buggy, _buggy),
                                  (Racing, _racing)]:
        monkeypatch.setitem(handlers.HANDLERS, command_type, _labelled(handler))
    yield
    _labels.clear()
    _commands.clear()
    _errors.clear()
    _rivals.clear()


def made_id(label: str) -> str:
    """The id a command labelled `label` makes."""
    return str(uuid5(ID_NAMESPACE, label))


def labelled(label: str, command: c.Command) -> c.Command:
    """`command`, which makes the id `made_id(label)`."""
    _labels[id(command)] = label
    _commands.append(command)
    return command


def request(label: str, tid: str | UUID, method: str, *, expected: int | None = None,
            key: str | None = None, **inputs: Any) -> CommandRequest:
    return CommandRequest(labelled(label, command(method, tid, **inputs)), BY, expected, key)


def add_member(label: str, tid: str | UUID, name: str, **kw: Any) -> CommandRequest:
    return request(label, tid, "add_member", name=name, role="client", side="CLIENT",
                   membership="CORE", **kw)


def buggy(label: str, tid: UUID, error: Exception) -> CommandRequest:
    """A request whose command changes the trajectory (adds a member), then fails."""
    bug = labelled(label, Buggy(trajectory_id=str(tid)))
    _errors[id(bug)] = error
    return CommandRequest(bug, BY)


def one_by_one(app: DecisionLog, requests: list[CommandRequest]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for r in requests:
        try:
            outcomes.append(app.handle_request(r))
        except DecisionLogError as error:
            outcomes.append(error)
    return outcomes


def start(app: DecisionLog, key: str) -> UUID:
    """A trajectory whose id is derived from `key` (the same in every log)."""
    return app.handle(c.StartTrajectory(name=f"Trajectory {key}"), recorded_by=BY,
                      idempotency_key=key).trajectory_id


def comparable(stream: list[events.TrajectoryEvent]) -> list[tuple[Any, ...]]:
    """What an event says, without when it was recorded (nor the digests, which cover it)."""
    return [(type(e).__name__, e.originator_version, e.recorded_by, e.idempotency_key,
             e.input_digest, e.data()) for e in stream]


def check_consistent(app: DecisionLog, tid: UUID) -> None:
    """The stored events replay to the trajectory the log serves (its cache included),
    and their hash chain links up."""
    stream = stored(app, tid)
    assert [e.originator_version for e in stream] == list(range(1, len(stream) + 1))
    assert replay(stream) == app.get_trajectory(tid)
    previous = chain.genesis_digest(tid)
    for event in stream:
        assert event.previous_digest == previous
        assert event.digest == chain.record_digest(event.chain_record())
        previous = event.digest


def same_outcome(batched: Outcome, alone: Outcome) -> bool:
    if isinstance(alone, CommandResult):
        return batched == alone
    return (type(batched) is type(alone) and isinstance(batched, DecisionLogError)
            and isinstance(alone, DecisionLogError) and batched.code == alone.code
            and str(batched) == str(alone))


@contextlib.contextmanager
def two_logs(store: str) -> Iterator[tuple[DecisionLog, DecisionLog]]:
    """Two logs on two fresh stores of the kind `store` names."""
    with tempfile.TemporaryDirectory(dir=SCRATCH) as directory:
        def env(name: str) -> dict[str, str]:
            if store == "popo":
                return dict(POPO)
            return parse_database_url(f"sqlite:///{directory}/{name}.db").env
        apps = DecisionLog(env=env("alone")), DecisionLog(env=env("batched"))
        try:
            yield apps
        finally:
            for app in apps:
                app.close()


# The property: batches change nothing a caller or a reader can see


def draw_request(data: st.DataObject, i: int, alone: DecisionLog, tids: list[UUID],
                 earlier: list[CommandRequest], members: list[str]) -> CommandRequest:
    """A random request; `alone` tells the trajectories' versions, for expected versions."""
    label = f"r{i}"
    if earlier and data.draw(st.integers(0, 5)) == 0:  # a retry with the same key
        keyed = [r for r in earlier if r.idempotency_key is not None]
        if keyed:
            first = data.draw(st.sampled_from(keyed))
            return CommandRequest(labelled(label, replace(first.command)), BY, None,
                                  first.idempotency_key)
    targets: list[str | UUID] = [*tids, *tids, *tids, uuid5(ID_NAMESPACE, "nothing"),
                                 "not-an-id"]
    tid = data.draw(st.sampled_from(targets))
    expected = None
    if isinstance(tid, UUID) and tid in tids and data.draw(st.booleans()):
        version = alone.get_trajectory(tid).version  # type: ignore[union-attr]
        expected = version + data.draw(st.sampled_from([0, 0, -1, 1]))
    key = data.draw(st.sampled_from([None, None, None, "k1", "k2"]))
    kind = data.draw(st.sampled_from(["add_member", "record_decision", "record_decision",
                                      "define_domain", "close"]))
    if kind == "close" and data.draw(st.integers(0, 3)) != 0:
        kind = "add_member"
    common: dict[str, Any] = {"expected": expected, "key": key}
    if kind == "add_member":
        members.append(made_id(label))
        return add_member(label, tid, data.draw(st.sampled_from(["Ada", "Ben", " "])),
                          **common)
    if kind == "define_domain":
        return request(label, tid, "define_domain", description=None,
                       name=data.draw(st.sampled_from(["Budget", "budget", "Design", ""])),
                       **common)
    if kind == "close":
        return request(label, tid, "close", reason=None, **common)
    deciders = data.draw(st.lists(st.sampled_from([*members, "nobody"]), min_size=1,
                                  max_size=2, unique=True))
    return request(label, tid, "record_decision", domain_id=made_id("design"),
                   title=data.draw(st.sampled_from(["Keep both", "Merge", ""])),
                   statement="We decided.", decided_by=deciders, decided_at=DECIDED_AT,
                   **common)


def check_batches_equal_one_by_one(store: str, data: st.DataObject) -> None:
    with two_logs(store) as (alone, batched):
        tids: list[UUID] = []
        for app in (alone, batched):
            tids = [start(app, "t1"), start(app, "t2")]
            setup = [request("design", tids[0], "define_domain", name="Design",
                             description=None),
                     request("design", tids[1], "define_domain", name="Design",
                             description=None),
                     add_member("ada", tids[0], "Ada")]
            done = batched.handle_many(setup) if app is batched else one_by_one(app, setup)
            assert all(isinstance(o, CommandResult) for o in done), done
        requests: list[CommandRequest] = []
        expected: list[Outcome] = []
        members = [made_id("ada")]
        for i in range(data.draw(st.integers(1, 24), label="requests")):
            r = draw_request(data, i, alone, tids, requests, members)
            requests.append(r)
            expected += one_by_one(alone, [r])  # drawn as they run: versions are known

        sizes = data.draw(st.lists(st.integers(1, 8), min_size=1, max_size=len(requests)),
                          label="batch sizes")
        outcomes: list[Outcome] = []
        position, cuts = 0, itertools.cycle(sizes)
        while position < len(requests):
            size = next(cuts)
            outcomes += batched.handle_many(requests[position:position + size])
            position += size

        assert len(outcomes) == len(requests)
        for i, (got, want) in enumerate(zip(outcomes, expected, strict=True)):
            assert same_outcome(got, want), (i, got, want)
            note(type(want).__name__ if not isinstance(want, CommandResult)
                 else "repeated" if want.repeated else "stored")
        note(f"batches: {(len(requests) + sizes[0] - 1) // sizes[0]}" if len(sizes) == 1
             else "batches of several sizes")
        for tid in tids:
            assert comparable(stored(batched, tid)) == comparable(stored(alone, tid))
            check_consistent(batched, tid)
        if store == "sqlite":
            live = dump_views(batched)
            rebuild(batched)
            assert dump_views(batched) == live


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_batches_give_what_one_by_one_gives_in_memory(data: st.DataObject) -> None:
    check_batches_equal_one_by_one("popo", data)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_batches_give_what_one_by_one_gives_on_sqlite(data: st.DataObject) -> None:
    check_batches_equal_one_by_one("sqlite", data)


# One batch, one transaction


class CountingLog(DecisionLog):
    """Counts the transactions that store events (one `_record` call each)."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.recorded: list[int] = []
        super().__init__(env)

    def _record(self, processing_event: Any) -> Any:
        self.recorded.append(len(processing_event.events))
        return super()._record(processing_event)


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return parse_database_url(f"sqlite:///{tmp_path}/decisionlog.db").env


@pytest.fixture
def counting(sqlite_env: dict[str, str]) -> Iterator[CountingLog]:
    app = CountingLog(env=sqlite_env)
    yield app
    app.close()


def test_a_batch_is_stored_in_one_transaction(counting: CountingLog) -> None:
    t1, t2 = start(counting, "t1"), start(counting, "t2")
    counting.handle_many([request("design", t1, "define_domain", name="Design",
                                   description=None)])
    before = counting.recorder.max_notification_id() or 0
    counting.recorded.clear()
    requests = [add_member(f"m{i}", (t1, t2)[i % 2], f"Member {i}") for i in range(9)]
    requests.append(request("d", t1, "record_decision", domain_id=made_id("design"),
                            title="Keep both", statement="We keep both.",
                            decided_by=[made_id("m0"), made_id("m2")]))

    outcomes = counting.handle_many(requests)

    assert all(isinstance(o, CommandResult) for o in outcomes), outcomes
    assert counting.recorded == [10]  # one save: one transaction for every change
    assert [o.version for o in outcomes if isinstance(o, CommandResult)] == [
        3, 2, 4, 3, 5, 4, 6, 5, 7, 8]
    notifications = counting.recorder.select_notifications(before + 1, 100)
    assert [n.id for n in notifications] == list(range(before + 1, before + 11))
    assert counting.readmodels.lag() == 0
    live = dump_views(counting)
    rebuild(counting)
    assert dump_views(counting) == live
    for tid in (t1, t2):
        check_consistent(counting, tid)


def test_a_batch_of_refusals_makes_no_transaction(counting: CountingLog) -> None:
    tid = start(counting, "t1")
    counting.recorded.clear()
    outcomes = counting.handle_many([
        add_member("a", tid, "Ada", expected=5),  # stale
        request("r", tid, "remove_member", member_id="nobody", reason=None),  # unknown
    ])
    assert [type(o).__name__ for o in outcomes] == ["VersionConflictError",
                                                   "MemberNotFoundError"]
    assert counting.recorded == []
    assert [e.originator_version for e in stored(counting, tid)] == [1]


def test_a_batch_whose_transaction_fails_stores_none_of_it(
        counting: CountingLog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Storing fails for every request here; each gets the failure as its own outcome
    (run alone after the batch failed), and nothing is stored."""
    tid = start(counting, "t1")
    views = dump_views(counting)

    def broken(events: Any) -> Any:
        raise RuntimeError("projection failed")

    monkeypatch.setattr("decisionlog.readmodels.store.project", broken)
    outcomes = counting.handle_many([add_member(f"m{i}", tid, f"M{i}") for i in range(3)])
    monkeypatch.undo()

    assert [str(o) for o in outcomes] == ["projection failed"] * 3

    assert len(stored(counting, tid)) == 1
    assert dump_views(counting) == views
    assert counting.handle_request(add_member("m9", tid, "Ada")).version == 2  # cache clean
    check_consistent(counting, tid)


# A command that fails after changing state: a bug


@pytest.mark.parametrize("error", [RuntimeError("bug"), ValidationError("name", "bug")],
                         ids=["runtime-error", "domain-error"])
def test_a_bug_in_a_batch_stores_nothing_of_its_change_and_lets_earlier_requests_be(
        error: Exception) -> None:
    """The bug's exception is its own outcome; the requests before it are stored."""
    app = DecisionLog(env=POPO)
    t1, t2 = start(app, "t1"), start(app, "t2")
    outcomes = app.handle_many([
        add_member("a", t1, "Ada"), add_member("b", t2, "Ben"), buggy("bug", t1, error)])
    assert outcomes[:2] == [CommandResult(t1, 2, made_id("a")),
                            CommandResult(t2, 2, made_id("b"))]
    assert outcomes[2] is error
    for tid, name in ((t1, "Ada"), (t2, "Ben")):
        assert [m.name for m in app.get_trajectory(tid).members.values()  # type: ignore[union-attr]
                ] == [name]
        check_consistent(app, tid)
    app.close()


def test_a_runtime_error_in_a_batch_fails_only_its_own_request() -> None:
    app = DecisionLog(env=POPO)
    t1, t2 = start(app, "t1"), start(app, "t2")
    bug = RuntimeError("bug")
    outcomes = app.handle_many([add_member("a", t1, "Ada"), buggy("bug", t2, bug),
                                 add_member("c", t1, "Cas"), add_member("d", t2, "Dee")])
    assert outcomes == [CommandResult(t1, 2, made_id("a")), bug,
                        CommandResult(t1, 3, made_id("c")), CommandResult(t2, 2, made_id("d"))]
    app.close()


@pytest.mark.parametrize("error", [RuntimeError("bug"), ValidationError("name", "bug")],
                         ids=["runtime-error", "domain-error"])
def test_a_bug_leaves_no_half_changed_trajectory_for_the_fallback(error: Exception) -> None:
    app = DecisionLog(env=POPO)
    tid = start(app, "t1")  # at version 1
    outcomes = app.handle_many([
        add_member("cas", tid, "Cas", expected=2),  # stale: refused
        buggy("bug", tid, error)])
    assert [e.originator_version for e in stored(app, tid)] == [1]
    assert "Bug" not in [m.name for m in app.get_trajectory(tid).members.values()  # type: ignore[union-attr]
                         ]
    assert isinstance(outcomes[0], VersionConflictError)
    assert outcomes[1] is error
    app.close()


# Another process wrote one of the trajectories: the batch is run again, one by one
#
# A log's cached trajectory is brought up to date when it is loaded, so the other write
# has to come between the batch's load and its save: the first command of the batch makes
# it, through a second log on the same file (as another process would), the first time
# it runs.


def racing(label: str, tid: UUID, other: DecisionLog, name: str) -> CommandRequest:
    """`add_member(label, tid, name)`, whose command the first time lets `other` add Eve
    to the trajectory in the meantime."""
    race = labelled(label, Racing(trajectory_id=str(tid), name=name, role="client",
                                  side=Side.CLIENT))
    _rivals[id(race)] = other
    return CommandRequest(race, BY)


def test_a_batch_that_lost_a_race_is_run_again_on_the_new_state(
        sqlite_env: dict[str, str]) -> None:
    first, second = CountingLog(env=sqlite_env), DecisionLog(env=sqlite_env)
    try:
        tid, other = start(first, "t1"), start(first, "t2")
        first.recorded.clear()

        outcomes = first.handle_many([
            racing("a", tid, second, "Ada"), add_member("o", other, "Otto"),
            add_member("b", tid, "Ben"), add_member("c", tid, "Cas")])

        assert outcomes == [CommandResult(tid, 3, made_id("a")),
                            CommandResult(other, 2, made_id("o")),
                            CommandResult(tid, 4, made_id("b")),
                            CommandResult(tid, 5, made_id("c"))]
        assert first.recorded == [4, 1, 1, 1, 1]  # the batch was refused; each alone
        for app in (first, second):
            assert [m.name for m in app.get_trajectory(tid).members.values()  # type: ignore[union-attr]
                    ] == ["Eve", "Ada", "Ben", "Cas"]
            check_consistent(app, tid)
            check_consistent(app, other)
        live = dump_views(first)
        rebuild(first)
        assert dump_views(first) == live
    finally:
        first.close()
        second.close()


def test_an_expected_version_made_stale_by_the_race_is_refused_alone(
        sqlite_env: dict[str, str]) -> None:
    first, second = DecisionLog(env=sqlite_env), DecisionLog(env=sqlite_env)
    try:
        tid = start(first, "t1")

        outcomes = first.handle_many([
            racing("a", tid, second, "Ada"),  # version 2 in the batch, 3 after Eve
            add_member("b", tid, "Ben", expected=2),  # right in the batch; stale after
            add_member("c", tid, "Cas")])

        assert outcomes[0] == CommandResult(tid, 3, made_id("a"))
        assert isinstance(outcomes[1], VersionConflictError)
        assert (outcomes[1].expected_version, outcomes[1].actual_version) == (2, 3)
        assert outcomes[2] == CommandResult(tid, 4, made_id("c"))
        assert [m.name for m in first.get_trajectory(tid).members.values()  # type: ignore[union-attr]
                ] == ["Eve", "Ada", "Cas"]
        check_consistent(first, tid)
    finally:
        first.close()
        second.close()
