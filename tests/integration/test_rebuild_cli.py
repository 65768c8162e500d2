"""`decisionlog rebuild` on a SQLite file: the views it leaves equal those live processing
made; it resumes an interrupted rebuild (or starts over with --restart); progress goes to
stderr, as a bar on a terminal, and the summary to stdout."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from decisionlog.application import DecisionLog
from decisionlog.cli.main import main
from decisionlog.infrastructure.config import parse_database_url
from decisionlog.readmodels import RebuildProgress, rebuild
from tests.integration.scenario import OPS, dump_views, run_steps

ROOT = Path(__file__).parents[2]
STEPS = [(op, i % 3, i, 3 * i, i) for i, op in enumerate(OPS * 4)]


class Interrupted(Exception):
    """Raised by a progress callback to cut a rebuild off."""


class Live(NamedTuple):
    """A SQLite file's URL, and the views live processing made there and their position."""

    url: str
    views: dict[str, list[tuple[Any, ...]]]
    position: int


@pytest.fixture
def database(tmp_path: Path) -> Live:
    """A SQLite file with a few trajectories of every kind of event."""
    url = f"sqlite:///{tmp_path}/rebuild.db"
    app = DecisionLog(env=parse_database_url(url).env)
    try:
        run_steps(app, STEPS)
        return Live(url, dump_views(app), app.readmodels.state().position)
    finally:
        app.close()


def views_of(url: str) -> tuple[dict[str, list[tuple[Any, ...]]], int, bool]:
    """The views of the file, their position and whether a rebuild is under way."""
    app = DecisionLog(env={**parse_database_url(url).env, "READMODELS_CATCH_UP": "n"})
    try:
        state = app.readmodels.state()
        return dump_views(app), state.position, state.rebuilding
    finally:
        app.close()


def test_rebuild_replaces_damaged_views_with_those_live_processing_made(
        database: Live, capsys: pytest.CaptureFixture[str]) -> None:
    url = database.url
    path = parse_database_url(url).env["SQLITE_DBNAME"]
    with contextlib.closing(sqlite3.connect(path)) as connection:  # damage only a rebuild mends
        connection.execute("DELETE FROM dl_decisions")
        connection.execute("UPDATE dl_trajectories SET name = 'wrong'")
        connection.commit()
    assert views_of(url)[0] != database.views

    assert main(["rebuild", "--database", url, "--batch-size", "7"]) == 0

    out = capsys.readouterr().out
    assert out.startswith("Rebuilt the read models: ")
    assert f"they include notification {database.position}." in out
    assert views_of(url) == (database.views, database.position, False)


def test_an_interrupted_rebuild_is_resumed_by_the_command(
        database: Live, capsys: pytest.CaptureFixture[str]) -> None:
    url = database.url
    app = DecisionLog(env=parse_database_url(url).env)
    seen: list[RebuildProgress] = []

    def stop_after_two(report: RebuildProgress) -> None:
        seen.append(report)
        if len(seen) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        rebuild(app, batch_size=5, progress=stop_after_two)
    app.close()
    _, position, rebuilding = views_of(url)
    assert rebuilding and position == seen[-1].position < database.position

    assert main(["rebuild", "--database", url, "--batch-size", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Resumed and finished the read models: ")
    assert views_of(url) == (database.views, database.position, False)

    # --restart starts over, to the same views
    assert main(["rebuild", "--database", url, "--restart"]) == 0
    assert capsys.readouterr().out.startswith("Rebuilt the read models: ")
    assert views_of(url) == (database.views, database.position, False)


def run_cli(url: str, *, terminal: bool) -> tuple[int, str, str]:
    """`decisionlog rebuild` in a child process, stderr on a terminal (a pty) or a pipe;
    returns the exit status, stdout and stderr."""
    command = [sys.executable, "-m", "decisionlog.cli", "rebuild", "--database", url,
               "--batch-size", "5"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT,
                              timeout=120, check=False)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, env=env,
                             cwd=ROOT, text=True)
    os.close(follower)
    drawn = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    out = child.stdout.read() if child.stdout else ""
    return child.wait(timeout=60), out, drawn.decode()


def test_progress_is_a_bar_on_a_terminal_and_stays_off_stdout(
        database: Live) -> None:
    url = database.url

    status, out, bar = run_cli(url, terminal=True)

    assert status == 0
    assert "\r[" in bar and "events/s" in bar and "ETA " in bar and "100%" in bar
    assert out.startswith("Rebuilt the read models: ") and "\r" not in out
    assert views_of(url) == (database.views, database.position, False)

    # Not on a terminal: no bar, at most a plain line now and then
    status, out, plain = run_cli(url, terminal=False)
    assert status == 0 and "\r" not in plain and "[#" not in plain
    assert all(line.startswith("rebuild: ") for line in plain.splitlines())
    assert out.startswith("Rebuilt the read models: ")
