"""`decisionlog verify` and `decisionlog export`: the auditor's commands.

Both read the store through the read-only `AuditReader`: opening `DecisionLog` would
first bring the read models up to date, which writes, and which a tampered store can stop.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from uuid import UUID

from decisionlog.audit import EXPORT_FORMATS
from decisionlog.cli.stores import CommandError, require_log
from decisionlog.infrastructure.config import (
    DATABASE_HELP,
    Database,
    database_url,
    parse_database_url,
)
from decisionlog.infrastructure.program import program

if TYPE_CHECKING:
    from decisionlog.audit.reader import AuditReader

REDRAW_SECONDS = 0.2


def add_audit_commands(commands: Any) -> None:
    """Add the `verify` and `export` subcommands to the `decisionlog` parser's subcommands."""
    verify = commands.add_parser(
        "verify", help="check the hash chains of the stored history (exit 1 on damage)",
        description="Recompute every trajectory's hash chain (or one's) from the stored "
                    "rows. Prints one line per trajectory; exits 0 when all are intact, 1 "
                    "on damage, 2 on a usage error.")
    verify.add_argument("--trajectory", metavar="ID", help="verify this trajectory only")
    verify.add_argument("--database", help=DATABASE_HELP)
    verify.add_argument("--expect-head", metavar="ID=DIGEST", action="append", default=[],
                        help="a head digest kept elsewhere that the trajectory's chain must "
                             "still reach: detects truncation (repeatable)")
    verify.add_argument("--expect-heads", metavar="FILE",
                        help="a head-digest file (from `backup` or --write-heads) whose "
                             "heads every chain must reach")
    verify.add_argument("--write-heads", metavar="FILE",
                        help="write every intact chain's head digest to FILE (before a "
                             "pg_dump, say)")
    verify.add_argument("--snapshots", action="store_true",
                        help="also check each trajectory's latest snapshot against its "
                             "events replayed (slower)")
    verify.set_defaults(handler=_verify)

    export = commands.add_parser(
        "export", help="export a trajectory for auditors (markdown register or jsonl)",
        description="Write a trajectory's decision register (markdown) or every event with "
                    "its digests (jsonl, verifiable offline with offline_verify.py).")
    export.add_argument("--trajectory", metavar="ID", required=True)
    export.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument("--database", help=DATABASE_HELP)
    export.set_defaults(handler=_export)


def _verify(args: argparse.Namespace) -> int:
    from decisionlog.audit.verify import summary_lines, verify
    from decisionlog.operations.heads import Heads, HeadsFileError

    try:
        anchors = parse_anchors(args.expect_head)
        trajectory_id = None if args.trajectory is None else _canonical(args.trajectory)
        heads = Heads.read(Path(args.expect_heads)) if args.expect_heads else None
    except (ValueError, HeadsFileError) as error:
        return _fail(str(error), status=2)
    if heads is not None:
        anchors = {**heads.anchors(), **anchors}
    if args.write_heads is not None:
        check_output(Path(args.write_heads))
    if trajectory_id is not None and set(anchors) - {trajectory_id}:
        return _fail("--expect-head names a trajectory that --trajectory leaves out.",
                     status=2)
    reader = _open(parse_database_url(database_url(args.database)))
    progress = VerifyProgress(sys.stderr) if sys.stderr.isatty() else None
    started = time.monotonic()
    try:
        report = verify(reader, trajectory_id, progress=progress, anchors=anchors,
                        snapshots=args.snapshots)
    except KeyboardInterrupt:
        raise CommandError("verify interrupted; it only reads, so nothing was changed.",
                           status=130) from None
    finally:
        if progress is not None:
            progress.finish()
        reader.close()
    elapsed = time.monotonic() - started
    if trajectory_id is not None and not report.trajectories:
        return _fail(f"nothing is stored for trajectory {trajectory_id}.", status=2)
    for line in summary_lines(report):
        print(line)
    damaged = len(report.damaged)
    if heads is not None:
        same, grown = heads.same_heads(report)
        print(f"Head-digest file {args.expect_heads}: {same:,} of {len(heads.trajectories):,} "
              f"trajectories at exactly its head, {grown:,} past it.")
    if args.write_heads is not None:
        Heads.of(report).write(Path(args.write_heads))
        print(f"Head digests of {len(report.trajectories) - damaged:,} intact trajectories "
              f"written to {args.write_heads}.")
    outcome = "OK" if report.ok else f"DAMAGED ({damaged} damaged)"
    print(f"{outcome}: {len(report.trajectories):,} trajectories, "
          f"{report.events_checked:,} events read in {elapsed:.1f} s "
          f"({report.events_checked / max(elapsed, 1e-9):,.0f} events/s).")
    return 0 if report.ok else 1


