"""Advisory locks on small files beside a SQLite database (`flock`).

The kernel releases a process's `flock` when the process ends, however it ends (SIGKILL
and crashes too), so a lock left behind by a dead process never blocks the next one:
only the empty file stays. Each lock is held on an open file description of its own, so
two holders in one process exclude each other as two processes do. The holder writes a
line about itself into the file, which a refused caller can show ("pid 123 on host").
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


def lock_path(database_path: str, purpose: str) -> Path:
    """The lock file of a purpose beside a database file: `decisionlog.db-serve.lock`."""
    return Path(f"{database_path}-{purpose}.lock")


def describe_process(role: str) -> str:
    """A line that names this process, for a lock's holder: role, pid, host, start time."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    return f"{role}, pid {os.getpid()} on {socket.gethostname()}, since {started}"


class FileLock:
    """An exclusive lock on one file, taken without waiting."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, holder: str) -> bool:
        """Take the lock and write `holder` into the file; False if someone holds it."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode() + b"\n", 0)
        self._fd = fd
        return True

    def release(self) -> None:
        """Let go of the lock (closing the file releases it); harmless when not held."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # releases the flock

    def holder(self) -> str | None:
        """Who holds the lock now, as they described themselves; None when it is free."""
        if self._fd is not None:
            return self._read() or "this process"
        probe = FileLock(self.path)
        try:
            if probe.acquire_quietly():
                return None
        finally:
            probe.release()
        return self._read() or "another process"

    def acquire_quietly(self) -> bool:
        """Take the lock without writing a holder line (to test whether it is free)."""
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _read(self) -> str:
        try:
            return self.path.read_text(errors="replace").strip()
        except OSError:
            return ""


class SharedPresence:
    """A shared lock that says "someone here is at work" while any thread of this
    process is inside `present()`; another process tests it with `busy()`.

    The process's threads share one shared lock, counted, so that one leaving does not
    withdraw the others' presence.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._count = 0
        self._fd: int | None = None

    @contextmanager
    def present(self) -> Iterator[None]:
        self._enter()
        try:
            yield
        finally:
            self._leave()

    def _enter(self) -> None:
        with self._lock:
            if self._count == 0:
                try:
                    fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
                except OSError:  # a read-only directory: presence is a courtesy, not a rule
                    fd = None
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_SH)
                self._fd = fd
            self._count += 1

    def _leave(self) -> None:
        with self._lock:
            self._count -= 1
            if self._count == 0 and self._fd is not None:
                os.close(self._fd)  # releases the shared lock
                self._fd = None


def others_present(path: Path) -> bool:
    """Whether any holder of `SharedPresence(path)` (in any process) is present now."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class AlreadyServingError(Exception):
    """Raised when another process serves the SQLite file already."""

    def __init__(self, database_path: str, holder: str | None) -> None:
        self.database_path = database_path
        self.holder = holder
        who = f" ({holder})" if holder else ""
        super().__init__(
            f"another decisionlog serve is serving {database_path}{who}: one SQLite file "
            "is served by one process. Stop that one first, or use PostgreSQL to serve "
            "from several processes.")


_SERVING: dict[str, FileLock] = {}
_SERVING_LOCK = threading.Lock()


def hold_serve_lock(database_path: str) -> None:
    """Hold, for the rest of this process, the lock that lets one process serve a SQLite
    file (`<database>-serve.lock`); raises `AlreadyServingError` naming the holder.
    Holding it again in the same process does nothing."""
    key = os.path.realpath(database_path)
    with _SERVING_LOCK:
        if key in _SERVING:
            return
        lock = FileLock(lock_path(database_path, "serve"))
        if not lock.acquire(describe_process("decisionlog serve")):
            raise AlreadyServingError(database_path, lock.holder())
        _SERVING[key] = lock
