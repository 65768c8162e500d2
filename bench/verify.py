"""Benchmark: `verify` against reading and decoding the same events through eventsourcing.

    .venv/bin/python bench/verify.py [--events 1000000] [--per-trajectory 1000] [--runs 2]
                                     [--quick] [--file PATH]
    .venv/bin/python -m bench        (as one part of the suite, on its 1,000,000-event file)

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
from dataclasses import dataclass, field
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


@dataclass
class Measurements:
    """Interleaved runs of reading+decoding and of verifying the same store: events/s."""

    read_wall: list[float] = field(default_factory=list)
    read_cpu: list[float] = field(default_factory=list)
    verify_wall: list[float] = field(default_factory=list)
    verify_cpu: list[float] = field(default_factory=list)
    events: int = 0
    trajectories: int = 0
    intact: bool = True


def measure(path: str, runs: int, *, say: Callable[[str], None] = print) -> Measurements:
    """Time `runs` interleaved rounds of read+decode and of verify over the whole file."""
    app = AuditReader(env=_env(path))  # reads only: no read models to bring up to date
    found = Measurements()
    found.events = read_and_decode(app)  # warms the page cache and the topic cache
    for run in range(1, runs + 1):
        count, wall, cpu = _timed(lambda: read_and_decode(app))
        found.read_wall.append(count / wall)
        found.read_cpu.append(count / cpu)
        checked, wall, cpu = _timed(lambda: verify(app).events_checked)
        found.verify_wall.append(checked / wall)
        found.verify_cpu.append(checked / cpu)
        say(f"run {run}: read+decode {found.read_wall[-1]:,.0f} events/s "
            f"({found.read_cpu[-1]:,.0f}/s of CPU), verify {found.verify_wall[-1]:,.0f} "
            f"events/s ({found.verify_cpu[-1]:,.0f}/s of CPU), {checked:,} events")
    report = verify(app)
    found.trajectories, found.intact = len(report.trajectories), report.ok
    app.close()
    return found


def _timed(work: Callable[[], int]) -> tuple[int, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    count = work()
    return count, time.perf_counter() - wall, time.process_time() - cpu


def own_file(events: int, per_trajectory: int) -> str:
    """This script's own store of `events` events, built once and cached."""
    path = os.path.join(tempfile.gettempdir(),
                        f"decisionlog-bench-verify-{events}-{per_trajectory}.db")
    if not os.path.exists(path):
        print(f"building {path} ...", flush=True)
        started = time.perf_counter()
        build(path + ".tmp", events, per_trajectory)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + ".tmp" + suffix):
                os.replace(path + ".tmp" + suffix, path + suffix)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def run(*, quick: bool) -> list[Any]:
    """Rows for `python -m bench`: on the suite's 1,000,000-event file (100,000 of this
    script's own when quick), read+decode as the raw limit of verify."""
    from bench.harness import Row, Stats, log

    if quick:
        path, what = own_file(100_000, 1_000), "100,000 events (quick)"
    else:
        from bench.data import big_database

        path, what = str(big_database().path), "the 1,000,000-event file"
    found = measure(path, 2 if quick else 3, say=log)
    cpu_ratio = max(found.verify_cpu) / max(found.read_cpu)
    read = "read+decode all events (recorder+mapper)"
    return [
        Row(read, "events/s", Stats.of(found.read_wall), note=what),
        Row("verify all chains", "events/s", Stats.of(found.verify_wall), limit=read,
            target=">= 0.5", note=f"{found.trajectories:,} trajectories, "
            f"{'intact' if found.intact else 'DAMAGED'}; by CPU time {cpu_ratio:.2f}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-trajectory", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="100,000 events")
    parser.add_argument("--file", help="measure this SQLite file instead of building one")
    args = parser.parse_args()
    events = 100_000 if args.quick else args.events
    path = args.file or own_file(events, args.per_trajectory)
    found = measure(path, args.runs)
    print(f"store: {found.events:,} events, {found.trajectories:,} trajectories, "
          f"{'intact' if found.intact else 'DAMAGED'}")
    for label, read_rates, verify_rates in (
            ("wall clock", found.read_wall, found.verify_wall),
            ("CPU time", found.read_cpu, found.verify_cpu)):
        read_rate, verify_rate = max(read_rates), max(verify_rates)
        print(f"{label:>10}: read+decode {read_rate:,.0f} events/s, verify "
              f"{verify_rate:,.0f} events/s, ratio verify/read {verify_rate / read_rate:.2f} "
              "(target >= 0.5; best of each)")

if __name__ == "__main__":
    main()
