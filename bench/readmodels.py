"""Read-model benchmark: 10,000 trajectories and 1,000,000 events in one SQLite file.

    python bench/readmodels.py [--quick] [--rebuild] [--cache DIR]

Prints in-process medians of `trajectories(first: 20)`, decision text searches and
`mandates` (target: under 20 ms each), and the latency of `whoDecidesWhat` through
`DecisionLog.get_trajectory` on a 100,000-event trajectory as a ratio to a 10-event one
(target: within 1.2x). Also: cold loads and `asOf` loads with and without snapshots,
and, with --rebuild, the rate of `decisionlog rebuild`. Figures only, no asserts.

The file is generated once (events made in memory and saved thousands per transaction,
through the same recorder, so the views are built live) and cached under
/tmp/decisionlog-bench-cache, keyed by the code that decides what is stored.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from decisionlog.application import DecisionLog  # noqa: E402
from decisionlog.domain.errors import DecisionLogError  # noqa: E402
from decisionlog.domain.trajectory import Trajectory  # noqa: E402
from decisionlog.domain.values import Provenance  # noqa: E402
from decisionlog.infrastructure.config import parse_database_url  # noqa: E402
from decisionlog.readmodels import DecisionFilter, DecisionOrder, rebuild  # noqa: E402

CACHE = Path(os.environ.get("BENCH_CACHE", "/tmp/decisionlog-bench-cache"))
GENERATOR_VERSION = "readmodels-2"
TRAJECTORIES = 10_000
EVENTS = 1_000_000
LONG_EVENTS = 100_000
SHORT_EVENTS = 10
BATCH_EVENTS = 5_000
TARGET_MS = 20.0
P = Provenance("bench")
START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)


def _words(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


FIRST = _words("Anna Bram Carla Daan Eva Femke Gijs Hanna Ilse Joost Karin Lars Maaike Niels Olga "
         "Pieter Quinten Rosa Sander Tessa Ugo Vera Wout Xandra Yara Zeno Lotte Milan Noor "
         "Ruben Sanne Thijs Iris Jesse Lieke Mark Nina Okke Puck Roel")
LAST = _words("de Vries|Jansen|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|"
        "Hendriks|van Dijk|Dekker|Brouwer|de Wit|Dijkstra|Smits|de Graaf|van der Meer|Kok|"
        "Jacobs|de Haan|Vermeulen|van den Berg|van der Heijden|Schouten|Willems|Hoekstra|"
        "Koster|Prins|Huisman|Kuipers|van Leeuwen|Maas|Verhoeven|Post|Kramer|Timmermans",
        "|")
ROLES = ["client lead", "programme manager", "learning facilitator", "HR lead",
         "line manager", "works council member", "specialist", "sponsor"]
DOMAIN_NAMES = ["Programme design", "Participant selection", "Budget",
                "Unity and difference", "Process design", "Evaluation", "Planning",
                "Communication", "Facilitator staffing", "Venue and logistics"]
WORDS = _words("programme design team client merger unity difference budget participants "
         "selection facilitator module session frame decision works council leadership "
         "development culture trajectory evaluation pilot intake coaching feedback "
         "planning venue residential online hybrid assessment sponsor board manager "
         "intervention redesign reflection learning goals scope phase kickoff follow-up "
         "traject ontwerp kernteam besluit kader leergang bijeenkomst deelnemers begroting "
         "eenheid verschil fusie organisatie leiderschap cultuur evaluatie opdrachtgever "
         "leerbegeleider werkvorm intervisie terugkoppeling planning locatie")
CONSONANTS = "bdfgklmnprstvwz"
VOWELS = "aeiou"


def vocabulary(rng: random.Random, size: int = 4000) -> tuple[list[str], list[float]]:
    """Real words first, then pseudo-words; Zipf weights (cumulative)."""
    words = list(WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS)
                       for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    cumulative, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1.0 / rank
        cumulative.append(total)
    return words, cumulative


class Generator:
    """Builds trajectories in memory with a global clock, one event a few seconds apart."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words, self.weights = vocabulary(self.rng)
        self.now = START

    def text(self, low: int, high: int) -> str:
        count = self.rng.randint(low, high)
        return " ".join(self.rng.choices(self.words, cum_weights=self.weights, k=count))

    def tick(self) -> datetime:
        self.now += timedelta(seconds=self.rng.randint(5, 60))
        return self.now

    def trajectory(self, number: int, events: int, on_batch: Callable[[Trajectory], None]
                   | None = None) -> Trajectory:
        rng = self.rng
        t = Trajectory.start(name=f"{self.text(1, 3).title()} {number}",
                             client=f"Client {rng.randint(1, 800)}",
                             description=self.text(5, 15), provenance=P, now=self.tick())
        team = [t.add_member(name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                             role=rng.choice(ROLES), side=rng.choice(["CLIENT", "PROVIDER"]),
                             membership=rng.choice(["CORE", "CORE", "SPECIALIST"]),
                             provenance=P, now=self.tick())
                for _ in range(min(rng.randint(4, 8), max(events - 3, 1)))]
        domains: list[str] = []
        for name in rng.sample(DOMAIN_NAMES, rng.randint(3, 6)):
            if t.version < events:
                domains.append(t.define_domain(name=name, description=self.text(4, 10),
                                               provenance=P, now=self.tick()))
        for domain in domains:
            if t.version + 2 > events:
                break
            self._grant(t, domain, team, "DECIDES")
            self._grant(t, domain, team, "ADVISES")
        closes = events > 20 and rng.random() < 0.1
        recent: list[str] = []  # decisions recorded lately (candidates to supersede)
        surfaced: list[str] = []  # implicit decisions awaiting ratification
        while t.version < events - closes:
            self._step(t, team, domains, recent, surfaced)
            if on_batch is not None and len(t.pending_events) >= BATCH_EVENTS:
                on_batch(t)
        if closes:
            t.close(reason="programme finished", provenance=P, now=self.tick())
        return t

    def _grant(self, t: Trajectory, domain: str, team: list[str], kind: str) -> None:
        rng = self.rng
        member = rng.choice(team)
        by_role = rng.random() < 0.5
        with contextlib.suppress(DecisionLogError):
            t.grant_right(domain_id=domain, member_id=None if by_role else member,
                          role=t.members[member].role if by_role else None, right=kind,
                          condition="above 10k euro" if rng.random() < 0.2 else None,
                          provenance=P, now=self.tick())

    def _step(self, t: Trajectory, team: list[str], domains: list[str], recent: list[str],
              surfaced: list[str]) -> None:
        rng = self.rng
        roll = rng.random()
        now = self.tick()
        active = [m for m in team if t.members[m].active]
        try:
            if roll < 0.80 or not active:
                del recent[:-20]
                in_force = [d for d in recent if t.decisions[d].status.value == "IN_FORCE"]
                recent.append(t.record_decision(
                    domain_id=rng.choice(domains), title=self.text(3, 7).capitalize(),
                    statement=self.text(8, 20).capitalize() + ".",
                    rationale=self.text(6, 15).capitalize() if rng.random() < 0.6 else None,
                    decided_by=[rng.choice(active)],
                    consulted=[m for m in rng.sample(active, min(2, len(active)))][:1],
                    scale=rng.choice(["SMALL", "SMALL", "LARGE"]),
                    kind="FRAME" if rng.random() < 0.1 else "DECISION",
                    decided_at=now - timedelta(days=rng.randint(1, 30))
                    if rng.random() < 0.1 else None,
                    supersedes=[rng.choice(in_force)] if in_force and rng.random() < 0.1
                    else None, provenance=P, now=now))
            elif roll < 0.90:
                surfaced.append(t.surface_implicit_decision(
                    domain_id=rng.choice(domains), title=self.text(3, 6).capitalize(),
                    statement=self.text(8, 16).capitalize() + ".",
                    surfaced_by=rng.choice(active),
                    since=now - timedelta(days=rng.randint(1, 90))
                    if rng.random() < 0.7 else None, provenance=P, now=now))
            elif roll < 0.97:
                if surfaced:
                    decision = surfaced.pop(rng.randrange(len(surfaced)))
                    if rng.random() < 0.67:
                        t.ratify_decision(decision_id=decision,
                                          ratified_by=[rng.choice(active)],
                                          rationale=self.text(4, 10), provenance=P, now=now)
                    else:
                        t.reject_decision(decision_id=decision,
                                          rejected_by=[rng.choice(active)], reason=None,
                                          provenance=P, now=now)
            else:
                t.change_member(member_id=rng.choice(active), role=rng.choice(ROLES),
                                membership=None, provenance=P, now=now)
        except DecisionLogError:
            pass


