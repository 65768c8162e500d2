"""The demo facilitator's token of `serve --demo`, kept so that the link `make serve`
prints works on every start, not only the first.

Only a token's hash is stored in the database, so the token itself is kept in a file
beside it (`decisionlog.db.demo-token`), readable only by its owner (0600); for a
PostgreSQL log, in the working directory, named after the database. The link carries the
token in its fragment (`/graphql#token=…`), which browsers never send to the server, so
it reaches neither the server nor its logs. Only `--demo` does this: real tokens are
shown once and kept nowhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from decisionlog.auth import token_store
from decisionlog.cli.ports import browser_host
from decisionlog.infrastructure.config import redact

if TYPE_CHECKING:
    from decisionlog.application import DecisionLog
    from decisionlog.infrastructure.config import Database

DEMO_TOKEN_NAME = "demo-facilitator"
FILE_SUFFIX = ".demo-token"
DEMO_QUERY = "{ trajectories { totalCount edges { node { id name version } } } }"


def demo_token_file(database: Database) -> Path | None:
    """Where the demo token of this database is kept; None for a log in memory."""
    if database.backend == "memory":
        return None
    if database.is_sqlite:
        path = database.env["SQLITE_DBNAME"]
        return None if path.startswith("file:") else Path(path + FILE_SUFFIX).absolute()
    digest = hashlib.sha256(redact(database.url).encode()).hexdigest()[:12]
    return Path.cwd() / f"decisionlog-postgres-{digest}{FILE_SUFFIX}"


def demo_token(log: DecisionLog, database: Database) -> tuple[str, Path | None]:
    """The demo facilitator's token and the file that keeps it: the kept one while the
    log accepts it, else a new one (named `demo-facilitator`, or `-2`, `-3`… when an
    earlier one was lost or revoked: names are never reused)."""
    store = token_store(log)
    path = demo_token_file(database)
    kept = _read(path)
    if kept is not None:
        record = store.authenticate(kept)
        if record is not None and record.name.startswith(DEMO_TOKEN_NAME):
            _write(path, kept)  # rewritten 0600, in case its mode was loosened
            return kept, path
    number = 1
    while store.get(_name(number)) is not None:
        number += 1
    token = store.create(name=_name(number), role="facilitator")
    try:
        _write(path, token)
    except OSError:  # a folder we may not write: the link works for this start only
        return token, None
    return token, path


def announce_demo_token(token: str, path: Path | None, *, host: str, port: int) -> None:
    """Print the links that open the pages and GraphiQL signed in, where the token is
    kept, and a curl line to try from the shell."""
    pages = f"http://{browser_host(host)}:{port}/"
    endpoint = pages + "graphql"
    body = json.dumps({"query": DEMO_QUERY})
    kept = (f"It is kept in {path}, readable only by you." if path is not None
            else "It is kept nowhere: the next start makes a new one.")
    print(f"The pages, signed in as the demo facilitator:\n  {pages}sign-in#token={token}\n"
          f"GraphiQL, signed in as the demo facilitator:\n  {endpoint}#token={token}\n"
          f"The token after # stays in your browser. {kept}\n"
          f"Or from the shell:\n  curl -s {endpoint} -H 'Authorization: Bearer {token}' "
          f"-H 'Content-Type: application/json' -d {shlex.quote(body)}")


def _name(number: int) -> str:
    return DEMO_TOKEN_NAME if number == 1 else f"{DEMO_TOKEN_NAME}-{number}"


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _write(path: Path | None, token: str) -> None:
    """Write the file whole (a temporary file renamed over it), mode 0600 from the start."""
    if path is None:
        return
    descriptor, temporary = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:  # mkstemp: mode 0600
            out.write(token + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
