"""Live subscriptions (issue 16): commit-to-subscriber latency, deliveries per second and
memory, on one uvicorn worker on a SQLite file, and across two workers on PostgreSQL.

- latency: from a `defineDomain` request sent over HTTP (its own time included) to each
  subscriber's receipt of the event (`trajectoryEvents`), p50 and p99 over every
  (write, subscriber) pair, at 1 and at 200 subscribers (target: p99 at most 50 ms at
  200); across two PostgreSQL workers, only subscribers on the worker the write did not
  go through (target: p99 within docs/live.md's 1 s bound);
- deliveries per second (events x subscribers, 200 subscribers, a burst of writes from 8
  connections) against the same worker's `{ __typename }` request rate measured in the
  same run with the same load generator as the other HTTP figures (target: >= 1x);
- memory per idle subscription: the worker's RSS growth over 300 sockets with one
  subscription each (after as many opened and closed), per subscription (target: at
  most 50 KB);
- a stalled consumer: the peak RSS growth of a fresh server while 2,000 events of 6 KB
  (random: no compression shrinks them) are written and one subscriber reads nothing,
  over the same on a fresh server with no subscriber (target: at most 16 MB; the queue of
  1,000 events bounds it, and the consumer is closed with 4008 once it reads again).

The subscribers are asyncio websockets in this process (graphql-transport-ws), each with
a reader task stamping arrivals: the client's own scheduling is in the figures.
`python -m bench --only parts` runs it with the other optional parts.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import re
import secrets
import socket as sockets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

from bench.data import auth_headers
from bench.harness import HOST, PeakSampler, Row, Stats, load, log, vm_rss_mb
from bench.harness import Server as SqliteServer

LATENCY_1 = "live: commit-to-subscriber, 1 subscriber, p50"
LATENCY_1_P99 = "live: commit-to-subscriber, 1 subscriber, p99"
LATENCY_200 = "live: commit-to-subscriber, 200 subscribers, p50"
LATENCY_200_P99 = "live: commit-to-subscriber, 200 subscribers, p99"
PG_LATENCY = "live pg: across 2 workers, p50"
PG_LATENCY_P99 = "live pg: across 2 workers, p99"
TYPENAME = "live raw: { __typename } requests/s, same worker"
DELIVERIES = "live: deliveries/s, 200 subscribers"
IDLE = "live: memory per idle subscription"
STALLED = "live: RSS growth, a stalled consumer, over no subscriber"
STALLED_BASE = "live raw: RSS growth, the same writes, no subscriber"
SUBSCRIBERS = 200
IDLE_SOCKETS = 300
STALLED_EVENTS = 2000
EVENTS = ("subscription($t: ID!, $a: Int) { trajectoryEvents(trajectoryId: $t, "
          "afterVersion: $a) { version } }")
DEFINE = ("mutation($i: DefineDomainInput!) { defineDomain(input: $i) { "
          "... on DomainPayload { version } } }")
FAT_EVENTS = ("subscription($t: ID!, $a: Int) { trajectoryEvents(trajectoryId: $t, "
              "afterVersion: $a) { version type recordedAt recordedBy summary data digest "
              "previousDigest } }")
DESCRIPTION_BYTES = 3000  # random hex, 6,000 characters: no compression shrinks it
VERSION = re.compile(r'"next".*?"version": ?(\d+)')
SERVER_ENV = {"DECISIONLOG_MAX_SUBSCRIPTIONS_PER_TOKEN": "1000"}


# Clients


class Writer:
    """Plain HTTP/1.1 on one kept-alive connection (so its worker is known)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.connection.connect()
        self.connection.sock.setsockopt(sockets.IPPROTO_TCP, sockets.TCP_NODELAY, 1)
        self.headers = {**headers, "Content-Type": "application/json"}
        self.local_port = int(self.connection.sock.getsockname()[1])
        self.count = 0

    def define_domain(self, tid: str, description: str | None = None) -> int:
        self.count += 1
        body = json.dumps({"query": DEFINE, "variables": {"i": {
            "trajectoryId": tid, "name": f"Domain {self.local_port}-{self.count}",
            "description": description and secrets.token_hex(DESCRIPTION_BYTES)}}})
        try:
            self.connection.request("POST", "/graphql", body, self.headers)
            answer = json.loads(self.connection.getresponse().read())
        except (OSError, http.client.HTTPException):  # the server closed an idle one
            self.connection.close()
            self.connection.request("POST", "/graphql", body, self.headers)
            answer = json.loads(self.connection.getresponse().read())
        return int(answer["data"]["defineDomain"]["version"])

    def close(self) -> None:
        self.connection.close()


