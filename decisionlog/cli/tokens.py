"""`decisionlog token create|list|revoke`."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from decisionlog.auth import ROLES, TokenError, token_store
from decisionlog.cli.stores import log_exists, require_log, where
from decisionlog.infrastructure.config import DATABASE_HELP, database_url, parse_database_url

if TYPE_CHECKING:
    from decisionlog.application import DecisionLog


def _open(args: argparse.Namespace, *, create: bool = False) -> DecisionLog:
    """The log at --database; it must exist unless `create` (then say when it is new)."""
    from decisionlog.application import DecisionLog

    database = parse_database_url(database_url(args.database))
    if not create:
        require_log(database)
        return DecisionLog(env=database.env)
    existed = log_exists(database) or database.backend == "memory"
    log = DecisionLog(env=database.env)
    if not existed:
        print(f"decisionlog: created a new decision log at {where(database)}.",
              file=sys.stderr)
    return log


def _create(args: argparse.Namespace) -> int:
    log = _open(args, create=True)
    try:
        unknown = [t for t in args.trajectory if log.get_trajectory(t) is None]
        if unknown:
            print(f"decisionlog: no trajectory {', '.join(unknown)} in this database.",
                  file=sys.stderr)
            return 2
        token = token_store(log).create(name=args.name, role=args.role,
                                        trajectories=args.trajectory)
    except TokenError as error:
        print(f"decisionlog: {error}", file=sys.stderr)
        return 2
    finally:
        log.close()
    print(token)
    return 0


def _list(args: argparse.Namespace) -> int:
    log = _open(args)
    try:
        records = token_store(log).records()
    finally:
        log.close()
    rows = [("NAME", "ROLE", "TRAJECTORIES", "CREATED", "REVOKED")] + [
        (r.name, r.role, " ".join(sorted(r.trajectories)) or "all",
         r.created_at.strftime("%Y-%m-%d %H:%M"),
         r.revoked_at.strftime("%Y-%m-%d %H:%M") if r.revoked_at else "-")
        for r in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
              .rstrip())
    return 0


def _revoke(args: argparse.Namespace) -> int:
    log = _open(args)
    try:
        store = token_store(log)
        before = store.get(args.name)
        record = store.revoke(args.name)
    except TokenError as error:
        print(f"decisionlog: {error}", file=sys.stderr)
        return 1
    finally:
        log.close()
    if before is not None and before.revoked_at is not None:
        print(f"Token {args.name!r} was revoked already, at {record.revoked_at}.")
    else:
        print(f"Revoked token {args.name!r}; running servers refuse it within seconds.")
    return 0


def add_token_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `token create|list|revoke` to the command line."""
    token = commands.add_parser("token", help="create, list and revoke access tokens")
    actions = token.add_subparsers(dest="token_command", required=True)
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--database", help=DATABASE_HELP)

    create = actions.add_parser("create", parents=[database],
                                help="make a token and print it (once: only a hash is kept)")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True,
                        help="unique name; recorded as recordedBy on every change")
    create.add_argument("--trajectory", action="append", default=[], metavar="ID",
                        help="limit the token to this trajectory (repeat for more)")
    create.set_defaults(handler=_create)

    listing = actions.add_parser("list", parents=[database], help="list tokens (no secrets)")
    listing.set_defaults(handler=_list)

    revoke = actions.add_parser("revoke", parents=[database], help="revoke a token by name")
    revoke.add_argument("name")
    revoke.set_defaults(handler=_revoke)