class BulkLog(DecisionLog):
    """No snapshots while loading (see the snapshot figures for why)."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}


# Building the file


def cache_key() -> str:
    """A digest of the code that decides what is stored (the domain, the application,
    the view schema, projector and tokenizer), and of the generator version."""
    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    package = ROOT / "decisionlog"
    stored = [package / "readmodels" / name for name in ("schema.py", "projector.py",
                                                          "search.py")]
    for source in sorted([*package.glob("domain/**/*.py"), *stored,
                          *package.glob("application/*.py"),
                          package / "infrastructure" / "transcodings.py"]):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def sqlite_env(path: Path) -> dict[str, str]:
    return dict(parse_database_url(f"sqlite:///{path}").env)


def database(cache: Path) -> tuple[Path, dict[str, Any]]:
    """The cached file and its index (ids of the long and short trajectories, timings)."""
    path = cache / f"readmodels-{cache_key()}.db"
    index = path.with_suffix(".json")
    if path.exists() and index.exists():
        return path, json.loads(index.read_text())
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob("readmodels-*"):  # other keys, and builds cut off
        pid = stale.name.split("-")[2].split(".")[0] if "-building-" in stale.name else ""
        if not pid or not Path(f"/proc/{pid}").exists():
            stale.unlink(missing_ok=True)
    building = cache / f"readmodels-building-{os.getpid()}.db"
    info = build(building)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{building}{suffix}").exists():
            Path(f"{building}{suffix}").rename(f"{path}{suffix}")
    index.write_text(json.dumps(info))
    return path, info


def sizes(rng: random.Random, count: int, total: int) -> list[int]:
    """`count` trajectory lengths between about 40 and 140 that add up to `total`."""
    lengths = [rng.randint(40, 140) for _ in range(count)]
    step = 1 if sum(lengths) < total else -1
    i = 0
    while sum(lengths) != total:
        if lengths[i % count] + step >= 20:
            lengths[i % count] += step
        i += 1
    return lengths


def build(path: Path) -> dict[str, Any]:
    log(f"building {EVENTS:,} events in {TRAJECTORIES:,} trajectories into {path}")
    started = time.perf_counter()
    generator = Generator()
    app = BulkLog(env=sqlite_env(path))
    try:
        long_ = generator.trajectory(0, LONG_EVENTS, on_batch=app.save)
        app.save(long_)
        short = generator.trajectory(1, SHORT_EVENTS)
        app.save(short)
        pending: list[Trajectory] = []
        lengths = sizes(generator.rng, TRAJECTORIES - 2, EVENTS - LONG_EVENTS - SHORT_EVENTS)
        for number, length in enumerate(lengths, start=2):
            pending.append(generator.trajectory(number, length))
            if sum(len(t.pending_events) for t in pending) >= BATCH_EVENTS:
                app.save(*pending)
                pending.clear()
            if number % 2000 == 0:
                log(f"  {number:,} trajectories, {time.perf_counter() - started:.0f} s")
        app.save(*pending)
        events = app.recorder.max_notification_id()
        lag = app.readmodels.lag()
    finally:
        app.close()
    seconds = time.perf_counter() - started
    log(f"built {events:,} events in {seconds:.0f} s ({events / seconds:,.0f} events/s, "
        f"views written live; lag {lag})")
    snapshots = DecisionLog(env=sqlite_env(path))  # snapshots where asOf figures need them
    try:
        for version in (LONG_EVENTS // 2, LONG_EVENTS):
            snapshots.take_snapshot(long_.id, version=version)
    finally:
        snapshots.close()
    return {"long_id": str(long_.id), "short_id": str(short.id), "events": events,
            "build_seconds": seconds, "member_name": short.members[next(iter(short.members))]
            .name}


# Measuring


def log(message: str) -> None:
    print(f"[readmodels {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median_ms(body: Callable[[], object], *, repeats: int, warmup: int = 3) -> list[float]:
    """Milliseconds of `repeats` calls (after `warmup` calls)."""
    for _ in range(warmup):
        body()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


class Table:
    """Collects figures; prints them as they come."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, figure: str, samples: Sequence[float], *, unit: str = "ms",
            target: str | None = None, note: str = "", limit: str | None = None) -> float:
        median = statistics.median(samples)
        self.rows.append({"figure": figure, "unit": unit, "median": median,
                          "min": min(samples), "max": max(samples), "samples": list(samples),
                          "target": target, "note": note, "limit": limit})
        verdict = ""
        if target and limit is None:
            bound = float(target.split()[1])
            met = median <= bound if target.startswith("<=") else median >= bound
            verdict = f"  target {target}: {'met' if met else 'MISSED'}"
        print(f"{figure:<58} {median:10.3f} {unit:<4} (min {min(samples):.3f}, "
              f"max {max(samples):.3f}){verdict}{'  ' + note if note else ''}", flush=True)
        return median

    def ratio(self, figure: str, value: float, *, target: str, note: str = "") -> None:
        bound = float(target.split()[1])
        met = value <= bound if target.startswith("<=") else value >= bound
        self.rows.append({"figure": figure, "unit": "x", "median": value, "samples": [value],
                          "target": target, "note": note})
        print(f"{figure:<58} {value:10.3f} x    target {target}: "
              f"{'met' if met else 'MISSED'}{'  ' + note if note else ''}", flush=True)


