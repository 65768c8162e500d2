"""`decisionlog serve --demo` in a child process, as `make serve` runs it, and the link
with the demo token that it printed."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.client import free_port

LINK = re.compile(r"^\s+(http://127\.0\.0\.1:\d+/graphql#token=(dl_\w+))$", re.MULTILINE)


class DemoServer:
    """The demo service on a SQLite file in `folder` (its working folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.out = folder / "serve.out"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "decisionlog.cli", "serve", "--demo", "--port",
             str(self.port)], cwd=folder, stdout=self.out.open("w"),
            stderr=subprocess.STDOUT)
        self.origin = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.out.read_text()
            assert time.monotonic() < deadline, "the demo server did not start"
            try:
                if httpx.get(f"{self.origin}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        printed = self.out.read_text()
        match = LINK.search(printed)
        assert match, printed
        self.link, self.token = match[1], match[2]
        trajectory = re.search(r"^Demo trajectory: (\S+)$", printed, re.MULTILINE)
        assert trajectory, printed
        self.trajectory_id = trajectory[1]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
