"""Figures over HTTP on one uvicorn worker: the raw limits of the stack (fixed JSON,
`{ __typename }`), the read query (the whole document by POST, its hash by POST, a
conditional GET answered 304), and `recordDecision`.

Rounds interleave the figures (fixed, trivial, the reads, read without the result cache,
raw insert and get-update-save in-process, write at 16 connections and at 1, then
again), so that a slow spell of the machine or its disk hits them all alike.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench import queries, raw
from bench.data import DemoDatabase
from bench.harness import Load, Row, Server, Stats, graphql_body, load, log
from bench.raw import GET_UPDATE_SAVE
from bench.serverapp import FIXED_PATH
from decisionlog.api.resultcache import SIZE_VARIABLE as CACHE_SIZE

FIXED = "raw: HTTP fixed JSON (Starlette)"
TRIVIAL = "raw: GraphQL { __typename }"
READ = "read: trajectory query"
READ_HASH = "read: same, by persisted hash"
READ_304 = "read: GET If-None-Match, 304"
READ_UNCACHED = "read: same, result cache off"
READ_P50 = "read: p50 latency"
READ_P99 = "read: p99 latency"
WRITE = "write: recordDecision"
WRITE_ONE = "write: recordDecision, 1 connection"


def measure(database: DemoDatabase, log_path: Path, *, seconds: float, repeats: int,
            raw_seconds: float, connections: int = 16) -> list[Row]:
    """Start a server on the demo database and load it, figure by figure, in rounds; each
    round also measures the raw write limits in-process (the server idle meanwhile)."""
    directory = database.path.parent
    # A copy of the file: one process serves one SQLite file (the serve lock)
    uncached = Server(_copy(database.path, directory / "demo-uncached.db"),
                      log_path.with_suffix(".uncached.log"), headers=database.headers,
                      env={CACHE_SIZE: "0"})
    with Server(database.path, log_path, headers=database.headers) as server, uncached:
        read_body = graphql_body(queries.READ, {"id": database.demo_id})
        write_body = graphql_body(queries.RECORD_DECISION, {"input": database.write_input})
        trivial_body = graphql_body(queries.TRIVIAL)
        _check(server, database)
        hash_body, get_path, tag = _persisted(server, database)

        def fixed() -> Load:
            return load(server.url + FIXED_PATH, seconds=seconds, connections=connections,
                        headers=server.headers)

        def trivial() -> Load:
            return load(server.url + "/graphql", bodies=[trivial_body], seconds=seconds,
                        connections=connections, headers=server.headers)

        def read() -> Load:
            return load(server.url + "/graphql", bodies=[read_body], seconds=seconds,
                        connections=connections, headers=server.headers)

        def read_hash() -> Load:
            return load(server.url + "/graphql", bodies=[hash_body], seconds=seconds,
                        connections=connections, headers=server.headers)

        def read_304() -> Load:
            return load(server.url + get_path, seconds=seconds, connections=connections,
                        headers={**server.headers, "If-None-Match": tag})

        def read_uncached() -> Load:
            return load(uncached.url + "/graphql", bodies=[read_body], seconds=seconds,
                        connections=connections, headers=server.headers)

        def write() -> Load:
            return load(server.url + "/graphql", bodies=[write_body], seconds=seconds,
                        connections=connections, headers=server.headers)

        def write_one() -> Load:
            return load(server.url + "/graphql", bodies=[write_body], seconds=seconds,
                        connections=1, headers=server.headers)

        runs: dict[str, list[Load]] = {FIXED: [], TRIVIAL: [], READ: [], READ_HASH: [],
                                       READ_304: [], READ_UNCACHED: [], WRITE: [],
                                       WRITE_ONE: []}
        inserts: list[float] = []
        saves: list[float] = []
        # Warm-up: imports, caches, first allocations.
        for warm in (server, uncached):
            load(warm.url + "/graphql", bodies=[read_body, trivial_body], seconds=1,
                 connections=4, headers=server.headers)
        for round_ in range(repeats):
            log(f"HTTP figures, round {round_ + 1} of {repeats}")
            for name, run in ((FIXED, fixed), (TRIVIAL, trivial), (READ, read),
                              (READ_HASH, read_hash), (READ_304, read_304),
                              (READ_UNCACHED, read_uncached), (WRITE, write),
                              (WRITE_ONE, write_one)):
                if name == WRITE:  # the raw write limits right before the HTTP writes
                    inserts.append(raw.insert_rate(directory / f"raw-insert-{round_}.db",
                                                   seconds=raw_seconds))
                    saves.append(raw.get_update_save_rate(
                        directory / f"raw-save-{round_}.db", seconds=raw_seconds))
                result = run()
                if result.errors:
                    raise RuntimeError(f"{name}: {result.errors} failed requests")
                runs[name].append(result)
        _check(server, database)

    tool = runs[READ][0].tool
    rows = [
        Row(raw.INSERT, "events/s", Stats.of(inserts),
            note="one event per transaction; in the HTTP rounds"),
        Row(raw.GET_UPDATE_SAVE, "saves/s", Stats.of(saves),
            note="trivial aggregate, aggregate cache on; in the HTTP rounds, before the writes"),
        Row(FIXED, "req/s", _rates(runs[FIXED]),
            note=f"GET, {connections} connections, {tool}"),
        Row(TRIVIAL, "req/s", _rates(runs[TRIVIAL]), limit=FIXED,
            note=f"POST, {connections} connections"),
        Row(READ, "req/s", _rates(runs[READ]), limit=TRIVIAL, target=">= 1.5",
            note=f"demo trajectory, 111 fields, POST of the whole document, {connections} "
                 "connections; repeats answered from the kept bytes after a version "
                 "check, before strawberry (api/fastpath.py)"),
        Row(READ_HASH, "req/s", _rates(runs[READ_HASH]), limit=TRIVIAL, target=">= 1.5",
            note="the same, POST of its SHA-256 hash (automatic persisted query)"),
        Row(READ_304, "req/s", _rates(runs[READ_304]), limit=FIXED, target=">= 0.5",
            note="the same by GET (hash and variables in the URL) with If-None-Match: "
                 "304 Not Modified after the version check"),
        Row(READ_UNCACHED, "req/s", _rates(runs[READ_UNCACHED]), limit=TRIVIAL,
            note=f"every request resolved (DECISIONLOG_RESULT_CACHE_SIZE=0), "
                 f"{connections} connections, a second server on the same file"),
        Row(READ_P50, "ms", Stats.of([r.p50_ms for r in runs[READ]]),
            note=f"{connections} connections"),
        Row(READ_P99, "ms", Stats.of([r.p99_ms for r in runs[READ]]), limit=READ_P50,
            target="<= 3"),
        Row(WRITE, "req/s", _rates(runs[WRITE]), limit=GET_UPDATE_SAVE, target=">= 0.4",
            note=f"{connections} connections, one growing trajectory; the mutations that "
                 "arrive together are stored in one transaction (group commit)"),
        Row(WRITE_ONE, "req/s", _rates(runs[WRITE_ONE]), limit=GET_UPDATE_SAVE,
            note="1 connection: each mutation waits for its own transaction"),
    ]
    return rows


def _persisted(server: Server, database: DemoDatabase) -> tuple[bytes, str, str]:
    """The read query's hash registered (automatic persisted query): the body that
    names it, the GET path that does, and the ETag of its answer by GET."""
    query = " ".join(queries.READ.split())
    extensions = {"persistedQuery": {"version": 1,
                                     "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    variables = {"id": database.demo_id}
    register = json.dumps({"query": query, "variables": variables,
                           "extensions": extensions}).encode()
    with _open(server, "/graphql", register) as response:
        assert "errors" not in json.loads(response.read())
    body = json.dumps({"variables": variables, "extensions": extensions},
                      separators=(",", ":")).encode()
    path = "/graphql?" + urllib.parse.urlencode({
        "variables": json.dumps(variables, separators=(",", ":")),
        "extensions": json.dumps(extensions, separators=(",", ":"))})
    with _open(server, path) as response:
        tag = response.headers["ETag"]
        if not tag or "errors" in json.loads(response.read()):
            raise RuntimeError("the read by GET got no ETag")
    return body, path, tag


def _open(server: Server, path: str, body: bytes | None = None) -> Any:
    request = urllib.request.Request(
        server.url + path, data=body, method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json", **server.headers})
    return urllib.request.urlopen(request, timeout=60)


def _copy(path: Path, target: Path) -> Path:
    """A consistent copy of a SQLite file (SQLite's backup: WAL contents included)."""
    source, copy = sqlite3.connect(path), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return target


def _rates(loads: list[Load]) -> Stats:
    return Stats.of([r.rate for r in loads])


def _check(server: Server, database: DemoDatabase) -> None:
    """Each document answers without errors (wrk only sees status codes)."""
    assert server.graphql(queries.TRIVIAL) == {"__typename": "Query"}
    data = server.graphql(queries.READ, {"id": database.demo_id})
    if not data["trajectory"]["whoDecidesWhat"]:
        raise RuntimeError("the read query found no demo trajectory")
    result = server.graphql(queries.RECORD_DECISION, {"input": database.write_input})
    if result["recordDecision"]["__typename"] != "DecisionPayload":
        raise RuntimeError(f"recordDecision failed: {result}")