class Subscriber:
    """One websocket with one trajectoryEvents subscription; arrival times by version."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.arrivals: dict[int, float] = {}
        self.closed: tuple[int | None, str] | None = None
        self.task: asyncio.Task[None] | None = None
        self.local_port = int(ws.local_address[1])

    @classmethod
    async def open(cls, url: str, token: str, tid: str, after: int, *,
                   receive_buffer: int | None = None, read: bool = True,
                   query: str = EVENTS) -> Subscriber:
        sock = None
        if receive_buffer is not None:
            host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
            sock = sockets.socket()
            sock.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, receive_buffer)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        ws = await connect(url, sock=sock, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                           max_queue=1 if not read else 4096, ping_interval=None)
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": query, "variables": {"t": tid, "a": after}}}))
        subscriber = cls(ws)
        if read:
            subscriber.task = asyncio.create_task(subscriber._read())
        return subscriber

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                now = time.perf_counter()
                text = raw if isinstance(raw, str) else raw.decode()
                found = VERSION.search(text)  # (no JSON parse: the client's cost is in the figure)
                if found is not None:
                    self.arrivals[int(found[1])] = now
        except Exception:
            pass
        finally:
            rcvd = self.ws.close_code
            self.closed = (rcvd, self.ws.close_reason or "")

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


async def open_many(count: int, url: str, token: str, tid: str, after: int
                    ) -> list[Subscriber]:
    subscribers: list[Subscriber] = []
    for start in range(0, count, 50):  # not all at once: the listen backlog
        subscribers += await asyncio.gather(*(Subscriber.open(url, token, tid, after)
                                              for _ in range(min(50, count - start))))
    return subscribers


async def until_received(subscribers: list[Subscriber], version: int, timeout: float = 30
                         ) -> None:
    deadline = time.perf_counter() + timeout
    while any(version not in s.arrivals for s in subscribers):
        if time.perf_counter() > deadline:
            missing = sum(1 for s in subscribers if version not in s.arrivals)
            raise RuntimeError(f"{missing} subscribers did not receive version {version}")
        await asyncio.sleep(0.0005)


async def latencies(writer: Writer, subscribers: list[Subscriber], tid: str, writes: int
                    ) -> list[float]:
    """Milliseconds from each write sent to each subscriber's receipt of it."""
    warm = await asyncio.to_thread(writer.define_domain, tid)
    await until_received(subscribers, warm)  # every subscription is live
    taken: list[float] = []
    for _ in range(writes):
        began = time.perf_counter()
        version = await asyncio.to_thread(writer.define_domain, tid)
        await until_received(subscribers, version)
        taken += [(s.arrivals[version] - began) * 1000 for s in subscribers]
    return taken


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def worker_of(service_port: int, client_port: int, pids: list[int]) -> int | None:
    """The worker process holding the server end of a connection of ours."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
        if int(local, 16) == service_port and int(remote, 16) == client_port:
            inode = f"socket:[{fields[9]}]"
    for pid in pids if inode else ():
        with contextlib.suppress(OSError):
            if any(os.readlink(f) == inode for f in Path(f"/proc/{pid}/fd").iterdir()):
                return pid
    return None


# One worker on SQLite


def _start_trajectory(server: SqliteServer) -> tuple[str, int]:
    data = server.graphql('mutation { startTrajectory(input: {name: "Wall board"}) { '
                          "... on TrajectoryPayload { version trajectory { id } } } }")
    payload = data["startTrajectory"]
    return str(payload["trajectory"]["id"]), int(payload["version"])


async def _sqlite_figures(server: SqliteServer, token: str, *, quick: bool
                          ) -> dict[str, list[float]]:
    url = server.url.replace("http://", "ws://") + "/graphql"
    tid, version = _start_trajectory(server)
    writer = Writer(server.port, server.headers)
    figures: dict[str, list[float]] = {}
    writes = 30 if quick else 100
    try:
        log("live: latency at 1 subscriber")
        one = await open_many(1, url, token, tid, version)
        taken = await latencies(writer, one, tid, writes)
        figures[LATENCY_1], figures[LATENCY_1_P99] = [percentile(taken, 50)], [
            percentile(taken, 99)]
        version = writer.count + 1
        await one[0].close()

        log(f"live: memory of {IDLE_SOCKETS} idle subscriptions")
        warm = await open_many(IDLE_SOCKETS, url, token, tid, writer.define_domain(tid))
        await asyncio.gather(*(s.close() for s in warm))  # the first ones grow the heap
        await asyncio.sleep(1.5)
        before = vm_rss_mb(server.pid)
        idle = await open_many(IDLE_SOCKETS, url, token, tid, writer.define_domain(tid))
        await asyncio.sleep(1.5)
        after = vm_rss_mb(server.pid)
        figures[IDLE] = [(after - before) * 1024 / IDLE_SOCKETS]
        await asyncio.gather(*(s.close() for s in idle))
        await asyncio.sleep(1)

        log(f"live: latency at {SUBSCRIBERS} subscribers")
        many = await open_many(SUBSCRIBERS, url, token, tid, version)
        taken = await latencies(writer, many, tid, writes)
        figures[LATENCY_200], figures[LATENCY_200_P99] = [percentile(taken, 50)], [
            percentile(taken, 99)]

        log(f"live: deliveries per second at {SUBSCRIBERS} subscribers")
        burst = 100 if quick else 300
        writers = [Writer(server.port, server.headers) for _ in range(8)]
        rates = []
        for _ in range(2 if quick else 3):
            began = time.perf_counter()
            versions = await asyncio.gather(*(asyncio.to_thread(
                lambda w=w: [w.define_domain(tid) for _ in range(burst // 8)])
                for w in writers))
            last = max(max(v) for v in versions)
            await until_received(many, last, timeout=120)
            first = min(min(v) for v in versions)
            end = max(s.arrivals[last] for s in many)
            delivered = sum(1 for s in many for v in s.arrivals if first <= v <= last)
            rates.append(delivered / (end - began))
        figures[DELIVERIES] = rates
        for w in writers:
            w.close()
        await asyncio.gather(*(s.close() for s in many))
        await asyncio.sleep(1)

    finally:
        writer.close()
    return figures


async def _stalled_growth(server: SqliteServer, token: str, *, stall: bool
                          ) -> tuple[float, int]:
    """Peak RSS growth (MB) of a fresh server while STALLED_EVENTS events of 6 KB are
    written, with a consumer that reads nothing or with no subscriber; the stalled
    consumer's close code once it reads again (0: none)."""
    url = server.url.replace("http://", "ws://") + "/graphql"
    writer = Writer(server.port, server.headers)
    target, version = _start_trajectory(server)
    for _ in range(20):  # warm up: the write path's own allocations
        writer.define_domain(target, "random")
    stalled = None
    if stall:
        stalled = await Subscriber.open(url, token, target, version + 20, receive_buffer=4096,
                                        read=False, query=FAT_EVENTS)
    await asyncio.sleep(0.5)
    base = vm_rss_mb(server.pid)
    with PeakSampler(server.pid, "VmRSS") as sampler:
        for _ in range(STALLED_EVENTS):
            await asyncio.to_thread(writer.define_domain, target, "random")
        await asyncio.sleep(1)
    writer.close()
    if stalled is None:
        return sampler.peak_mb - base, 0
    stalled.task = asyncio.create_task(stalled._read())  # read what is left
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(30):
            while stalled.closed is None:
                await asyncio.sleep(0.05)
    await stalled.close()
    return sampler.peak_mb - base, int(stalled.closed[0] or 0) if stalled.closed else 0


