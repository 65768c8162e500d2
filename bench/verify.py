"""Benchmark: `verify` against reading and decoding the same events through eventsourcing.

    .venv/bin/python bench/verify.py [--events 1000000] [--per-trajectory 1000] [--runs 2]

Builds (once, cached in the temp directory) a SQLite file with that many events, then
times, in the same run, (a) reading the whole notification log through the application's
recorder in pages and decoding every event with its mapper, and (b) `verify(app)`.
Prints both rates and the ratio verify/read, by wall clock and by CPU time (steadier on a
shared machine), best of `--runs` interleaved runs; the target is a ratio of at least 0.5.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any, ClassVar

from decisionlog.audit.reader import AuditReader
from decisionlog.audit.verify import PAGE_SIZE, verify
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance

EVENTS_PER_SAVE = 500


class _Builder(AuditReader):
    """Saves trajectories without snapshots or read models, to fill the file fast."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}


def _env(path: str) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}


def build(path: str, events: int, per_trajectory: int) -> None:
    """Write `events` events, `per_trajectory` to a trajectory, many to a save."""
    app = _Builder(env=_env(path))
    written = 0
    number = 0
    while written < events:
        number += 1
        count = min(per_trajectory, events - written)
        trajectory = _trajectory(app, number, count)
        written += count
        if number % 50 == 0:
            print(f"  built {written:,} events", flush=True)
        del trajectory


def _trajectory(app: AuditReader, number: int, count: int) -> Trajectory:
    who = Provenance("bench-facilitator")
    t = Trajectory.start(name=f"Programme {number}", client="Client organisation",
                         description="A merger: unity and the difference that matters.",
                         provenance=who)
    members = [t.add_member(name=f"Member {i}", role=("client", "facilitator")[i % 2],
                            side=("CLIENT", "PROVIDER")[i % 2], membership="CORE",
                            provenance=who) for i in range(4)]
    domains = [t.define_domain(name=f"Domain {i}", description="What this covers.",
                               provenance=who) for i in range(3)]
    for domain_id in domains:
        t.grant_right(domain_id=domain_id, member_id=members[0], role=None, right="DECIDES",
                      condition=None, provenance=who)
    previous: str | None = None
    while t.version < count:
        if len(t.pending_events) >= EVENTS_PER_SAVE:
            app.save(t)
        step = t.version
        if step % 7 == 0:
            t.change_member(member_id=members[step % 4], role=f"role {step}", membership=None,
                            provenance=who)
            continue
        supersedes = [previous] if previous is not None and step % 3 == 0 else []
        previous = t.record_decision(
            domain_id=domains[step % 3], title=f"Decision {step}",
            statement="We keep the regional programmes apart for the first year.",
            rationale="The difference that makes the difference is in the regions.",
            options_considered=["one programme", "two programmes", "a staged merge"],
            decided_by=[members[0]], consulted=members[1:3], provenance=who,
            supersedes=supersedes,
        )
    app.save(t)
    return t


def read_and_decode(app: AuditReader) -> int:
    """Read every event through the recorder, decode it with the mapper; the count."""
    recorder, to_domain_event = app.recorder, app.mapper.to_domain_event
    stop = recorder.max_notification_id()
    start: int | None = None
    count = 0
    while True:
        page = recorder.select_notifications(
            start=start, limit=PAGE_SIZE, stop=stop, inclusive_of_start=False)
        for notification in page:
            to_domain_event(notification)
        count += len(page)
        if len(page) < PAGE_SIZE:
            return count
        start = page[-1].id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-trajectory", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    path = os.path.join(tempfile.gettempdir(),
                        f"decisionlog-bench-verify-{args.events}-{args.per_trajectory}.db")
    if not os.path.exists(path):
        print(f"building {path} ...", flush=True)
        started = time.perf_counter()
        build(path + ".tmp", args.events, args.per_trajectory)
        os.replace(path + ".tmp", path)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(path + ".tmp" + suffix):
                os.remove(path + ".tmp" + suffix)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    app = AuditReader(env=_env(path))  # reads only: no read models to bring up to date
    read_and_decode(app)  # warm the page cache and the topic cache
    read_rates: list[tuple[float, float]] = []
    verify_rates: list[tuple[float, float]] = []
    for run in range(1, args.runs + 1):
        count, wall, cpu = _timed(lambda: read_and_decode(app))
        read_rates.append((count / wall, count / cpu))
        checked, wall, cpu = _timed(lambda: verify(app).events_checked)
        verify_rates.append((checked / wall, checked / cpu))
        print(f"run {run}: read+decode {read_rates[-1][0]:,.0f} events/s "
              f"({read_rates[-1][1]:,.0f}/s of CPU), verify {verify_rates[-1][0]:,.0f} "
              f"events/s ({verify_rates[-1][1]:,.0f}/s of CPU), {checked:,} events",
              flush=True)
    report = verify(app)
    print(f"store: {report.events_checked:,} events, {len(report.trajectories):,} "
          f"trajectories, {'intact' if report.ok else 'DAMAGED'}")
    for label, index in (("wall clock", 0), ("CPU time", 1)):
        read_rate = max(r[index] for r in read_rates)
        verify_rate = max(r[index] for r in verify_rates)
        print(f"{label:>10}: read+decode {read_rate:,.0f} events/s, verify "
              f"{verify_rate:,.0f} events/s, ratio verify/read {verify_rate / read_rate:.2f} "
              "(target >= 0.5; best of each)")


def _timed(work: Callable[[], int]) -> tuple[int, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    count = work()
    return count, time.perf_counter() - wall, time.process_time() - cpu


if __name__ == "__main__":
    main()
