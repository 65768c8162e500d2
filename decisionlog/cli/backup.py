"""`decisionlog backup` and `decisionlog restore`: copies that verify (docs/operations.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from decisionlog.cli.audit import check_output
from decisionlog.cli.stores import CommandError, log_exists, require_log, where
from decisionlog.infrastructure.config import DATABASE_HELP, database_url, parse_database_url
from decisionlog.infrastructure.program import program

PG_DUMP_HINT = ("on PostgreSQL, back up with pg_dump after `{program} verify --write-heads "
                "FILE.heads`, and check a restored copy with `{program} verify "
                "--expect-heads FILE.heads` and `{program} rebuild` (docs/operations.md, "
                "Backups)")


def add_backup_commands(commands: Any) -> None:
    """Add the `backup` and `restore` subcommands to the `decisionlog` parser's."""
    backup = commands.add_parser(
        "backup", help="copy a SQLite decision log while it is served, verified, with its "
                       "head digests",
        description="Copy the SQLite database (consistent while the service writes), "
                    "verify the copy and write its head digests to FILE.heads.")
    backup.add_argument("--output", metavar="FILE", required=True, help="the copy")
    backup.add_argument("--database", help=DATABASE_HELP)
    backup.add_argument("--force", action="store_true", help="overwrite an existing FILE")
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser(
        "restore", help="restore a backup into a SQLite database, then verify and rebuild",
        description="Copy a backup into the database, verify its chains against the "
                    "backup's head digests and rebuild the read models. Refuses a "
                    "database that holds events unless --force.")
    restore.add_argument("backup", metavar="FILE", help="a file written by `backup`")
    restore.add_argument("--database", help=DATABASE_HELP)
    restore.add_argument("--heads", metavar="FILE",
                         help="the head-digest file (default: FILE.heads beside the backup)")
    restore.add_argument("--force", action="store_true",
                         help="replace a database that already holds a decision log")
    restore.set_defaults(handler=_restore)


def _backup(args: argparse.Namespace) -> int:
    from decisionlog.operations.backup import BackupError, backup_sqlite
    from decisionlog.operations.heads import heads_path

    database = parse_database_url(database_url(args.database))
    if not database.is_sqlite:
        raise CommandError("backup copies a SQLite file; "
                           + PG_DUMP_HINT.format(program=program()) + ".")
    require_log(database)
    source = Path(database.env["SQLITE_DBNAME"]).absolute()
    target = Path(args.output)
    check_output(target)
    if target.absolute() == source:
        raise CommandError("--output names the database itself; name another file.")
    for existing in (target, heads_path(target)):
        if existing.exists() and not args.force:
            raise CommandError(f"{existing} exists; give another --output, or --force to "
                               "replace it.")
    try:
        done = backup_sqlite(source, target)
    except BackupError as error:
        raise CommandError(str(error), status=1) from None
    except OSError as error:
        raise CommandError(f"cannot write {target}: {error.strerror or error}.",
                           status=1) from None
    print(f"Backed up {source} to {target}: {done.report.events_checked:,} events of "
          f"{_count(len(done.heads.trajectories), 'trajectory', 'trajectories')}, "
          f"verified, in {done.seconds:.1f} s.")
    print(f"Head digests in {done.heads_path}; restore with `{program()} restore {target} "
          "--database URL`.")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from decisionlog.infrastructure.filelock import AlreadyServingError, hold_serve_lock
    from decisionlog.operations.backup import check_restored, has_events, restore_sqlite
    from decisionlog.operations.heads import Heads, HeadsFileError, heads_path

    backup = Path(args.backup)
    source = parse_database_url(f"sqlite:///{backup.absolute()}")
    if not backup.is_file() or not log_exists(source, writable=False):
        raise CommandError(f"{backup} is not a backup of a decision log; give a file "
                           f"written by `{program()} backup`.")
    try:
        heads = Heads.read(Path(args.heads) if args.heads else heads_path(backup))
    except HeadsFileError as error:
        raise CommandError(f"{error} It proves the restored chains; give it with --heads."
                           ) from None
    database = parse_database_url(database_url(args.database))
    if not database.is_sqlite or database.env["SQLITE_DBNAME"].startswith("file:"):
        raise CommandError("restore writes a SQLite file; "
                           + PG_DUMP_HINT.format(program=program()) + ".")
    log_exists(database)  # a folder that exists, a file that is a database, writable
    target = Path(database.env["SQLITE_DBNAME"]).absolute()
    if target == backup.absolute():
        raise CommandError("--database names the backup itself; name another file.")
    if has_events(target) and not args.force:
        raise CommandError(f"{where(database)} already holds a decision log; restore into "
                           "a new file, or give --force to replace it.")
    try:
        hold_serve_lock(str(target))  # nobody serves it while it is replaced
    except AlreadyServingError as error:
        raise CommandError(f"{error} Stop it before restoring.", status=1) from None
    restore_sqlite(backup, target)
    report, rebuilt = check_restored(database, heads)
    same, grown = heads.same_heads(report)
    print(f"Restored {backup} into {target}: {report.events_checked:,} events.")
    if not report.ok:
        for t in report.damaged:
            assert t.damage is not None
            print(f"{t.trajectory_id} DAMAGED at version {t.damage.version}: "
                  f"{t.damage.problem} {t.damage.detail}")
        print(f"DAMAGED: {len(report.damaged)} of {len(report.trajectories)} trajectories "
              "do not reach the heads recorded with the backup.")
        return 1
    print(f"Verified: {_count(len(report.trajectories), 'trajectory', 'trajectories')}; "
          f"{same:,} of {len(heads.trajectories):,} at exactly the head digest recorded in "
          f"the backup's head-digest file" + (f", {grown:,} past it" if grown else "") + ".")
    print(f"Rebuilt the read models: {rebuilt.events_applied:,} events in "
          f"{rebuilt.elapsed:.1f} s.")
    return 0


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"
