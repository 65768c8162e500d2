"""The command line on a user's mistakes: each is one line on stderr naming what is wrong
and what to do, a non-zero exit status, no traceback, and no database file made.

Every test runs the real command in a child process, in a working folder of its own.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from decisionlog.application import DecisionLog
from decisionlog.infrastructure.config import parse_database_url
from tests.audit.helpers import small_story
from tests.backends import require_postgres, schema_url
from tests.e2e.client import free_port

COMMAND = [sys.executable, "-m", "decisionlog.cli"]
READERS = {  # the commands that need an existing log, with what else they need
    "token list": ["token", "list"],
    "token revoke": ["token", "revoke", "henk"],
    "verify": ["verify"],
    "export": ["export", "--trajectory", "00000000-0000-0000-0000-000000000001",
               "--format", "markdown"],
    "rebuild": ["rebuild"],
}
EVERY_COMMAND = {**READERS,
                 "token create": ["token", "create", "--role", "reader", "--name", "ines"],
                 "serve": ["serve", "--port", "0"]}


def decisionlog(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def one_line(run: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused command printed on stderr (and it printed nothing else)."""
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("decisionlog: ")
    return lines[0]


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """An empty working folder for the command."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


# --- a place that cannot hold a log -----------------------------------------------------

@pytest.mark.parametrize("command", sorted(EVERY_COMMAND))
def test_a_sqlite_path_in_a_missing_folder(work: Path, command: str) -> None:
    run = decisionlog(*EVERY_COMMAND[command], "--database", "sqlite:///no/such/folder/x.db",
                      cwd=work)
    line = one_line(run)
    assert run.returncode == 2
    assert f"no folder {work}/no/such/folder for the database x.db" in line
    assert files(work) == set()


@pytest.mark.parametrize("command", sorted(EVERY_COMMAND))
def test_a_sqlite_path_that_is_a_folder_or_not_a_database(work: Path, command: str) -> None:
    (work / "folder.db").mkdir()
    (work / "notes.db").write_text("these are my notes, not a database\n" * 20)
    before = files(work)
    folder = decisionlog(*EVERY_COMMAND[command], "--database", "sqlite:///folder.db",
                         cwd=work)
    assert folder.returncode == 2
    assert f"{work}/folder.db is a folder, not a database file" in one_line(folder)
    other = decisionlog(*EVERY_COMMAND[command], "--database", "sqlite:///notes.db", cwd=work)
    assert other.returncode == 2
    assert f"{work}/notes.db is not a SQLite database" in one_line(other)
    assert files(work) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="file permissions: running as root, which "
                                              "may read and write every file")
def test_an_unreadable_sqlite_file(work: Path) -> None:
    path = work / "locked.db"
    path.write_bytes(b"")
    path.chmod(0)
    for args in EVERY_COMMAND.values():
        run = decisionlog(*args, "--database", "sqlite:///locked.db", cwd=work)
        assert run.returncode == 2
        assert f"cannot read {path}: permission denied" in one_line(run)
    assert files(work) == {"locked.db"}


@pytest.mark.parametrize("command", sorted(EVERY_COMMAND))
def test_an_unreachable_postgresql(work: Path, command: str) -> None:
    url = f"postgresql://someone:secret@127.0.0.1:{free_port()}/decisionlog"
    run = decisionlog(*EVERY_COMMAND[command], "--database", url, cwd=work)
    line = one_line(run)
    assert run.returncode == 2
    assert "cannot reach PostgreSQL at postgresql://someone:***@127.0.0.1:" in line
    assert "Connection refused" in line and "secret" not in line
    assert files(work) == set()


def test_a_refusing_postgresql(work: Path) -> None:
    parts = urlsplit(require_postgres())
    url = urlunsplit(parts._replace(path="/no_such_database_here", query=""))
    for args in EVERY_COMMAND.values():
        run = decisionlog(*args, "--database", url, cwd=work)
        assert run.returncode == 2
        line = one_line(run)
        assert "cannot reach PostgreSQL at" in line and "no_such_database_here" in line
    assert files(work) == set()


# --- no log there yet -------------------------------------------------------------------

@pytest.mark.parametrize("command", sorted(READERS))
def test_a_command_on_a_log_that_does_not_exist_refuses(work: Path, command: str) -> None:
    run = decisionlog(*READERS[command], "--database", "sqlite:///typo.db", cwd=work)
    assert run.returncode == 2
    line = one_line(run)
    assert line.startswith(f"decisionlog: no decision log at {work}/typo.db; `")
    assert "decisionlog serve` creates one" in line
    assert run.stdout == ""
    assert files(work) == set()


@pytest.mark.parametrize("command", sorted(READERS))
def test_a_command_on_a_postgresql_schema_without_a_log_refuses(
        work: Path, command: str) -> None:
    url = schema_url(require_postgres(), "no_log_in_this_schema")
    run = decisionlog(*READERS[command], "--database", url, cwd=work)
    assert run.returncode == 2
    assert "no decision log at postgresql://" in one_line(run)
    check = decisionlog("token", "list", "--database", url, cwd=work)  # still not made
    assert check.returncode == 2


def test_token_create_says_when_it_makes_a_new_log(work: Path) -> None:
    run = decisionlog("token", "create", "--role", "reader", "--name", "ines",
                      "--database", "sqlite:///new.db", cwd=work)
    assert run.returncode == 0
    assert one_line(run) == f"decisionlog: created a new decision log at {work}/new.db."
    assert run.stdout.startswith("dl_") and run.stdout.count("\n") == 1
    again = decisionlog("token", "create", "--role", "reader", "--name", "henk",
                        "--database", "sqlite:///new.db", cwd=work)
    assert again.returncode == 0 and again.stderr == ""  # not new any more


# --- export, serve ----------------------------------------------------------------------

@pytest.fixture
def log_file(work: Path) -> Path:
    """A SQLite log in the working folder, with one small trajectory."""
    path = work / "decisionlog.db"
    app = DecisionLog(env=parse_database_url(f"sqlite:///{path}").env)
    try:
        small_story(app, 3)
    finally:
        app.close()
    return path


def test_export_into_a_missing_folder(work: Path, log_file: Path) -> None:
    before = files(work)
    run = decisionlog(*READERS["export"], "--output", "out/register.md", cwd=work)
    assert run.returncode == 2
    assert one_line(run) == (f"decisionlog: no folder {work}/out for --output "
                             "out/register.md; create it first.")
    assert files(work) == before


def test_serve_on_a_port_in_use_says_so_before_anything_else(work: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = decisionlog("serve", "--demo", "--port", str(port), cwd=work)
    assert run.returncode == 2
    assert one_line(run) == (f"decisionlog: port {port} on 127.0.0.1 is in use (another "
                             "server is running?); stop it, or choose another port with "
                             "--port.")
    assert run.stdout == ""  # no token, no address printed
    assert files(work) == set()


# --- Ctrl-C -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite log of 20,000 events in 40 trajectories: verify --snapshots takes over a
    second, long enough for the signal to come first on a loaded machine (one trajectory
    of as many members would take minutes to make: each new name is checked against all)."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    app = DecisionLog(env=parse_database_url(f"sqlite:///{path}").env)
    try:
        for n in range(40):
            small_story(app, 500, name=f"Small {n}")
    finally:
        app.close()
    yield path


def interrupt_when(args: list[str], cwd: Path, marker: bytes, *, tty: bool
                   ) -> subprocess.CompletedProcess[str] | None:
    """Run the command; send SIGINT when `marker` shows on its stderr (a terminal when
    `tty`, so progress is drawn). None when it finished before the signal reached it."""
    master, slave = pty.openpty() if tty else os.pipe()
    # Ctrl-C's default action, whatever this test inherited: a shell without job control
    # starts background commands with SIGINT ignored, and the child would inherit that.
    process = subprocess.Popen([*COMMAND, *args], cwd=cwd, stdout=subprocess.PIPE,
                               stderr=slave, text=False,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the terminal closed: the process ended
                    chunk = b""
                if not chunk:
                    break
                seen += chunk
        if marker in seen:
            process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=60)
        while True:
            ready, _, _ = select.select([master], [], [], 0.5)
            try:
                chunk = os.read(master, 4096) if ready else b""
            except OSError:
                chunk = b""
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    if process.returncode == 0:
        return None
    stderr = seen.decode().replace("\r\x1b[K", "\n").replace("\r", "\n")
    return subprocess.CompletedProcess(args, process.returncode, stdout.decode(), stderr)


def test_ctrl_c_during_verify_says_it_changed_nothing(big_log: Path) -> None:
    url = f"sqlite:///{big_log}"
    before = big_log.read_bytes()
    for _ in range(3):  # the signal may come after the last event was checked: try again
        run = interrupt_when(["verify", "--snapshots", "--database", url], big_log.parent,
                             b"verify:", tty=True)
        if run is not None:
            break
    else:
        pytest.fail("verify finished before SIGINT reached it, three times")
    assert run.returncode == 130
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines[-1] == ("decisionlog: verify interrupted; it only reads, so nothing was "
                         "changed.")
    assert all(line.startswith("verify: ") for line in lines[:-1])  # progress, then that
    assert big_log.read_bytes() == before


def test_ctrl_c_during_rebuild_says_where_it_stopped_and_the_next_run_resumes(
        work: Path) -> None:
    path = work / "rebuild.db"
    app = DecisionLog(env=parse_database_url(f"sqlite:///{path}").env)
    try:
        for n in range(8):  # 4,000 events: several seconds one at a time
            small_story(app, 500, name=f"Small {n}")
    finally:
        app.close()
    url = f"sqlite:///{path}"
    run = interrupt_when(["rebuild", "--batch-size", "1", "--database", url], work,
                         b"rebuild: ", tty=False)
    assert run is not None, "rebuild finished before SIGINT reached it"
    assert run.returncode == 130
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("decisionlog: rebuild interrupted; the read models include "
                                "notification ")
    assert lines[-1].endswith("decisionlog rebuild` resumes there.")
    assert all(line.startswith("rebuild: ") for line in lines[:-1])
    again = decisionlog("rebuild", "--database", url, cwd=work)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Resumed and finished the read models")
