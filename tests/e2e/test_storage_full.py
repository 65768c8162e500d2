"""A full disk: a change is refused with a clear "storage full" error (not `Internal
error`), nothing of it is stored, reads go on, `/ready` says 503 "storage full" while
`/health` stays 200, and once space is freed both recover on their own.

SQLite: the server's connections get `PRAGMA max_page_count` (through
`sqlite_cap/sitecustomize.py`), and a padding table dropped later is the space freed.
PostgreSQL: triggers raise SQLSTATE 53100 (disk_full) on inserts, as a full disk does,
until they are dropped.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, admin, fresh_database
from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import ok

CAP_HOOK = Path(__file__).parent / "sqlite_cap"
PAD_ROWS = 100  # 100 x 4 KB: the space a full disk gets back
STORAGE_FULL = "Storage full: the database has no space left, so this change was not stored."


def ready(server: Server) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{server.url}/ready", timeout=30)
    return response.status_code, response.json()


def wait_until(predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def start(client: GraphQLClient, name: str) -> dict[str, Any]:
    return client.post(
        "mutation($input: StartTrajectoryInput!) { startTrajectory(input: $input) { "
        "__typename ... on TrajectoryPayload { trajectory { id } } } }",
        {"input": {"name": name}})


def count(client: GraphQLClient) -> int:
    return int(client.execute("{ trajectories { totalCount } }")["trajectories"]["totalCount"])


class Disk:
    """Fills and frees the server's storage, on either backend."""

    def __init__(self, backend: str, url: str) -> None:
        self.backend = backend
        self.url = url

    def prepare(self) -> dict[str, str]:
        """Before the server starts: what it needs in its environment."""
        if self.backend != "sqlite":
            return {}
        path = parse_database_url(self.url).env["SQLITE_DBNAME"]
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
            db.execute("CREATE TABLE pad (data BLOB)")
            db.executemany("INSERT INTO pad VALUES (randomblob(4000))",
                           [()] * PAD_ROWS)
            db.execute("VACUUM")  # no free pages left: the file is exactly full
            pages = db.execute("PRAGMA page_count").fetchone()[0]
        return {"PYTHONPATH": str(CAP_HOOK), "DECISIONLOG_TEST_SQLITE_MAX_PAGES": str(pages)}

    def fill(self) -> None:
        """PostgreSQL: from now on every insert fails as on a full disk."""
        if self.backend == "sqlite":
            return
        schema = parse_qs(urlsplit(self.url).query)["schema"][0]
        q = f'"{schema}"'
        admin(self.url, f"CREATE TABLE IF NOT EXISTS {q}.dl_storage_probe "
                        "(data BYTEA NOT NULL)")
        admin(self.url, f"CREATE FUNCTION {q}.disk_full() RETURNS trigger AS $$ BEGIN "
                        "RAISE EXCEPTION 'could not extend file: No space left on device' "
                        "USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql")
        for table in ("decisionlog_events", "dl_storage_probe"):
            admin(self.url, f"CREATE TRIGGER disk_full BEFORE INSERT ON {q}.{table} "
                            f"FOR EACH STATEMENT EXECUTE FUNCTION {q}.disk_full()")

    def free(self) -> None:
        """Give space back."""
        if self.backend == "sqlite":
            path = parse_database_url(self.url).env["SQLITE_DBNAME"]
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
                db.execute("DROP TABLE pad")
            return
        schema = parse_qs(urlsplit(self.url).query)["schema"][0]
        admin(self.url, f'DROP FUNCTION "{schema}".disk_full() CASCADE')


@pytest.fixture(params=BACKENDS)
def disk_and_server(request: pytest.FixtureRequest,
                    tmp_path: Path) -> Iterator[tuple[Disk, Server]]:
    with fresh_database(request.param, tmp_path, prefix="full") as url:
        server = Server(url, log_path=tmp_path / "server.log")
        try:
            server.facilitator_token = server.create_token("facilitator", name="fac")
            server.start()  # a first start makes every table and key it keeps
            server.close()  # ... and the test's own connection is closed too
            disk = Disk(request.param, url)
            server.extra_env = disk.prepare()
            server.start()
            yield disk, server
        finally:
            server.close()


def test_a_full_disk_is_a_clear_error_and_reported_at_ready(
        disk_and_server: tuple[Disk, Server]) -> None:
    disk, server = disk_and_server
    client = server.client(server.facilitator_token)
    ok(start(client, "Before the disk fills")["data"]["startTrajectory"],
       "TrajectoryPayload")
    assert ready(server)[0] == 200
    disk.fill()

    # Writes until one finds no space (SQLite: pages half full take a few more rows)
    before = count(client)
    for n in range(500):
        answer = start(client, f"Filling up {n}")
        if answer.get("errors"):
            break
        before += 1
    else:
        pytest.fail("the storage never filled up")
    error = answer["errors"][0]
    assert error["message"].startswith(STORAGE_FULL), error
    assert error["extensions"]["code"] == "STORAGE_FULL"
    assert "Internal error" not in error["message"]

    # Nothing of it was stored, reads go on, /ready says why it is not ready
    assert count(client) == before
    status, body = ready(server)
    assert status == 503, body
    assert body["reasons"] == ["storage full"]
    assert body["checks"]["storage"]["status"] == "full"
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200

    # Space freed: /ready recovers by itself (its probe), and writes work again
    disk.free()
    wait_until(lambda: ready(server)[0] == 200)
    assert ready(server)[1]["checks"]["storage"] == {"status": "ok"}
    ok(start(client, "After space was freed")["data"]["startTrajectory"],
       "TrajectoryPayload")
    assert count(client) == before + 1