def measure(path: Path, info: dict[str, Any], *, quick: bool, with_rebuild: bool) -> Table:
    repeats = 31 if quick else 201
    table = Table()
    app = DecisionLog(env=sqlite_env(path))
    try:
        rm = app.readmodels
        print(f"\n{info['events']:,} events, {rm.trajectories(first=0).total_count:,} "
              f"trajectories, {rm.count_decisions():,} decisions; built in "
              f"{info['build_seconds']:.0f} s ({info['events'] / info['build_seconds']:,.0f} "
              "events/s with live views)\n")
        ms = "<= 20"
        table.add("trajectories(first: 20) with totalCount",
                  median_ms(lambda: rm.trajectories(first=20), repeats=repeats), target=ms)
        second = rm.trajectories(first=20).rows[-1].position
        table.add("trajectories(first: 20, after: page 1)",
                  median_ms(lambda: rm.trajectories(first=20, after=second), repeats=repeats))
        table.add("trajectories(status: CLOSED, first: 20) with totalCount",
                  median_ms(lambda: rm.trajectories(status=_closed(), first=20),
                            repeats=repeats))
        table.add("trajectories(search: 'leadership', first: 20)",
                  median_ms(lambda: rm.trajectories(search="leadership", first=20),
                            repeats=repeats))
        for query, label in [("budget leadership", "two common words"),
                             ("intervisie", "a rare word"), ("facilit", "a prefix"),
                             ("programme", "the most common word"),
                             ("kernteam besluit kader", "three words")]:
            where = DecisionFilter(search=query)
            hits = rm.count_decisions(where)
            table.add(f"decisions(search: '{query}', first: 20)",
                      median_ms(lambda where=where: rm.decisions(where, first=20),
                                repeats=repeats),
                      target=ms if query == "budget leadership" else None,
                      note=f"{label}, {hits:,} matches")
        uncommon = Generator().words[1000]  # in about 0.3% of the decisions
        for order in DecisionOrder:
            where = DecisionFilter(search=uncommon)
            table.add(f"decisions(search: '{uncommon}', {order.value}, first: 20)",
                      median_ms(lambda where=where, order=order: rm.decisions(
                          where, first=20, order=order), repeats=repeats),
                      note=f"{rm.count_decisions(where):,} matches: past the scan budget")
        where = DecisionFilter(search="budget leadership")
        table.add("decisions(search: 'budget leadership') with totalCount",
                  median_ms(lambda: rm.decisions(where, first=20, count=True),
                            repeats=repeats))
        table.add("decisions(search: 'budget leadership', OLDEST_FIRST)",
                  median_ms(lambda: rm.decisions(where, first=20,
                                                 order=DecisionOrder.OLDEST_FIRST),
                            repeats=repeats))
        table.add("decisions(first: 20) newest first, no filter",
                  median_ms(lambda: rm.decisions(first=20), repeats=repeats))
        name = info["member_name"]
        by_name = DecisionFilter(decided_by=name, search="budget")
        table.add(f"decisions(decidedBy: '{name}', search: 'budget')",
                  median_ms(lambda: rm.decisions(by_name, first=20), repeats=repeats))
        held = len(rm.mandates(name))
        table.add(f"mandates(memberName: '{name}')",
                  median_ms(lambda: rm.mandates(name), repeats=repeats), target=ms,
                  note=f"{held} rights")
        table.add("openImplicitDecisions(first: 20)",
                  median_ms(lambda: rm.open_implicit_decisions(first=20), repeats=repeats))
        who_decides_what(app, info, table, repeats=repeats)
        snapshots(path, info, table, quick=quick)
    finally:
        app.close()
    if with_rebuild:
        rebuild_rate(path, table)
    return table