def _export(args: argparse.Namespace) -> int:
    from decisionlog.audit.export import export
    from decisionlog.domain.errors import TrajectoryNotFoundError

    target = None if args.output is None else Path(args.output)
    if target is not None:
        check_output(target)
    reader = _open(parse_database_url(database_url(args.database)))
    partial = None if target is None else target.with_name(target.name + ".partial")
    try:
        lines = export(reader, args.trajectory, args.format)
        if target is None or partial is None:
            _write(lines, sys.stdout)
        else:  # all or nothing: a failure half-way leaves no half export behind
            with partial.open("w", encoding="utf-8", newline="\n") as out:
                _write(lines, out)
            os.replace(partial, target)
    except TrajectoryNotFoundError:
        return _fail(f"no trajectory {args.trajectory} in the store.")
    except BrokenPipeError:  # `export … | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:  # writing the file: a full disk, a permission
        return _fail(f"cannot write {target or 'the export'}: {error.strerror or error}.")
    except Exception as error:  # a damaged store: say so instead of a traceback
        return _fail(f"cannot export trajectory {args.trajectory}: "
                     f"{type(error).__name__}: {error}. Run `{program()} verify`.")
    finally:
        reader.close()
        if partial is not None and partial.exists():
            partial.unlink()
    return 0


def parse_anchors(values: list[str]) -> dict[str, str]:
    """`ID=DIGEST` pairs as {canonical id: digest}; raises ValueError on a malformed one."""
    anchors = {}
    for value in values:
        trajectory_id, equals, digest = value.partition("=")
        digest = digest.strip().lower()
        if not equals or len(digest) != 64 or set(digest) - set("0123456789abcdef"):
            raise ValueError(f"--expect-head {value!r}: write ID=DIGEST (64 hex digits).")
        anchors[_canonical(trajectory_id.strip())] = digest
    return anchors


def _canonical(trajectory_id: str) -> str:
    try:
        return str(UUID(trajectory_id))
    except ValueError:
        raise ValueError(f"{trajectory_id!r} is not a trajectory id.") from None


def _open(database: Database) -> AuditReader:
    from decisionlog.audit.reader import open_reader

    require_log(database)
    return open_reader(dict(database.env))


def check_output(target: Path) -> None:
    """Refuse an --output that cannot be written, before reading anything."""
    folder = target.absolute().parent
    if target.is_dir():
        raise CommandError(f"--output {target} is a folder; name a file in it.")
    if not folder.is_dir():
        raise CommandError(f"no folder {folder} for --output {target}; create it first.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(f"cannot write into {folder} (--output): permission denied.")


def _write(lines: Any, out: TextIO) -> None:
    for line in lines:
        out.write(line)
        out.write("\n")
    out.flush()


def _fail(message: str, *, status: int = 1) -> int:
    print(f"decisionlog: {message}", file=sys.stderr)
    return status


class VerifyProgress:
    """Verification progress on a terminal: events read, events/s and ETA, in place."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.last = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.last < REDRAW_SECONDS:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        text = f"verify: {done:,}"
        if total:
            text += f"/{total:,} events ({100 * min(done / total, 1.0):3.0f}%)"
        else:
            text += " events"
        text += f" {rate:,.0f} events/s"
        if total and rate > 0:
            text += f" ETA {clock(max(total - done, 0) / rate)}"
        self.drawn = True  # first: a Ctrl-C inside the write must still have it cleared
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def clock(seconds: float) -> str:
    """A duration as H:MM:SS (for progress lines)."""
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
