"""The databases the benchmarks run on: the demo trajectory, and a 1,000,000-event file.

The large file is made fast by triggering many events on aggregates in memory and saving
thousands per transaction, without snapshots on the way (one snapshot is taken at the
end, where the live service would have taken its latest). It is cached under /tmp,
keyed by the code that decides what is stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar
from uuid import uuid4

from bench.harness import log
from decisionlog.application import DecisionLog
from decisionlog.demo import seed_demo
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Provenance
from decisionlog.infrastructure.config import parse_database_url

CACHE_DIRECTORY = Path(os.environ.get("BENCH_CACHE", "/tmp/decisionlog-bench-cache"))
GENERATOR_VERSION = "3"
OUT_OF_MANDATE_EVERY = 50  # one decision in 50 is taken by someone without the right
TOTAL_EVENTS = 1_000_000
LONG_EVENTS = 100_000
SHORT_EVENTS = 10
SMALL_EVENTS = 100
BATCH_EVENTS = 5_000
PROVENANCE = Provenance("bench", None, None)


def open_log(path: Path) -> DecisionLog:
    """The application on a SQLite file, as the server opens it."""
    return DecisionLog(env=parse_database_url(f"sqlite:///{path}").env)


def auth_headers(path: Path) -> dict[str, str]:
    """The header of a new facilitator token in the file's token store, if it has one."""
    try:
        from decisionlog.auth import token_store
    except ImportError:  # a service without authentication
        return {}
    app = open_log(path)
    try:
        token = token_store(app).create(name=f"bench-{uuid4().hex[:12]}", role="facilitator",
                                        trajectories=[])
    finally:
        app.close()
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class DemoDatabase:
    """The demo trajectory, and a second trajectory that takes the benchmark's writes."""

    path: Path
    demo_id: str
    write_input: dict[str, Any]
    headers: dict[str, str]


def demo_database(path: Path) -> DemoDatabase:
    """Record the demo trajectory and a trajectory to write to in a new SQLite file."""
    app = open_log(path)
    try:
        demo_id = seed_demo(app)
        target = Trajectory.start(name="Write target", client=None, description=None,
                                  provenance=PROVENANCE)
        members = [target.add_member(name=f"Member {n}", role="designer", side="CLIENT",
                                     membership="CORE", provenance=PROVENANCE)
                   for n in range(3)]
        domain = target.define_domain(name="Programme design", description=None,
                                      provenance=PROVENANCE)
        target.grant_right(domain_id=domain, member_id=members[0], role=None,
                           right="DECIDES", condition=None, provenance=PROVENANCE)
        app.save(target)
    finally:
        app.close()
    return DemoDatabase(path, demo_id, headers=auth_headers(path), write_input={
        "trajectoryId": str(target.id), "domainId": domain,
        "title": "Keep the morning check-in",
        "statement": "Every session starts with a fifteen-minute check-in round.",
        "rationale": "The team asked for it in the last retrospective.",
        "decidedBy": [members[0]], "consulted": [members[1]], "scale": "SMALL",
    })


@dataclass(frozen=True)
class BigDatabase:
    """A 1,000,000-event file: one long trajectory, one of 10 events, many of 100."""

    path: Path
    long_id: str
    short_id: str
    small_ids: list[str]
    events: int
    seconds_to_build: float


def big_database() -> BigDatabase:
    """The cached 1,000,000-event database, built first if the code changed."""
    key = _cache_key()
    path = CACHE_DIRECTORY / f"big-{key}.db"
    index = path.with_suffix(".json")
    if path.exists() and index.exists():
        data = json.loads(index.read_text())
        data["path"] = Path(data["path"])
        return BigDatabase(**data)
    CACHE_DIRECTORY.mkdir(parents=True, exist_ok=True)
    for stale in CACHE_DIRECTORY.glob("big-*"):  # older builds of this generator only
        stale.unlink()
    building = CACHE_DIRECTORY / f"building-{os.getpid()}.db"
    log(f"building a {TOTAL_EVENTS:,}-event database (cached in {CACHE_DIRECTORY})")
    started = time.perf_counter()
    ids = _build(building)
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{building}{suffix}")
        if source.exists():
            source.rename(f"{path}{suffix}")
    seconds = time.perf_counter() - started
    database = BigDatabase(path=path, events=TOTAL_EVENTS, seconds_to_build=seconds, **ids)
    index.write_text(json.dumps({**asdict(database), "path": str(path)}))
    log(f"built in {seconds:.0f} s")
    return database