def _closed() -> Any:
    from decisionlog.domain.values import TrajectoryStatus

    return TrajectoryStatus.CLOSED


def who_decides_what(app: DecisionLog, info: dict[str, Any], table: Table, *,
                     repeats: int) -> None:
    """whoDecidesWhat through get_trajectory (aggregate cache warm) on both trajectories."""
    def call(trajectory_id: str) -> Callable[[], object]:
        def body() -> object:
            trajectory = app.get_trajectory(trajectory_id)
            assert trajectory is not None
            return trajectory.who_decides_what()
        return body

    # Interleave the two, so that a slow spell of the machine hits both alike
    long_samples: list[float] = []
    short_samples: list[float] = []
    for _ in range(5):
        long_samples += median_ms(call(info["long_id"]), repeats=repeats * 2)
        short_samples += median_ms(call(info["short_id"]), repeats=repeats * 2)
    long_ = table.add(f"whoDecidesWhat, {LONG_EVENTS:,}-event trajectory", long_samples)
    short = table.add(f"whoDecidesWhat, {SHORT_EVENTS}-event trajectory", short_samples)
    table.ratio("whoDecidesWhat long / short", long_ / short, target="<= 1.2")


def snapshots(path: Path, info: dict[str, Any], table: Table, *, quick: bool) -> None:
    """Cold loads of the long trajectory: now, and as of version 50,000 and 49,999."""
    repeats = 1 if quick else 3
    with_snapshots = DecisionLog(env={**sqlite_env(path), "AGGREGATE_CACHE_MAXSIZE": ""})
    without = BulkLog(env={**sqlite_env(path), "AGGREGATE_CACHE_MAXSIZE": ""})
    try:
        long_id = info["long_id"]
        half = LONG_EVENTS // 2
        for label, app, version in [
            ("now, from the snapshot at 100,000", with_snapshots, None),
            ("now, replaying every event", without, None),
            (f"asOf version {half:,}, from the snapshot at {half:,}", with_snapshots, half),
            (f"asOf version {half + 199:,}, snapshot + 199 events", with_snapshots,
             half + 199),
            (f"asOf version {half:,}, replaying {half:,} events", without, half),
        ]:
            table.add(f"cold load of the long trajectory {label}", median_ms(
                lambda app=app, version=version: app.get_trajectory(long_id, version=version),
                repeats=repeats, warmup=0), unit="ms")
        assert with_snapshots.snapshots is not None
        snapshot = next(iter(with_snapshots.snapshots.recorder.select_events(
            UUID(long_id), desc=True, limit=1)))
        per_event = len(snapshot.state) / LONG_EVENTS
        print(f"{'snapshot of the long trajectory at 100,000 events':<58} "
              f"{len(snapshot.state) / 1e6:10.1f} MB")
        every_200 = sum(per_event * v for v in range(200, LONG_EVENTS + 1, 200))
        print(f"{'snapshots every 200 events up to 100,000 (estimated)':<58} "
              f"{every_200 / 1e9:10.1f} GB  (why this file was built without them)")
    finally:
        with_snapshots.close()
        without.close()


