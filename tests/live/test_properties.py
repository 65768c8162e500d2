"""Property: random interleavings of writers and subscribers that connect, fall behind,
drop and resume; every subscriber's received sequence, across its resumptions, equals
the stored log from its start position: nothing missed, nothing twice, in order.

In-process, through the GraphQL schema (`Schema.subscribe`, the resolvers, the sealed
cursors) and the real follower, on eventsourcing's in-memory store and on a SQLite file;
with a queue of 3 entries, so subscribers that stop pulling while writes go on are
closed as too slow (4008) and resume from the position the close gave them.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from decisionlog.api.audit import AUDIT_LOG
from decisionlog.api.context import Context
from decisionlog.api.livesocket import LiveSession
from decisionlog.api.schema import build_schema
from decisionlog.application import DecisionLog
from decisionlog.application.commands import DefineDomain, StartTrajectory
from decisionlog.auth.cursors import cursor_sealer
from decisionlog.auth.principal import FACILITATOR, Principal
from decisionlog.infrastructure.config import parse_database_url
from decisionlog.live import Live, LiveSettings

EVENTS = """subscription($tid: ID!, $after: Int) {
  trajectoryEvents(trajectoryId: $tid, afterVersion: $after) { version digest } }"""
AUDIT = """subscription($after: String, $tid: ID) {
  auditLog(after: $after, trajectoryId: $tid) { cursor node { trajectoryId version } } }"""
HISTORY = """query($tid: ID!, $after: String) { trajectory(id: $tid) {
  history(first: 100, after: $after) { edges { node { version digest } }
    pageInfo { endCursor hasNextPage } } } }"""
AUDIT_QUERY = """query($after: String, $tid: ID) {
  auditLog(first: 100, after: $after, trajectoryId: $tid) {
    edges { cursor node { trajectoryId version } } pageInfo { endCursor hasNextPage } } }"""
TRAJECTORIES = 2
WAIT = 10.0  # seconds a pull may wait for an item the store holds
PLAN_SECONDS = 60.0  # a plan that takes longer hangs: a failure, with the plan

Write = tuple[str, int, int]  # "write", trajectory, events
Subscribe = tuple[str, str, int, int]  # "subscribe", kind, trajectory or -1, start seed
Pull = tuple[str, int, int]  # "pull", subscriber, items (credit: it may wait for them)
Drop = tuple[str, int]  # "drop", subscriber

steps = st.lists(st.one_of(
    st.tuples(st.just("write"), st.integers(0, TRAJECTORIES - 1), st.integers(1, 8)),
    st.tuples(st.just("subscribe"), st.sampled_from(["events", "audit"]),
              st.integers(-1, TRAJECTORIES - 1), st.integers(0, 1000)),
    st.tuples(st.just("pull"), st.integers(0, 5), st.integers(1, 6)),
    st.tuples(st.just("drop"), st.integers(0, 5)),
    st.tuples(st.just("settle"), st.integers(0, 60)),
), min_size=1, max_size=30)


@dataclass
class Subscriber:
    """One client: what it asked for, what it received, its current subscription and
    the task that pulls from it while it has credit (waiting for events not yet written
    too: then it is live)."""

    kind: str
    trajectory: str | None
    start: int | str | None  # a version, or a cursor
    received: list[Any] = field(default_factory=list)
    stream: Any = None
    session: LiveSession | None = None
    closes: list[tuple[int, str]] = field(default_factory=list)
    credit: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(0))
    task: asyncio.Task[None] | None = None


class Scenario:
    def __init__(self, app: DecisionLog) -> None:
        self.app = app
        self.live = Live(app, LiveSettings(queue=3, check_seconds=0.05))
        self.schema = build_schema()
        self.sealer = cursor_sealer(app)
        self.trajectories: list[str] = []
        self.subscribers: list[Subscriber] = []
        self.written = 0

    async def run(self, plan: list[Any]) -> None:
        await self.live.start()
        try:
            for _ in range(TRAJECTORIES):
                self.trajectories.append(str(self.app.handle(
                    StartTrajectory(name="T"), recorded_by="w").trajectory_id))
            for step in plan:
                await getattr(self, step[0])(*step[1:])
                for _ in range(3):
                    await asyncio.sleep(0)
            for subscriber in self.subscribers:
                await self.finish(subscriber)
            closes = sum(len(s.closes) for s in self.subscribers)
            event(f"slow-consumer closes: {min(closes, 3)}{'+' if closes > 3 else ''}")
        finally:
            for subscriber in self.subscribers:
                await self.drop_stream(subscriber)
            await self.live.stop()

    # Steps

    async def write(self, trajectory: int, count: int) -> None:
        for _ in range(count):
            self.written += 1
            self.app.handle(DefineDomain(trajectory_id=self.trajectories[trajectory],
                                         name=f"D{self.written}"), recorded_by="w")

    async def settle(self, milliseconds: int) -> None:
        await asyncio.sleep(milliseconds / 1000)  # the follower's reads, in threads

    async def subscribe(self, kind: str, trajectory: int, seed: int) -> None:
        tid = None if trajectory < 0 else self.trajectories[trajectory]
        if kind == "events":
            tid = tid or self.trajectories[0]
            length = len(self.stored_events(tid))
            start: int | str | None = seed % (length + 1)
        else:
            positions = [0, *(n.id for n in self.notifications())]
            position = positions[seed % len(positions)]
            start = None if position == 0 and seed % 2 else self.sealer.seal(AUDIT_LOG,
                                                                            position)
        subscriber = Subscriber(kind, tid, start)
        self.subscribers.append(subscriber)
        self.start_pulling(subscriber)

    async def pull(self, index: int, count: int) -> None:
        if self.subscribers:
            subscriber = self.subscribers[index % len(self.subscribers)]
            if subscriber.task is None:
                self.start_pulling(subscriber)
            for _ in range(count):
                subscriber.credit.release()

    async def drop(self, index: int) -> None:
        if self.subscribers:
            await self.drop_stream(self.subscribers[index % len(self.subscribers)])

    # Helpers

    def start_pulling(self, subscriber: Subscriber) -> None:
        subscriber.credit = asyncio.Semaphore(0)
        subscriber.task = asyncio.create_task(self.pulling(subscriber))

    async def pulling(self, subscriber: Subscriber) -> None:
        await self.connect(subscriber)
        while True:
            await subscriber.credit.acquire()
            await self.take(subscriber)

    async def connect(self, subscriber: Subscriber) -> None:
        """(Re)subscribe from the last item received, else from the start."""
        last = subscriber.received[-1] if subscriber.received else None
        session = subscriber.session = LiveSession(self.live)
        context = Context(app=self.app, principal=Principal("p", FACILITATOR), live=session)
        if subscriber.kind == "events":
            after = last["version"] if last else subscriber.start
            subscriber.stream = await self.schema.subscribe(
                EVENTS, {"tid": subscriber.trajectory, "after": after}, context)
        else:
            after = last["cursor"] if last else subscriber.start
            subscriber.stream = await self.schema.subscribe(
                AUDIT, {"tid": subscriber.trajectory, "after": after}, context)

    async def take(self, subscriber: Subscriber) -> None:
        """One more item, waiting for it as long as it takes; on a slow-consumer close,
        check its resume position and resume from there."""
        while True:
            try:
                result = await subscriber.stream.__anext__()
            except StopAsyncIteration:  # closed as too slow
                assert subscriber.session is not None
                closed = subscriber.session.closed
                assert closed is not None and closed[0] == 4008, closed
                subscriber.closes.append(closed)
                self.check_resume_position(subscriber, closed[1])
                await self.connect(subscriber)
                continue
            assert not result.errors, result.errors
            data = result.data["trajectoryEvents" if subscriber.kind == "events"
                               else "auditLog"]
            subscriber.received.append(data)
            return

    def check_resume_position(self, subscriber: Subscriber, reason: str) -> None:
        where = re.fullmatch(r"Too slow: (\w+), resume after (.+)", reason)
        assert where is not None, reason
        if subscriber.received:
            last = subscriber.received[-1]
            expected = f"version {last['version']}" if subscriber.kind == "events" \
                else last["cursor"]
            assert where[2] == expected, (reason, last)

    async def drop_stream(self, subscriber: Subscriber) -> None:
        task, subscriber.task = subscriber.task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        if subscriber.stream is not None:
            await subscriber.stream.aclose()
            subscriber.stream = None

    async def finish(self, subscriber: Subscriber) -> None:
        expected = await self.expected(subscriber)
        if subscriber.task is None:
            self.start_pulling(subscriber)
        assert subscriber.task is not None
        for _ in range(len(expected) + 5):  # more credit than items: extras would show
            subscriber.credit.release()
        async with asyncio.timeout(WAIT):
            while len(subscriber.received) < len(expected):
                if subscriber.task.done():
                    subscriber.task.result()  # its failure
                await asyncio.sleep(0.005)
        await asyncio.sleep(0.1)
        assert subscriber.received == expected

    # The stored log, as the queries read it

    def stored_events(self, tid: str) -> list[Any]:
        return list(self.app.history(tid))

    def notifications(self) -> list[Any]:
        return list(self.app.recorder.select_notifications(start=1, limit=10**6))

    async def expected(self, subscriber: Subscriber) -> list[Any]:
        """What the subscriber must have received: the `history` and `auditLog` queries'
        answers from its start position."""
        if subscriber.kind == "events":
            assert isinstance(subscriber.start, int)
            nodes = await self.query_pages(HISTORY, "history", tid=subscriber.trajectory)
            return [node for node in nodes
                    if node["version"] > subscriber.start]
        return await self.query_pages(AUDIT_QUERY, "auditLog", edges=True,
                                tid=subscriber.trajectory, after=subscriber.start)

    async def query_pages(self, query: str, name: str, *, edges: bool = False,
                    **variables: Any) -> list[Any]:
        context = Context(app=self.app, principal=Principal("p", FACILITATOR))
        items: list[Any] = []
        while True:
            result = await self.schema.execute(query, variables, context)
            assert not result.errors, result.errors
            assert result.data is not None
            page = result.data[name] if name == "auditLog" \
                else result.data["trajectory"][name]
            items += page["edges"] if edges else [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return items
            variables["after"] = page["pageInfo"]["endCursor"]


def run_plan(url: str, plan: list[Any]) -> None:
    app = DecisionLog(env=parse_database_url(url).env)
    try:
        asyncio.run(asyncio.wait_for(Scenario(app).run(plan), PLAN_SECONDS))
    finally:
        app.close()


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_every_subscriber_receives_the_stored_log_from_its_start_in_memory(
        plan: list[Any]) -> None:
    run_plan("memory://", plan)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_every_subscriber_receives_the_stored_log_from_its_start_on_sqlite(
        plan: list[Any], tmp_path_factory: Any) -> None:
    directory: Path = tmp_path_factory.mktemp("property")
    run_plan(f"sqlite:///{directory}/decisionlog.db", plan)
