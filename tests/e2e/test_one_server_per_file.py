"""One SQLite file, one serving process: a second `decisionlog serve` on the same file is
refused with one line naming the first; a first one killed with SIGKILL does not block
the next start. (On PostgreSQL, `--workers N` serves from several processes: the
scale-out tests run it.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.client import Server, free_port
from tests.scaleout.service import Service

ROOT = Path(__file__).parents[2]


def serve(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "decisionlog.cli", "serve", "--database", url, "--port",
         str(free_port()), *extra],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_second_serve_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/decisionlog.db"
    first = Service(url, log_path=tmp_path / "first.log").start()
    try:
        assert first.process is not None
        second = serve(url)
        assert second.returncode == 1
        assert second.stderr.startswith(
            f"decisionlog: another decisionlog serve is serving {tmp_path}/decisionlog.db "
            f"(decisionlog serve, pid {first.process.pid} on ")
        assert "one SQLite file is served by one process" in second.stderr
        assert len(second.stderr.splitlines()) == 1
        # ... with --demo too, before it writes anything
        assert serve(url, "--demo").returncode == 1
        # Served by uvicorn directly, the app refuses to start as well
        direct = Server(url, log_path=tmp_path / "direct.log")
        try:
            direct.start()
        except RuntimeError:
            pass
        else:
            raise AssertionError("a second server started on the same file")
        finally:
            direct.stop()
        assert "another decisionlog serve is serving" in (tmp_path / "direct.log").read_text()
        assert httpx.get(f"{first.url}/health", timeout=10).status_code == 200

        # A killed server leaves no lock behind that blocks the next one
        first.stop(signal.SIGKILL)
        first.start()
        deadline = time.monotonic() + 30
        while httpx.get(f"{first.url}/ready", timeout=10).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        first.close()