# Two workers on PostgreSQL


async def _postgres_latency(quick: bool, directory: Path) -> list[float] | None:
    from bench.postgres import Service, database, postgres_url

    base = postgres_url()
    if base is None:
        log("live: no PostgreSQL URL; the across-workers rows are skipped")
        return None
    with database(base) as db:
        service = Service(db.url, 2, directory / "pg-live.log").start()
        try:
            token = db.headers["Authorization"].removeprefix("Bearer ")
            tid = db.write_inputs[0]["trajectoryId"]
            url = service.url.replace("http://", "ws://") + "/graphql"
            pids = service.worker_pids()
            writer = Writer(service.port, db.headers)
            writer_worker = worker_of(service.port, writer.local_port, pids)
            version = await asyncio.to_thread(writer.define_domain, tid)
            subscribers = await open_many(40, url, token, tid, version)
            await asyncio.sleep(0.5)
            others = [s for s in subscribers
                      if worker_of(service.port, s.local_port, pids) not in (None, writer_worker)]
            for s in subscribers:
                if s not in others:
                    await s.close()
            if not others:
                log("live: every subscriber landed on the writer's worker; skipped")
                return None
            log(f"live pg: {len(others)} of 40 subscribers on the other worker")
            taken = await latencies(writer, others, tid, 30 if quick else 100)
            await asyncio.gather(*(s.close() for s in others))
            writer.close()
            return taken
        finally:
            service.stop()


