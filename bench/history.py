"""Figures on the 1,000,000-event database, over HTTP on one uvicorn worker.

- history length: `whoDecidesWhat` latency (median of p50s at one connection) on the
  100,000-event trajectory beside the 10-event one, both already loaded once;
- memory: the server's peak RSS (VmHWM) after it answered the read query on the long
  trajectory and on more distinct trajectories than its aggregate cache holds, and a
  page of the trajectory list.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from uuid import UUID

from bench import queries
from bench.data import BigDatabase, auth_headers
from bench.harness import (
    PeakSampler,
    Row,
    Server,
    Stats,
    graphql_body,
    load,
    log,
    vm_hwm_mb,
    vm_rss_mb,
)
from decisionlog.api.resultcache import SIZE_VARIABLE as CACHE_SIZE

SHORT = "history: whoDecidesWhat, 10 events"
LONG = "history: whoDecidesWhat, 100,000 events"
COLD = "history: first query, 100,000 events"
MEMORY_SMALL = "memory: peak RSS, 100-event trajectories"
MEMORY = "memory: peak RSS, 1M-event database"
MEMORY_LIMIT_MB = 250
DISTINCT_TRAJECTORIES = 1500  # more than the aggregate cache holds (200)


def measure(database: BigDatabase, log_path: Path, *, seconds: float, repeats: int,
            memory_seconds: float) -> list[Row]:
    """History-length latencies (result cache off), then the memory load on a fresh
    server with the default settings."""
    headers = auth_headers(database.path)
    with Server(database.path, log_path, headers=headers, env={CACHE_SIZE: "0"}) as server:
        short_body = graphql_body(queries.WHO_DECIDES_WHAT_ONLY, {"id": database.short_id})
        long_body = graphql_body(queries.WHO_DECIDES_WHAT_ONLY, {"id": database.long_id})
        started = time.perf_counter()
        long_version = server.graphql(
            queries.WHO_DECIDES_WHAT_ONLY, {"id": database.long_id})["trajectory"]["version"]
        cold_ms = (time.perf_counter() - started) * 1000
        short_version = server.graphql(
            queries.WHO_DECIDES_WHAT_ONLY, {"id": database.short_id})["trajectory"]["version"]
        if (short_version, long_version) != (10, 100_000):
            raise RuntimeError(f"unexpected versions {short_version}, {long_version}")
        short: list[float] = []
        long_: list[float] = []
        for round_ in range(repeats):
            log(f"history length, round {round_ + 1} of {repeats}")
            for body, samples in ((short_body, short), (long_body, long_)):
                result = load(server.url + "/graphql", bodies=[body], seconds=seconds,
                              connections=1, headers=server.headers)
                if result.errors:
                    raise RuntimeError(f"history length: {result.errors} failed requests")
                samples.append(result.p50_ms)

    with Server(database.path, log_path.with_suffix(".memory.log"), headers=headers) as server:
        idle_mb = vm_rss_mb(server.pid)
        log(f"memory: read query on {DISTINCT_TRAJECTORIES:,} trajectories, then the long one")
        ids = database.small_ids[:DISTINCT_TRAJECTORIES]
        bodies = [graphql_body(queries.READ, {"id": i}) for i in ids]
        with PeakSampler(server.pid, "RssAnon") as small_anonymous:
            result = load(server.url + "/graphql", bodies=bodies, seconds=memory_seconds,
                          connections=4, cycle=True, headers=server.headers)
            if result.errors:
                raise RuntimeError(f"memory: {result.errors} failed requests")
        small_peak_mb = vm_hwm_mb(server.pid)
        with PeakSampler(server.pid, "RssAnon") as anonymous:
            server.graphql(queries.READ, {"id": database.long_id})
            server.graphql(queries.LIST)  # its first page holds the long trajectory too
            load(server.url + "/graphql", bodies=bodies[:200], seconds=2, connections=4,
                 cycle=True, headers=server.headers)
        peak_mb = vm_hwm_mb(server.pid)
        covered = min(result.requests, len(bodies))

    return [
        Row(SHORT, "ms", Stats.of(short), note="HTTP, 1 connection, p50; result cache off"),
        Row(LONG, "ms", Stats.of(long_), limit=SHORT, target="<= 1.2",
            note="HTTP, 1 connection, p50; result cache off; aggregate cached, one SELECT"),
        Row(COLD, "ms", Stats.of([cold_ms]), note="from the snapshot at version 100,000"),
        Row(MEMORY_SMALL, "MB", Stats.of([small_peak_mb]),
            note=f"VmHWM; {idle_mb:.0f} MB at start; RssAnon peak "
                 f"{small_anonymous.peak_mb:.0f} MB; {covered:,} of {len(bodies):,} documents "
                 f"(read query on 100-event trajectories) in "
                 f"{result.requests:,} requests"),
        Row(MEMORY, "MB", Stats.of([peak_mb]), target=f"<= {MEMORY_LIMIT_MB}",
            note=f"VmHWM after the read query on the 100,000-event trajectory and a page "
                 f"of the trajectory list too; "
                 f"RssAnon peak {anonymous.peak_mb:.0f} MB; "
                 f"{snapshot_layout(database.path, database.long_id)}"),
    ]


def snapshot_layout(path: Path, trajectory_id: str) -> str:
    """The size and layout of a trajectory's latest snapshot in the file: records in
    tables, or as dicts (written before tables; a file built before them keeps that
    snapshot, which decodes with the whole text in memory)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        row = connection.execute(
            "SELECT length(state), instr(state, CAST('\"entity_table\"' AS BLOB)) > 0 "
            "FROM stored_snapshots WHERE originator_id = ? "
            "ORDER BY originator_version DESC LIMIT 1", (UUID(trajectory_id).hex,)).fetchone()
    if row is None:
        return "no snapshot"
    layout = "records in tables" if row[1] else "records as dicts (written before tables)"
    return f"its snapshot {row[0] / 1e6:.1f} MB, {layout}"
