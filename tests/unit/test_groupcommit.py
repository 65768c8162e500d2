"""`GroupCommit`: the requests that arrive in one turn of the event loop are stored by one
`handle_many` call, and each caller still gets its own result or its own domain error.

The log under test is a real `DecisionLog` that only notes the size of every batch it
is given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest

from decisionlog.api.groupcommit import GroupCommit
from decisionlog.application import DecisionLog, handlers
from decisionlog.application import commands as c
from decisionlog.application.requests import CommandRequest, CommandResult
from decisionlog.domain.errors import (
    IdempotencyKeyReusedError,
    MemberNotFoundError,
    TrajectoryNotFoundError,
    ValidationError,
    VersionConflictError,
)
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance, Side
from decisionlog.infrastructure.config import parse_database_url

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
BY = "facilitator"
T = TypeVar("T")


class BatchRecordingLog(DecisionLog):
    """A `DecisionLog` that notes how many requests each `handle_many` call got."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.batches: list[int] = []
        super().__init__(env)

    def handle_many(self, requests: Any) -> Any:
        self.batches.append(len(requests))
        return super().handle_many(requests)


@pytest.fixture
def app() -> Iterator[BatchRecordingLog]:
    log = BatchRecordingLog(env=POPO)
    yield log
    log.close()


def start(app: DecisionLog) -> UUID:
    return app.handle(c.StartTrajectory(name="Merger"), recorded_by=BY).trajectory_id


def add_member(tid: str | UUID, name: str, *, expected: int | None = None,
               key: str | None = None) -> CommandRequest:
    return CommandRequest(c.AddMember(trajectory_id=str(tid), name=name, role="client",
                                      side=Side.CLIENT), BY, expected, key)


def record(tid: UUID, domain_id: str, decided_by: list[str], title: str) -> CommandRequest:
    return CommandRequest(c.RecordDecision(trajectory_id=str(tid), domain_id=domain_id,
                                           title=title, statement="We did.",
                                           decided_by=tuple(decided_by)), BY)


@dataclass(frozen=True, kw_only=True)
class Broken(c.TrajectoryCommand):
    """A command whose handler has a bug: it changes the trajectory, then fails."""


BUG = RuntimeError("bug")


def broken(t: Trajectory, command: Broken, p: Provenance) -> str:
    t.add_member(name="Bug", role="bug", side="CLIENT", membership="CORE", provenance=p)
    raise BUG


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def names(app: DecisionLog, tid: UUID) -> list[str]:
    trajectory = app.get_trajectory(tid)
    assert trajectory is not None
    return [m.name for m in trajectory.members.values()]


def test_requests_submitted_together_are_stored_by_one_handle_many(tmp_path: Path) -> None:
    env = parse_database_url(f"sqlite:///{tmp_path}/decisionlog.db").env
    app, reader = BatchRecordingLog(env=env), DecisionLog(env=env)
    tid = start(app)
    writes = GroupCommit(app)
    seen_when_answered: dict[int, int] = {}

    async def one(i: int) -> CommandResult:
        result = await writes.execute(add_member(tid, f"Member {i}"))
        # answered only once stored: another log on the file already reads it
        seen_when_answered[i] = len(list(reader.history(tid)))
        return result

    async def main() -> list[CommandResult]:
        return await asyncio.gather(*(one(i) for i in range(12)))

    try:
        results = run(main())

        assert app.batches == [12]
        assert [r.version for r in results] == list(range(2, 14))  # in the order sent
        trajectory = app.get_trajectory(tid)
        assert trajectory is not None
        assert [trajectory.members[r.result_id or ""].name for r in results] == [
            f"Member {i}" for i in range(12)]
        assert all(seen_when_answered[i] >= results[i].version for i in range(12))
        assert names(reader, tid) == [f"Member {i}" for i in range(12)]
    finally:
        app.close()
        reader.close()


