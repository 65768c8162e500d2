"""`decisionlog rebuild`: rebuild every read model from the event log, with progress."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from decisionlog.cli.audit import clock
from decisionlog.cli.stores import CommandError, require_log
from decisionlog.infrastructure.config import DATABASE_HELP, database_url, parse_database_url
from decisionlog.infrastructure.program import program

BAR_WIDTH = 30
PLAIN_INTERVAL = 5.0  # seconds between progress lines when not on a terminal


def add_rebuild_command(commands: Any) -> None:
    """Add the `rebuild` subcommand to the `decisionlog` parser's subcommands."""
    rebuild = commands.add_parser(
        "rebuild", help="rebuild every read model from the event log",
        description="Drop the read models and replay the event log into them. An "
                    "interrupted rebuild is resumed, unless --restart.")
    rebuild.add_argument("--database", help=DATABASE_HELP)
    rebuild.add_argument("--batch-size", type=int, default=2000,
                         help="events per transaction (default: 2000)")
    rebuild.add_argument("--restart", action="store_true",
                         help="start over even if an interrupted rebuild could resume")
    rebuild.set_defaults(handler=_rebuild)


def _rebuild(args: argparse.Namespace) -> int:
    from decisionlog.application import DecisionLog
    from decisionlog.readmodels import RebuildRunningError, rebuild

    if args.batch_size < 1:
        raise CommandError("--batch-size must be at least 1.")
    database = parse_database_url(database_url(args.database))
    require_log(database)
    env = dict(database.env)
    env["READMODELS_CATCH_UP"] = "n"  # resume here, with progress, not silently at start
    log = DecisionLog(env=env)
    bar = ProgressBar(sys.stderr)
    try:
        report = rebuild(log, progress=bar, batch_size=args.batch_size,
                         restart=args.restart)
    except RebuildRunningError as error:
        bar.finish()
        raise CommandError(f"{error}; it finishes on its own (run `{program()} rebuild` "
                           "again afterwards to rebuild once more).", status=1) from None
    except KeyboardInterrupt:
        bar.finish()
        raise CommandError(interrupted(bar.last), status=130) from None
    finally:
        log.close()
    bar.finish()
    verb = "Resumed and finished" if report.resumed else "Rebuilt"
    print(f"{verb} the read models: {report.events_applied:,} events in "
          f"{report.elapsed:.1f} s; they include notification {report.position}.")
    return 0


def interrupted(last: Any) -> str:
    """What an interrupted rebuild says: where it stopped, and that the next run resumes."""
    again = f"`{program()} rebuild` resumes"
    if last is None:
        return f"rebuild interrupted before its first batch was stored; {again} from the start."
    return (f"rebuild interrupted; the read models include notification {last.position:,} "
            f"of {last.last_position:,}. {again} there.")


class ProgressBar:
    """Draws rebuild progress: a bar on a terminal, a line now and then otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last_line = 0.0
        self.drawn = False
        self.last: Any = None  # the last report: where a stored batch ended

    def __call__(self, report: Any) -> None:
        self.last = report
        done = report.position
        total = max(report.last_position, 1)
        eta = report.eta_seconds
        text = (f"{done:,}/{report.last_position:,} "
                f"{report.events_per_second:,.0f} events/s "
                f"ETA {clock(eta) if eta is not None else '?'}")
        if self.tty:
            filled = int(BAR_WIDTH * min(done / total, 1.0))
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.drawn = True  # first: a Ctrl-C inside the write must still end the line
            self.stream.write(f"\r[{bar}] {100 * min(done / total, 1.0):3.0f}% {text}\x1b[K")
            self.stream.flush()
        elif time.monotonic() - self.last_line >= PLAIN_INTERVAL:
            self.stream.write(f"rebuild: {text}\n")
            self.last_line = time.monotonic()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