class _BulkLog(DecisionLog):
    """The application without snapshotting, for building: one snapshot comes at the end."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}


def _build(path: Path) -> dict[str, Any]:
    app = _BulkLog(env=parse_database_url(f"sqlite:///{path}").env)
    try:
        short = _trajectory("Short", SHORT_EVENTS)
        long_ = _trajectory("Long", LONG_EVENTS, save=app, small_team=True)
        app.save(short)
        small_ids: list[str] = []
        remaining = TOTAL_EVENTS - LONG_EVENTS - SHORT_EVENTS
        pending: list[Trajectory] = []
        while remaining > 0:
            size = min(SMALL_EVENTS, remaining)
            pending.append(_trajectory(f"Programme {len(small_ids)}", size))
            small_ids.append(str(pending[-1].id))
            remaining -= size
            if len(pending) * SMALL_EVENTS >= BATCH_EVENTS:
                app.save(*pending)
                pending.clear()
                if len(small_ids) % 1000 == 0:
                    log(f"  {len(small_ids):,} small trajectories")
        app.save(*pending)
    finally:
        app.close()
    snapshotting = open_log(path)
    try:
        snapshotting.take_snapshot(long_.id, version=long_.version)
    finally:
        snapshotting.close()
    return {"long_id": str(long_.id), "short_id": str(short.id), "small_ids": small_ids}


def _trajectory(name: str, events: int, *, save: DecisionLog | None = None,
                small_team: bool = False) -> Trajectory:
    """A trajectory of exactly `events` events: a team, domains, rights, then decisions.

    The long one gets the short one's small team (3 members, 2 domains, 2 rights), so
    that the two differ only in the length of their history.
    """
    t = Trajectory.start(name=name, client="Bench client", description=None,
                         provenance=PROVENANCE)
    team = 3 if small_team or events < 20 else 5
    members = [t.add_member(name=f"Member {n}", role=("lead" if n == 0 else "designer"),
                            side="CLIENT" if n % 2 else "PROVIDER", membership="CORE",
                            provenance=PROVENANCE) for n in range(team)]
    domains = [t.define_domain(name=f"Domain {n}", description=f"Area {n} of the programme",
                               provenance=PROVENANCE) for n in range(4 if team == 5 else 2)]
    for n, domain in enumerate(domains):  # the holder of domain n is member n
        t.grant_right(domain_id=domain, member_id=members[n % team], role=None,
                      right="DECIDES", condition=None, provenance=PROVENANCE)
        if team == 5 and n < 2:
            t.grant_right(domain_id=domain, member_id=None, role="designer",
                          right="ADVISES", condition=None, provenance=PROVENANCE)
    for n in range(events - t.version):
        domain = domains[n % len(domains)]
        t.record_decision(
            domain_id=domain, title=f"Decision {n} on {domain[:8]}",
            statement=f"Statement {n}: the team agrees on the next step for this area, "
                      "after talking it through in the design meeting.",
            rationale=f"Rationale {n}" if n % 2 else None,
            options_considered=["Option A", "Option B"] if n % 3 == 0 else None,
            decided_by=[members[(n + (n % OUT_OF_MANDATE_EVERY == 0)) % len(domains)]],
            consulted=[members[(n + 1) % team]], provenance=PROVENANCE,
        )
        if save is not None and len(t.pending_events) >= BATCH_EVENTS:
            save.save(t)
            if t.version % 20_000 == 0:
                log(f"  long trajectory at {t.version:,} events")
    if save is not None:
        save.save(t)
    assert t.version == events, (t.version, events)
    return t


def _cache_key() -> str:
    """A digest of what is stored: the fields of every event and entity class, the code
    that encodes snapshots, and this generator's version.

    Changes to the rules of the domain or to the read models' code do not invalidate the
    file (the read models catch up on start when they lag); a change to what an event or
    a snapshot holds, or to how a snapshot is written, does. Delete CACHE_DIRECTORY to
    force a new build.
    """
    import dataclasses

    from decisionlog.domain import entities, events
    from decisionlog.infrastructure import transcodings

    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    digest.update(Path(transcodings.__file__).read_bytes())
    for module in (events, entities):
        for name, value in sorted(vars(module).items()):
            if isinstance(value, type) and value.__module__ == module.__name__:
                fields = (sorted(f.name for f in dataclasses.fields(value))
                          if dataclasses.is_dataclass(value)
                          else sorted(getattr(value, "__annotations__", {})))
                digest.update(f"{name}:{','.join(fields)};".encode())
    return digest.hexdigest()[:16]
