"""`python -m bench [--quick]`: run the suite, print the table, write bench/results.json."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import ROOT, Row, Stats, compare, have_wrk, log

CORE_MODULES = frozenset({"__init__", "__main__", "api", "data", "harness", "history",
                          "queries", "raw", "serverapp"})
PREFERRED_ORDER = ("readmodels", "verify", "postgres")


@dataclass(frozen=True)
class Settings:
    """How long each figure runs."""

    quick: bool
    seconds: float  # per HTTP load run
    repeats: int
    raw_seconds: float  # per in-process raw-limit run
    notification_events: int
    memory_seconds: float
    part_timeout: float  # per optional part
    budget: float  # for the whole run: optional parts get what is left

    @classmethod
    def of(cls, quick: bool) -> Settings:
        if quick:
            return cls(True, 2, 3, 1, 50_000, 8, 120, 170)
        return cls(False, 5, 3, 2, 200_000, 20, 300, 570)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs (under 3 minutes)")
    parser.add_argument("--only", nargs="+", choices=["raw", "api", "history", "parts"],
                        help="run only these groups")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("--part-output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part:
        return _run_part_inline(args.part, quick=args.quick, output=args.part_output)

    settings = Settings.of(args.quick)
    groups = set(args.only or ["raw", "api", "history", "parts"])
    started = time.perf_counter()
    rows: list[Row] = []
    parts: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="decisionlog-bench-") as temporary:
        directory = Path(temporary)
        rows += _core(settings, groups, directory)
        if "parts" in groups:
            for name in _optional_parts():
                left = settings.budget - (time.perf_counter() - started)
                if left < 30:
                    parts[name] = {"status": "skipped: the run's time budget is spent",
                                   "output": ""}
                    continue
                part_rows, parts[name] = _run_part(name, settings, directory,
                                                   timeout=min(settings.part_timeout, left))
                rows += part_rows
    compare(rows)
    elapsed = time.perf_counter() - started
    print(format_table(rows))
    for name, part in parts.items():
        print(f"\n--- bench.{name}: {part['status']} ---")
        if part.get("output"):
            print(part["output"].rstrip())
    print(f"\n{_summary(rows)}; {elapsed:.0f} s; written to {args.output}")
    args.output.write_text(json.dumps({
        "machine": machine(), "quick": settings.quick, "seconds": round(elapsed, 1),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rows": [row.as_dict() for row in rows], "parts": parts,
    }, indent=2) + "\n")
    return 0


def _core(settings: Settings, groups: set[str], directory: Path) -> list[Row]:
    from bench import api, data, history, raw

    rows: list[Row] = []
    big = data.big_database() if groups & {"raw", "history"} else None
    if "raw" in groups:
        assert big is not None
        log("raw limit: notification log")
        reads = raw.measure_reads(big.path, repeats=settings.repeats,
                                  events=settings.notification_events)
        rows.append(Row(raw.NOTIFICATIONS, "events/s", reads,
                        note=f"first {settings.notification_events:,} of the 1M-event file"))
    if "api" in groups or "raw" in groups:  # the write limits run in the HTTP rounds
        demo = data.demo_database(directory / "demo.db")
        rows += api.measure(demo, directory / "server-demo.log", seconds=settings.seconds,
                            repeats=settings.repeats, raw_seconds=settings.raw_seconds)
    if "history" in groups:
        assert big is not None
        rows += history.measure(big, directory / "server-big.log", seconds=settings.seconds,
                                repeats=settings.repeats,
                                memory_seconds=settings.memory_seconds)
    return rows


# Optional parts written by others: bench/readmodels.py, bench/verify.py, ...


def _optional_parts() -> list[str]:
    names = {p.stem for p in (ROOT / "bench").glob("*.py")} - CORE_MODULES
    names = {n for n in names if not n.startswith("_")}
    ordered = [n for n in PREFERRED_ORDER if n in names]
    return ordered + sorted(names - set(ordered))


def _run_part(name: str, settings: Settings, directory: Path, *,
              timeout: float) -> tuple[list[Row], dict[str, Any]]:
    """Run one optional part in its own process group, bounded in time."""
    output = directory / f"part-{name}.json"
    quick = ["--quick"] if settings.quick else []
    command = [sys.executable, "-m", "bench", "--part", name, "--part-output", str(output),
               *quick]
    log(f"optional part bench.{name}")
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        text, _ = process.communicate(timeout=timeout)
        status = "ok" if process.returncode == 0 else f"failed ({process.returncode})"
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the group this call started, nothing else
        text, _ = process.communicate()
        status = f"timed out after {timeout:.0f} s"
    if process.returncode == 3 and "NO-PART" in text:
        return [], {"status": "skipped", "output": ""}
    rows: list[Row] = []
    if output.exists():
        rows = [_row(item) for item in json.loads(output.read_text())]
        text = ""  # its rows are in the table
    return rows, {"status": status, "seconds": round(time.perf_counter() - started, 1),
                  "output": text}


def _run_part_inline(name: str, *, quick: bool, output: Path | None) -> int:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ImportError as error:
        print(f"NO-PART: bench.{name} cannot be imported: {error}")
        return 3
    run = getattr(module, "run", None)
    if callable(run):
        rows = run(quick=quick)
        if output is not None:
            output.write_text(json.dumps([_as_dict(r) for r in rows]))
        return 0
    main_ = getattr(module, "main", None)
    if callable(main_):
        sys.argv = [f"bench/{name}.py", *(["--quick"] if quick else [])]
        try:
            return int(main_() or 0)
        except SystemExit as exit_:  # its argparse refused --quick, say
            return exit_.code if isinstance(exit_.code, int) else 1
    print(f"NO-PART: bench.{name} has neither run(quick=...) nor main()")
    return 3


def _as_dict(row: Any) -> dict[str, Any]:
    return row.as_dict() if isinstance(row, Row) else dict(row)


def _row(item: dict[str, Any]) -> Row:
    samples = item.get("samples") or [item["median"]]
    stats = Stats.of(samples)
    if "median" in item:
        stats = Stats(item["median"], item.get("min", item["median"]),
                      item.get("max", item["median"]), tuple(samples))
    return Row(item["figure"], item.get("unit", ""), stats, limit=item.get("limit"),
               target=item.get("target"), note=item.get("note", ""))


# Output


def format_table(rows: list[Row]) -> str:
    """The table: figure, unit, median, min, max, raw limit, ratio, target."""
    by_name = {row.figure: row for row in rows}
    width = max([len(r.figure) for r in rows] + [6])
    header = (f"{'figure':<{width}}  {'unit':<8} {'median':>9} {'min':>9} {'max':>9} "
              f"{'raw limit':>9} {'ratio':>6}  target")
    lines = [header, "-" * len(header)]
    notes = []
    for row in rows:
        limit = by_name.get(row.limit) if row.limit else None
        target = ""
        if row.target:
            target = f"{row.target} {'met' if row.met else 'MISSED'}"
        lines.append(
            f"{row.figure:<{width}}  {row.unit:<8} {_number(row.stats.median):>9} "
            f"{_number(row.stats.min):>9} {_number(row.stats.max):>9} "
            f"{_number(limit.stats.median) if limit else '':>9} "
            f"{'' if row.ratio is None else f'{row.ratio:.2f}':>6}  {target}".rstrip())
        detail = "; ".join(filter(None, [f"ratio to {row.limit}" if row.limit else "",
                                         row.note]))
        if detail:
            notes.append(f"  {row.figure}: {detail}")
    return "\n".join([*lines, "", "Notes:", *notes])


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _summary(rows: list[Row]) -> str:
    targets = [r for r in rows if r.target]
    met = sum(1 for r in targets if r.met)
    return f"{met} of {len(targets)} targets met"


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions: dict[str, str | None] = {}
    for package in ("eventsourcing", "strawberry-graphql", "graphql-core", "starlette",
                    "uvicorn", "uvloop", "httptools", "orjson"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.strip()
    return {
        "nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
        "platform": platform.platform(), "load_generator": "wrk" if have_wrk() else "python",
        "commit": commit, "packages": versions,
    }


if __name__ == "__main__":
    sys.exit(main())
