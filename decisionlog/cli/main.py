"""The `decisionlog` command: parses arguments and calls the application; no rules here."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Sequence
from typing import Literal

from decisionlog.cli.audit import add_audit_commands
from decisionlog.cli.backup import add_backup_commands
from decisionlog.cli.ports import browser_host, listen_problem
from decisionlog.cli.rebuild import add_rebuild_command
from decisionlog.cli.serveops import (
    add_operations_arguments,
    operations_environment,
    printed_as_log,
)
from decisionlog.cli.stores import CommandError, log_exists
from decisionlog.cli.tokens import add_token_commands
from decisionlog.infrastructure.config import (
    DATABASE_HELP,
    DATABASE_URL_VARIABLE,
    DatabaseURLError,
    database_url,
    parse_database_url,
    redact,
)
from decisionlog.infrastructure.program import program


def _serve(args: argparse.Namespace) -> int:
    import dataclasses

    import uvicorn

    from decisionlog.api.serving import uvicorn_options
    from decisionlog.api.settings import Settings
    from decisionlog.application import DecisionLog
    from decisionlog.cli.demotoken import announce_demo_token, demo_token
    from decisionlog.demo import seed_demo
    from decisionlog.infrastructure.filelock import AlreadyServingError, hold_serve_lock

    url = database_url(args.database)
    database = parse_database_url(url)
    if args.workers < 1:
        raise CommandError("--workers must be at least 1.")
    settings = dataclasses.replace(
        Settings.from_env(), allow_anonymous_read=args.allow_anonymous_read,
        introspection=not args.no_introspection)
    manifest = args.trusted_documents or settings.trusted_documents
    if manifest is not None:  # from the option, or from DECISIONLOG_TRUSTED_DOCUMENTS
        settings = dataclasses.replace(settings, trusted_documents=trusted_manifest(manifest))
    if args.no_persisted_queries:
        settings = dataclasses.replace(settings, persisted_queries=False)
    if args.workers > 1 and database.backend != "postgres":
        raise CommandError("--workers > 1 needs PostgreSQL; a SQLite file (or memory) "
                           "serves one worker.")
    # Before anything is printed or written: a store it can open, a port it can take.
    log_exists(database)
    problem = listen_problem(args.host, args.port)
    if problem is not None:
        raise CommandError(problem)
    if database.is_sqlite and "mode=memory" not in database.env["SQLITE_DBNAME"]:
        try:  # held until this process ends; the app's start-up finds it held here
            hold_serve_lock(database.env["SQLITE_DBNAME"])
        except AlreadyServingError as error:
            raise CommandError(str(error), status=1) from None
    with operations_environment(args) as logging_options:
        with printed_as_log(args.log_format):
            pages = f"http://{browser_host(args.host)}:{args.port}/"
            endpoint = pages + "graphql"
            if args.demo:
                log = DecisionLog(env=database.env)
                try:
                    print(f"Demo trajectory: {seed_demo(log)}")
                    token, path = demo_token(log, database)
                finally:
                    log.close()
                announce_demo_token(token, path, host=args.host, port=args.port)
            elif args.allow_anonymous_read:
                print(f"Pages: {pages}\nGraphiQL: {endpoint}")
            else:
                print(f"Pages: {pages}  (sign in with a token: `{program()} token create "
                      "--role facilitator|auditor|reader --name NAME`)")
                print(f"GraphiQL: {endpoint}  (it needs a token too)")
            os.environ[DATABASE_URL_VARIABLE] = url
            os.environ.update(settings.to_env())
            if args.allow_anonymous_read:
                print("Anonymous reads are allowed: requests without a token read every "
                      "trajectory.")
            print(f"Database: {redact(url)}. Other commands: `{program()} --help`.")
        loop, http = event_loop_and_parser()
        if args.workers > 1 and http != "httptools":
            print("decisionlog: httptools is not installed: several workers on uvicorn's "
                  "h11 stack answer in 40+ ms (Nagle); install uvicorn[standard].",
                  file=sys.stderr)
        options = uvicorn_options()
        if http != "httptools":  # h11 bounds header size itself, but not header time
            options["http"] = http
        uvicorn.run(
            "decisionlog.api.app:create_app", factory=True, host=args.host, port=args.port,
            workers=args.workers if args.workers > 1 else None, log_level=args.log_level,
            loop=loop, **logging_options, **options,
        )
    return 0


def trusted_manifest(path: str) -> str:
    """The absolute path of a manifest that loads (workers read it again); raises
    CommandError with the one line that says what is wrong with it."""
    from decisionlog.api.manifest import ManifestError, TrustedManifest

    try:
        manifest = TrustedManifest.load(path)
    except ManifestError as error:
        raise CommandError(str(error)) from None
    print(f"Trusted documents: {len(manifest)} from {path}; nothing else runs.")
    return os.path.abspath(path)


def event_loop_and_parser() -> tuple[Literal["uvloop", "asyncio"], Literal["httptools", "h11"]]:
    """uvloop and httptools when installed (`uvicorn[standard]`), else asyncio and h11.

    Named, not left to uvicorn's "auto", so that a missing package shows here: with
    several workers the h11 stack never sets TCP_NODELAY on the shared socket and every
    answer waits 40+ ms for a delayed ACK (uvicorn issue 3149).
    """
    loop: Literal["uvloop", "asyncio"] = "uvloop" if _importable("uvloop") else "asyncio"
    http: Literal["httptools", "h11"] = "httptools" if _importable("httptools") else "h11"
    return loop, http


def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="decisionlog", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the GraphQL service")
    serve.add_argument("--database", help=DATABASE_HELP)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (more than 1 needs PostgreSQL)")
    serve.add_argument("--log-level", default="info",
                       choices=["critical", "error", "warning", "info", "debug"],
                       help="uvicorn's log level; below info, no access log (default: info)")
    serve.add_argument("--demo", action="store_true",
                       help="record the demo trajectory first, unless it is there, and a "
                            "demo facilitator token")
    serve.add_argument("--allow-anonymous-read", action="store_true",
                       help="requests without a token read everything (a public demo)")
    serve.add_argument("--no-introspection", action="store_true",
                       help="refuse __schema/__type queries (GraphiQL then cannot help)")
    serve.add_argument("--trusted-documents", metavar="FILE",
                       help="run only the documents of this manifest (GraphQL Codegen's "
                            "persisted documents, Relay's persisted_queries.json, or "
                            "Apollo's manifest; see docs/http.md)")
    serve.add_argument("--no-persisted-queries", action="store_true",
                       help="refuse automatic persisted queries (clients then send "
                            "whole documents)")
    add_operations_arguments(serve)
    serve.set_defaults(handler=_serve)
    add_token_commands(commands)
    add_rebuild_command(commands)
    add_audit_commands(commands)
    add_backup_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status. A user's mistake, an unreachable
    store or Ctrl-C ends in one line on stderr, never a traceback."""
    from eventsourcing.persistence import PersistenceError

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (CommandError, DatabaseURLError) as error:
        return _fail(str(error), getattr(error, "status", 2))
    except KeyboardInterrupt:
        return _fail("interrupted.", 130)
    except PersistenceError as error:  # the store failed after the checks passed
        reason = " ".join(str(error).split()) or type(error).__name__
        return _fail(f"the database failed: {reason}", 1)


def _fail(message: str, status: int) -> int:
    print(f"decisionlog: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