def rebuild_rate(path: Path, table: Table) -> None:
    """`rebuild` of a copy of the file: events per second."""
    import shutil

    copy = path.with_name("readmodels-rebuild-copy.db")
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")
    app = DecisionLog(env=sqlite_env(copy))
    try:
        report = rebuild(app, batch_size=2000)
        table.add("rebuild of every view", [report.events_applied / report.elapsed],
                  unit="ev/s", note=f"{report.events_applied:,} events in "
                                    f"{report.elapsed:.0f} s")
    finally:
        app.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)


def run(*, quick: bool) -> list[dict[str, Any]]:
    """Rows for `python -m bench`'s table, if the file is built (building it takes longer
    than the suite gives a part: run `python bench/readmodels.py` once first)."""
    path = CACHE / f"readmodels-{cache_key()}.db"
    if not path.exists() or not path.with_suffix(".json").exists():
        return [{"figure": "readmodels: the 1M-event file is not built", "unit": "",
                 "median": 0.0, "note": "run `python bench/readmodels.py` once (about 7 "
                                        "minutes), then the suite again"}]
    path, info = database(CACHE)
    return measure(path, info, quick=quick, with_rebuild=False).rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--rebuild", action="store_true",
                        help="also time a full rebuild of the views (a minute or two)")
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args(argv)
    path, info = database(args.cache)
    measure(path, info, quick=args.quick, with_rebuild=args.rebuild)
    return 0


if __name__ == "__main__":
    sys.exit(main())
