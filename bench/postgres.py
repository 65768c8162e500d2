"""PostgreSQL figures: `decisionlog serve --workers 1` and `--workers 2` on one database.

- read: a `trajectory { whoDecidesWhat }` query, 1 worker and 2 workers, and the ratio
  (the 2-core target is 1.6; the load generator and PostgreSQL share the two cores);
- latency at one connection with 2 workers, on the service's uvloop + httptools stack,
  and for contrast on uvicorn's asyncio + h11 stack (Nagle's 40+ ms delays, uvicorn
  issue 3149);
- write: `recordDecision` over HTTP on one growing trajectory, as a ratio to
  eventsourcing's raw get-update-save rate on the same server, measured in each round
  right before it.

Runs only when a PostgreSQL URL is given: `DECISIONLOG_BENCH_POSTGRES_URL`, else
`DECISIONLOG_TEST_POSTGRES_URL`. Everything lives in a new schema, dropped at the end.
`python bench/postgres.py [--quick]`, or as an optional part of `python -m bench`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

if __package__ in (None, ""):  # run as a script: make `bench` and `decisionlog` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench import queries
from bench.data import PROVENANCE
from bench.harness import (
    HOST,
    ROOT,
    Load,
    Row,
    Stats,
    compare,
    free_port,
    graphql_body,
    load,
    log,
    stop_process,
)
from bench.raw import get_update_save_rate, insert_rate
from decisionlog.application import DecisionLog
from decisionlog.auth import token_store
from decisionlog.demo import seed_demo
from decisionlog.domain.trajectory import Trajectory
from decisionlog.infrastructure.config import parse_database_url, redact

URL_VARIABLES = ("DECISIONLOG_BENCH_POSTGRES_URL", "DECISIONLOG_TEST_POSTGRES_URL")

READ_1 = "pg read: whoDecidesWhat, 1 worker"
READ_2 = "pg read: whoDecidesWhat, 2 workers"
P50_STANDARD = "pg latency p50, 2 workers, 1 conn"
P99_STANDARD = "pg latency p99, 2 workers, 1 conn"
P50_H11 = "pg latency p50, 2 workers, h11"
INSERT = "pg raw: recorder insert"
GET_UPDATE_SAVE = "pg raw: get-update-save"
WRITE = "pg write: recordDecision"
WRITE_SPREAD = "pg write: recordDecision, 2 workers"
WRITE_SAME = "pg write: same, one trajectory"
TARGETS = 4  # trajectories the spread write figure writes to


@dataclass(frozen=True)
class Settings:
    seconds: float
    repeats: int
    raw_seconds: float
    connections: int = 16

    @classmethod
    def of(cls, quick: bool) -> Settings:
        return cls(2, 2, 1) if quick else cls(5, 3, 2)


# The database


@dataclass(frozen=True)
class Database:
    """A new schema with the demo trajectory, a trajectory to write to and a token."""

    url: str  # with ?schema=
    demo_id: str
    write_inputs: list[dict[str, Any]]  # one per write target trajectory
    headers: dict[str, str]


def postgres_url() -> str | None:
    for variable in URL_VARIABLES:
        if os.environ.get(variable):
            return os.environ[variable]
    return None


@contextmanager
def database(base_url: str) -> Iterator[Database]:
    """Seed a new schema of the database at `base_url`; drop it afterwards."""
    schema = f"bench_{uuid4().hex[:12]}"
    url = urlunsplit(urlsplit(base_url)._replace(query=f"schema={schema}"))
    try:
        app = DecisionLog(env=parse_database_url(url).env)
        try:
            demo_id = seed_demo(app)
            inputs = [_write_target(app, n) for n in range(TARGETS)]
            token = token_store(app).create(name="bench", role="facilitator")
        finally:
            app.close()
        yield Database(url, demo_id, inputs, headers={"Authorization": f"Bearer {token}"})
    finally:
        _admin(base_url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _write_target(app: DecisionLog, number: int) -> dict[str, Any]:
    """A trajectory to record decisions in; the input of one such recordDecision."""
    target = Trajectory.start(name=f"Write target {number}", client=None, description=None,
                              provenance=PROVENANCE)
    members = [target.add_member(name=f"Member {n}", role="designer", side="CLIENT",
                                 membership="CORE", provenance=PROVENANCE) for n in range(3)]
    domain = target.define_domain(name="Programme design", description=None,
                                  provenance=PROVENANCE)
    target.grant_right(domain_id=domain, member_id=members[0], role=None, right="DECIDES",
                       condition=None, provenance=PROVENANCE)
    app.save(target)
    return {"trajectoryId": str(target.id), "domainId": domain,
            "title": "Keep the morning check-in",
            "statement": "Every session starts with a check-in round.",
            "decidedBy": [members[0]], "consulted": [members[1]], "scale": "SMALL"}


def _admin(url: str, statement: str) -> None:
    import psycopg

    plain = urlunsplit(urlsplit(url)._replace(query=""))
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(statement.encode())


# The servers


@dataclass
class Service:
    """A server process on the database: `decisionlog serve`, or plain uvicorn."""

    url_of_database: str
    workers: int
    log_path: Path
    stack: str = "standard"  # "standard": decisionlog serve; "h11": uvicorn asyncio + h11
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> Service:
        env = {**os.environ, "DECISIONLOG_DATABASE_URL": self.url_of_database}
        if self.stack == "standard":
            command = [sys.executable, "-m", "decisionlog.cli", "serve", "--host", HOST,
                       "--port", str(self.port), "--workers", str(self.workers),
                       "--log-level", "warning"]
        else:
            command = [sys.executable, "-m", "uvicorn", "decisionlog.api.app:create_app",
                       "--factory", "--host", HOST, "--port", str(self.port), "--workers",
                       str(self.workers), "--loop", "asyncio", "--http", "h11",
                       "--log-level", "warning"]
        with self.log_path.open("ab") as output:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                            stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.log_path}")
            if self._workers_up() and self._healthy():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"the server did not start; see {self.log_path}")

    def _workers_up(self) -> bool:
        return self.workers == 1 or len(self.worker_pids()) == self.workers

    def worker_pids(self) -> list[int]:
        """uvicorn's worker processes (children of its supervisor)."""
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        workers = []
        for child in children:
            with suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    workers.append(int(child))
        return workers

    def connection_split(self) -> list[int]:
        """How many open client connections each worker holds, fewest first."""
        inodes = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == self.port and fields[3] == "01":
                inodes.add(f"socket:[{fields[9]}]")
        split = []
        for pid in self.worker_pids():
            with suppress(OSError):
                links = [os.readlink(f) for f in Path(f"/proc/{pid}/fd").iterdir()]
                split.append(sum(1 for link in links if link in inodes))
        return sorted(split)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server this object started (SIGINT, SIGKILL after 15 s)."""
        stop_process(self.process)


# Raw limits of eventsourcing on the same PostgreSQL server


# The run


def measure(base_url: str, directory: Path, settings: Settings) -> list[Row]:
    """Every figure, in interleaved rounds."""
    with database(base_url) as db, ExitStack() as stack:
        log(f"PostgreSQL at {redact(base_url)}: servers with 1 and 2 workers")
        one = stack.enter_context(_running(Service(db.url, 1, directory / "pg-1.log")))
        two = stack.enter_context(_running(Service(db.url, 2, directory / "pg-2.log")))
        read_body = graphql_body(queries.WHO_DECIDES_WHAT_ONLY, {"id": db.demo_id})
        write_bodies = [graphql_body(queries.RECORD_DECISION, {"input": i})
                         for i in db.write_inputs]
        _check(one, db, read_body, write_bodies[0])

        def reads(service: Service, seconds: float, connections: int) -> Load:
            return _ok(load(service.url + "/graphql", bodies=[read_body], seconds=seconds,
                            connections=connections, headers=db.headers))

        def reads_split(service: Service) -> Load:
            """`reads` at full load, noting how the connections fell on the workers."""
            timer = threading.Timer(settings.seconds / 2,
                                    lambda: splits.append(service.connection_split()))
            timer.start()
            try:
                return reads(service, settings.seconds, settings.connections)
            finally:
                timer.cancel()

        def writes(service: Service, connections: int, body: bytes) -> Load:
            return _ok(load(service.url + "/graphql", bodies=[body],
                            seconds=settings.seconds, connections=connections,
                            headers=db.headers))

        def spread_writes(service: Service) -> Load:
            """One connection per write target, each in a load generator of its own
            (together: the sum of their rates)."""
            with ThreadPoolExecutor(len(write_bodies)) as pool:
                parts = list(pool.map(lambda body: writes(service, 1, body), write_bodies))
            seconds = max(part.seconds for part in parts)
            return Load(sum(part.requests for part in parts), seconds,
                        sum(part.errors for part in parts), 0.0, 0.0, parts[0].tool)

        for service in (one, two):  # warm-up: imports, caches, connections
            reads(service, 1, 4)
        runs: dict[str, list[Load]] = {READ_1: [], READ_2: [], P50_STANDARD: [], WRITE: [],
                                       WRITE_SPREAD: [], WRITE_SAME: []}
        inserts: list[float] = []
        saves: list[float] = []
        splits: list[list[int]] = []
        for round_ in range(settings.repeats):
            log(f"PostgreSQL figures, round {round_ + 1} of {settings.repeats}")
            runs[READ_1].append(reads(one, settings.seconds, settings.connections))
            runs[READ_2].append(reads_split(two))
            runs[P50_STANDARD].append(reads(two, settings.seconds, 1))
            inserts.append(insert_rate(db.url, seconds=settings.raw_seconds))
            saves.append(get_update_save_rate(db.url, seconds=settings.raw_seconds))
            runs[WRITE].append(writes(one, 1, write_bodies[0]))
            runs[WRITE_SPREAD].append(spread_writes(two))
            runs[WRITE_SAME].append(writes(two, TARGETS, write_bodies[0]))
        stack.close()  # the servers, before the contrast below
        log("for contrast: 2 workers on uvicorn's asyncio + h11 stack")
        with _running(Service(db.url, 2, directory / "pg-h11.log", stack="h11")) as h11:
            reads(h11, 1, 1)
            contrast = [reads(h11, settings.seconds, 1) for _ in range(settings.repeats)]

    tool = runs[READ_1][0].tool
    conns = settings.connections
    rows = [
        Row(READ_1, "req/s", _rates(runs[READ_1]),
            note=f"decisionlog serve --workers 1, {conns} connections, {tool} (1 thread) on "
                 "the same 2 cores; result cache on (each hit re-reads the version)"),
        Row(READ_2, "req/s", _rates(runs[READ_2]), limit=READ_1, target=">= 1.6",
            note=f"decisionlog serve --workers 2, {conns} connections; connections per "
                 f"worker in each round: {', '.join(map(str, splits))}"),
        Row(P50_STANDARD, "ms", Stats.of([r.p50_ms for r in runs[P50_STANDARD]]),
            target="<= 5", note="uvloop + httptools (what serve uses): no Nagle delay"),
        Row(P99_STANDARD, "ms", Stats.of([r.p99_ms for r in runs[P50_STANDARD]])),
        Row(P50_H11, "ms", Stats.of([r.p50_ms for r in contrast]),
            note="for contrast: uvicorn --workers 2 --loop asyncio --http h11 (its default "
                 "without uvicorn[standard]); Nagle + delayed ACK"),
        Row(INSERT, "events/s", Stats.of(inserts), note="one event per transaction"),
        Row(GET_UPDATE_SAVE, "saves/s", Stats.of(saves),
            note="trivial aggregate, aggregate cache on; right before each HTTP write run"),
        Row(WRITE, "req/s", _rates(runs[WRITE]), limit=GET_UPDATE_SAVE,
            note="1 worker, 1 connection, one growing trajectory (views in the same "
                 "transaction)"),
        Row(WRITE_SPREAD, "req/s", _rates(runs[WRITE_SPREAD]), limit=GET_UPDATE_SAVE,
            note=f"2 workers, {TARGETS} connections, each writing a trajectory of its own "
                 f"({TARGETS} load generators)"),
        Row(WRITE_SAME, "req/s", _rates(runs[WRITE_SAME]), limit=GET_UPDATE_SAVE,
            note=f"2 workers, {TARGETS} connections, all to one trajectory: the losers of "
                 "each race are retried"),
    ]
    compare(rows)
    return rows


@contextmanager
def _running(service: Service) -> Iterator[Service]:
    try:
        yield service.start()
    finally:
        service.stop()


def _ok(result: Load) -> Load:
    if result.errors:
        raise RuntimeError(f"{result.errors} failed requests")
    return result


def _rates(loads: Sequence[Load]) -> Stats:
    return Stats.of([r.rate for r in loads])


def _check(service: Service, db: Database, read_body: bytes, write_body: bytes) -> None:
    """Both documents answer without errors (wrk only sees status codes)."""
    import json

    for body, check in ((read_body, _has_mandates), (write_body, _recorded)):
        request = urllib.request.Request(
            f"{service.url}/graphql", data=body, method="POST",
            headers={"Content-Type": "application/json", **db.headers})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        if answer.get("errors") or not check(answer["data"]):
            raise RuntimeError(f"unexpected answer: {answer}")


def _has_mandates(data: dict[str, Any]) -> bool:
    return bool(data["trajectory"]["whoDecidesWhat"])


def _recorded(data: dict[str, Any]) -> bool:
    return bool(data["recordDecision"]["__typename"] == "DecisionPayload")


def run(quick: bool = False) -> list[Row]:
    """The rows, for `python -m bench`; exits 3 (a skipped part) without a URL."""
    url = postgres_url()
    if url is None:
        print(f"NO-PART: bench.postgres needs {' or '.join(URL_VARIABLES)}")
        raise SystemExit(3)
    with tempfile.TemporaryDirectory(prefix="decisionlog-bench-pg-") as directory:
        return measure(url, Path(directory), Settings.of(quick))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/postgres.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    args = parser.parse_args(argv)
    from bench.__main__ import format_table

    started = time.perf_counter()
    rows = run(quick=args.quick)
    print(format_table(rows))
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