def test_each_caller_gets_its_own_result_or_its_own_domain_error(
        app: BatchRecordingLog) -> None:
    tid = start(app)
    ada = app.handle_request(add_member(tid, "Ada", key="k1")).result_id
    domain = app.handle(c.DefineDomain(trajectory_id=str(tid), name="Design"),
                        recorded_by=BY).result_id
    assert ada is not None and domain is not None
    app.batches.clear()
    requests = [
        add_member(tid, "Ben"),                                    # 4
        add_member(tid, " "),                                      # blank name
        add_member("not-an-id", "Cas"),                            # no such trajectory
        add_member(tid, "Dee", expected=3),                        # stale: it is at 4
        record(tid, domain, [ada], "Keep both"),                   # 5
        record(tid, domain, ["nobody"], "Merge"),                  # unknown decider
        add_member(tid, "Eve", key="k1"),                          # key reused
        add_member(tid, "Ada", key="k1"),                          # a repeat: Ada's result
        add_member(tid, "Fay", expected=5),                        # 6
    ]

    writes = GroupCommit(app)

    async def main() -> list[CommandResult | BaseException]:
        return await asyncio.gather(*(writes.execute(r) for r in requests),
                                    return_exceptions=True)

    outcomes = run(main())

    assert app.batches == [len(requests)]
    ben, blank, lost, stale, kept, unknown, reused, repeat, fay = outcomes
    assert isinstance(ben, CommandResult) and ben.version == 4
    assert isinstance(blank, ValidationError) and blank.field == "name"
    assert isinstance(lost, TrajectoryNotFoundError) and lost.id == "not-an-id"
    assert isinstance(stale, VersionConflictError)
    assert (stale.expected_version, stale.actual_version) == (3, 4)
    assert isinstance(kept, CommandResult) and kept.version == 5
    assert isinstance(unknown, MemberNotFoundError) and unknown.id == "nobody"
    assert isinstance(reused, IdempotencyKeyReusedError)
    assert repeat == CommandResult(tid, 2, ada, repeated=True)
    assert isinstance(fay, CommandResult) and fay.version == 6
    assert names(app, tid) == ["Ada", "Ben", "Fay"]
    trajectory = app.get_trajectory(tid)
    assert trajectory is not None and trajectory.version == 6
    assert [d.title for d in trajectory.decisions.values()] == ["Keep both"]


def test_a_lone_request_is_stored_without_waiting(app: BatchRecordingLog) -> None:
    tid = start(app)
    writes = GroupCommit(app)

    async def main() -> tuple[int, CommandResult]:
        task = asyncio.ensure_future(writes.execute(add_member(tid, "Ada")))
        turns = 0
        while not task.done():
            assert turns < 4, "a lone request waited more than a turn of the loop"
            await asyncio.sleep(0)  # one turn of the loop, no timer
            turns += 1
        return turns, task.result()

    turns, result = run(main())

    assert turns <= 3  # queued; stored by the next turn; the caller resumes
    assert app.batches == [1]
    assert result.version == 2
    assert names(app, tid) == ["Ada"]


def test_more_than_max_batch_requests_are_split_into_batches_in_order(
        app: BatchRecordingLog) -> None:
    tid = start(app)
    writes = GroupCommit(app, max_batch=3)

    async def main() -> list[CommandResult]:
        return await asyncio.gather(*(writes.execute(add_member(tid, f"M{i}"))
                                      for i in range(8)))

    results = run(main())

    assert app.batches == [3, 3, 2]
    assert [r.version for r in results] == list(range(2, 10))
    assert names(app, tid) == [f"M{i}" for i in range(8)]


def test_one_group_commit_serves_one_event_loop_after_another(app: BatchRecordingLog) -> None:
    tid = start(app)
    writes = GroupCommit(app)

    async def two() -> list[CommandResult]:
        return list(await asyncio.gather(writes.execute(add_member(tid, "A")),
                                         writes.execute(add_member(tid, "B"))))

    assert [r.version for r in run(two())] == [2, 3]
    assert [r.version for r in run(two())] == [4, 5]
    assert app.batches == [2, 2]


def test_a_cancelled_caller_does_not_stop_the_others(app: BatchRecordingLog) -> None:
    tid = start(app)
    writes = GroupCommit(app)

    async def main() -> list[CommandResult | BaseException]:
        tasks = [asyncio.ensure_future(writes.execute(add_member(tid, name)))
                 for name in ("A", "B", "C")]
        await asyncio.sleep(0)  # all three queued
        tasks[1].cancel()  # the client went away before the batch was stored
        return await asyncio.gather(*tasks, return_exceptions=True)

    a, b, c = run(main())

    assert isinstance(b, asyncio.CancelledError)
    assert isinstance(a, CommandResult) and isinstance(c, CommandResult)
    assert (a.version, c.version) == (2, 4)  # B's change is stored all the same
    assert names(app, tid) == ["A", "B", "C"]


def test_a_bug_in_one_request_fails_only_its_own_caller(
        app: BatchRecordingLog, monkeypatch: pytest.MonkeyPatch) -> None:
    tid = start(app)
    writes = GroupCommit(app)
    monkeypatch.setitem(handlers.HANDLERS, Broken, broken)

    async def main() -> list[CommandResult | BaseException]:
        return list(await asyncio.gather(
            writes.execute(add_member(tid, "Ada")),
            writes.execute(CommandRequest(Broken(trajectory_id=str(tid)), BY)),
            writes.execute(add_member(tid, "Ben")),
            return_exceptions=True))

    ada, failed, ben = run(main())

    assert failed is BUG
    assert isinstance(ada, CommandResult) and ada.version == 2
    assert isinstance(ben, CommandResult) and ben.version == 3
    assert names(app, tid) == ["Ada", "Ben"]
