"""Backups while the service writes: taken in the middle of a burst, restored into a
fresh database, verified against the head digests written with the backup; every
restored event is the live one, and the restored chains end exactly at those heads."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import pytest

from decisionlog.operations.heads import Heads
from tests.backends import admin, fresh_database, require_postgres
from tests.e2e.client import Server
from tests.e2e.helpers import start

Rows = dict[tuple[str, int], tuple[str, bytes]]


def decisionlog(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "decisionlog.cli", *args],
                          capture_output=True, text=True, timeout=300)


@contextmanager
def write_burst(server: Server, trajectories: list[str]) -> Iterator[list[int]]:
    """Three clients adding members in a loop (each bounded) until the block ends;
    yields the running count of changes answered."""
    answered = [0]
    stop = threading.Event()

    def write(trajectory_id: str) -> None:
        client = server.client(server.facilitator_token)
        for number in range(2000):
            if stop.is_set():
                return
            result = client.mutate("addMember", {
                "trajectoryId": trajectory_id, "name": f"M{number}", "role": "r",
                "side": "CLIENT", "membership": "CORE"}, "... on MemberPayload { version }")
            assert result["__typename"] == "MemberPayload"
            answered[0] += 1

    threads = [threading.Thread(target=write, args=(t,)) for t in trajectories]
    for thread in threads:
        thread.start()
    try:
        while answered[0] < 60:
            time.sleep(0.02)
        yield answered
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)


def sqlite_rows(path: Path) -> Rows:
    with closing(sqlite3.connect(path)) as db:
        return {(str(UUID(str(i))), v): (t, bytes(s)) for i, v, t, s in db.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events")}


def test_backup_while_writing_then_restore_elsewhere_verifies_with_the_same_heads(
        tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    server = Server(f"sqlite:///{live}", log_path=tmp_path / "serve.log")
    try:
        server.facilitator_token = server.create_token("facilitator", name="writer")
        server.start()
        client = server.client(server.facilitator_token)
        trajectories = [start(client, f"T{n}") for n in range(3)]
        with write_burst(server, trajectories) as answered:
            during = answered[0]
            backup = decisionlog("backup", "--database", f"sqlite:///{live}",
                                 "--output", str(tmp_path / "backup.db"))
            after = answered[0]
        assert backup.returncode == 0, backup.stderr
        assert after > during  # the writers went on while the copy was made
        # Restored elsewhere (a fresh file), verified against the backup's heads
        restored = tmp_path / "elsewhere" / "restored.db"
        restored.parent.mkdir()
        done = decisionlog("restore", str(tmp_path / "backup.db"),
                           "--database", f"sqlite:///{restored}")
        assert done.returncode == 0, done.stderr
        heads = Heads.read(tmp_path / "backup.db.heads")
        assert len(heads.trajectories) == 3
        assert "3 of 3 at exactly the head digest" in done.stdout
        again = decisionlog("verify", "--database", f"sqlite:///{restored}",
                            "--expect-heads", str(tmp_path / "backup.db.heads"))
        assert again.returncode == 0 and "3 of 3 trajectories at exactly its head" \
            in again.stdout
        # The live store goes on from the same heads
        onwards = decisionlog("verify", "--database", f"sqlite:///{live}",
                              "--expect-heads", str(tmp_path / "backup.db.heads"))
        assert onwards.returncode == 0 and "OK" in onwards.stdout
        # Every restored event is the live one; the restored chains end at the heads
        copied, kept = sqlite_rows(restored), sqlite_rows(live)
        assert copied and all(kept[key] == row for key, row in copied.items())
        assert 3 + 60 <= len(copied) < len(kept)
        for trajectory_id, head in heads.trajectories.items():
            versions = [v for i, v in copied if i == trajectory_id]
            assert max(versions) == head.version == len(versions)
        # The restored copy serves, its read models rebuilt
        server.stop()
        copy = Server(f"sqlite:///{restored}")
        try:
            copy.start()
            reader = copy.client(server.facilitator_token)  # the tokens came along
            assert reader.execute("{ trajectories { totalCount } }")[
                "trajectories"]["totalCount"] == 3
        finally:
            copy.close()
    finally:
        server.close()


def test_restore_refuses_what_it_should(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    server = Server(f"sqlite:///{live}")
    try:
        server.facilitator_token = server.create_token("facilitator", name="writer")
        server.start()
        start(server.client(server.facilitator_token), "Only")
        assert decisionlog("backup", "--database", f"sqlite:///{live}",
                           "--output", str(tmp_path / "b.db")).returncode == 0
        # Not over an existing backup, nor a live log, nor one that is served
        again = decisionlog("backup", "--database", f"sqlite:///{live}",
                            "--output", str(tmp_path / "b.db"))
        assert again.returncode == 2 and "exists" in again.stderr
        refused = decisionlog("restore", str(tmp_path / "b.db"),
                              "--database", f"sqlite:///{live}")
        assert refused.returncode == 2 and "--force" in refused.stderr
        served = decisionlog("restore", str(tmp_path / "b.db"),
                             "--database", f"sqlite:///{live}", "--force")
        assert served.returncode == 1 and "serv" in served.stderr
        assert len(refused.stderr.splitlines()) == 1
        # Without its head-digest file, or on PostgreSQL: one line saying what to do
        shutil.copy(tmp_path / "b.db", tmp_path / "lone.db")
        lone = decisionlog("restore", str(tmp_path / "lone.db"),
                           "--database", f"sqlite:///{tmp_path}/new.db")
        assert lone.returncode == 2 and "--heads" in lone.stderr
        assert not (tmp_path / "new.db").exists()
        pg = decisionlog("backup", "--database", "postgresql://u:p@127.0.0.1:1/d",
                         "--output", str(tmp_path / "x.db"))
        assert pg.returncode == 2 and "pg_dump" in pg.stderr
        # Replacing a log that is not served: --force
        other = tmp_path / "other.db"
        shutil.copy(tmp_path / "b.db", other)
        forced = decisionlog("restore", str(tmp_path / "b.db"), "--database",
                             f"sqlite:///{other}", "--force")
        assert forced.returncode == 0, forced.stderr
    finally:
        server.close()


def _plain(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(query=""))


def _pg_rows(url: str, schema: str) -> Rows:
    import psycopg

    with psycopg.connect(_plain(url)) as connection:
        found: Any = connection.execute(
            f'SELECT originator_id, originator_version, topic, state '
            f'FROM "{schema}".decisionlog_events').fetchall()
    return {(str(UUID(str(i))), v): (t, bytes(s)) for i, v, t, s in found}


@pytest.mark.postgres
def test_pg_dump_while_writing_then_pg_restore_checks_out(tmp_path: Path) -> None:
    base = require_postgres()
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    with fresh_database("postgres", tmp_path, prefix="opsbk") as url:
        schema = urlsplit(url).query.removeprefix("schema=")
        server = Server(url)
        try:
            server.facilitator_token = server.create_token("facilitator", name="writer")
            server.start()
            client = server.client(server.facilitator_token)
            trajectories = [start(client, f"T{n}") for n in range(3)]
            with write_burst(server, trajectories):
                heads = decisionlog("verify", "--database", url, "--write-heads",
                                    str(tmp_path / "dump.heads"))
                assert heads.returncode == 0, heads.stderr
                dump = subprocess.run(
                    ["pg_dump", "--format=custom", f"--schema={schema}",
                     f"--file={tmp_path / 'dump'}", _plain(base)],
                    capture_output=True, text=True, timeout=300)
                assert dump.returncode == 0, dump.stderr
        finally:
            server.close()
        # "Elsewhere": the live schema moves aside, the dump is restored in its place
        admin(base, f'ALTER SCHEMA "{schema}" RENAME TO "{schema}_live"')
        try:
            restored = subprocess.run(
                ["pg_restore", "--no-owner", f"--dbname={_plain(base)}",
                 str(tmp_path / "dump")], capture_output=True, text=True, timeout=300)
            assert restored.returncode == 0, restored.stderr
            checked = decisionlog("verify", "--database", url, "--expect-heads",
                                  str(tmp_path / "dump.heads"))
            assert checked.returncode == 0, checked.stdout + checked.stderr
            assert "OK: 3 trajectories" in checked.stdout
            assert decisionlog("rebuild", "--database", url).returncode == 0
            copied, kept = _pg_rows(base, schema), _pg_rows(base, f"{schema}_live")
            assert copied and all(kept[key] == row for key, row in copied.items())
        finally:
            admin(base, f'DROP SCHEMA IF EXISTS "{schema}_live" CASCADE')