# The run


def _typename_rate(server: SqliteServer, seconds: float) -> float:
    body = json.dumps({"query": "{ __typename }"}).encode()
    result = load(server.url + "/graphql", bodies=[body], seconds=seconds, connections=16,
                  headers=server.headers)
    return result.rate


@contextlib.contextmanager
def _server(directory: Path) -> Iterator[tuple[SqliteServer, str]]:
    directory.mkdir(exist_ok=True)
    database = directory / "live.db"
    headers = auth_headers(database)
    token = headers["Authorization"].removeprefix("Bearer ")
    server = SqliteServer(database, directory / "server.log", headers=headers,
                          env=SERVER_ENV)
    with server:
        yield server, token


def run(*, quick: bool = False) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="decisionlog-bench-live-") as temporary:
        directory = Path(temporary)
        with _server(directory) as (server, token):
            server.graphql("{ __typename }")
            log("live: { __typename } rate of the same worker")
            typename = [_typename_rate(server, 2 if quick else 5) for _ in range(2)]
            figures = asyncio.run(_sqlite_figures(server, token, quick=quick))
            typename.append(_typename_rate(server, 2 if quick else 5))
        log(f"live: {STALLED_EVENTS:,} events of 6 KB on a fresh server with no subscriber, "
            "then on another with a consumer that reads nothing")
        growth = []
        for stall in (False, True):
            with _server(directory / f"stall-{stall}") as (server, token):
                grown, closed = asyncio.run(_stalled_growth(server, token, stall=stall))
                growth.append(grown)
        figures[STALLED_BASE], figures[STALLED] = [growth[0]], [growth[1] - growth[0]]
        figures["stalled close"] = [float(closed)]
        pg = asyncio.run(_postgres_latency(quick, directory))
    rows.append(Row(LATENCY_1, "ms", Stats.of(figures[LATENCY_1]),
                    note="SQLite, 1 worker; from the write request sent"))
    rows.append(Row(LATENCY_1_P99, "ms", Stats.of(figures[LATENCY_1_P99])))
    rows.append(Row(LATENCY_200, "ms", Stats.of(figures[LATENCY_200])))
    rows.append(Row(LATENCY_200_P99, "ms", Stats.of(figures[LATENCY_200_P99]),
                    target="<= 50"))
    rows.append(Row(TYPENAME, "req/s", Stats.of(typename),
                    note="wrk, 16 connections, before and after the live figures"))
    rows.append(Row(DELIVERIES, "msg/s", Stats.of(figures[DELIVERIES]), limit=TYPENAME,
                    target=">= 1", note="bursts of defineDomain from 8 connections"))
    rows.append(Row(IDLE, "KB", Stats.of(figures[IDLE]), target="<= 50",
                    note=f"RSS growth over {IDLE_SOCKETS} sockets, one subscription each"))
    rows.append(Row(STALLED_BASE, "MB", Stats.of(figures[STALLED_BASE]),
                    note=f"peak RSS growth while {STALLED_EVENTS:,} events of 6 KB are "
                         "written, on a fresh server"))
    closed = int(figures["stalled close"][0])
    rows.append(Row(STALLED, "MB", Stats.of(figures[STALLED]), target="<= 16",
                    note=f"the same writes with a consumer that reads nothing (queue "
                         f"1,000); it was closed with {closed or 'nothing'}"))
    if pg:
        rows.append(Row(PG_LATENCY, "ms", Stats.of([percentile(pg, 50)]),
                        note="subscribers on the worker the writes did not go through"))
        rows.append(Row(PG_LATENCY_P99, "ms", Stats.of([percentile(pg, 99)]),
                        target="<= 1000"))
    return rows


def main() -> int:
    import argparse

    from bench.harness import compare

    parser = argparse.ArgumentParser(prog="python -m bench.live")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows = run(quick=args.quick)
    compare(rows)
    for row in rows:
        print(f"{row.figure:<50} {row.stats.median:>10.2f} {row.unit:<6} "
              f"{'' if row.ratio is None else f'{row.ratio:.2f}x':>7} "
              f"{row.target or ''} {'' if row.met is None else ('met' if row.met else 'MISSED')}"
              f"  {row.note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

