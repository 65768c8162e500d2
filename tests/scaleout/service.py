"""`decisionlog serve --workers N` in a child process, and what the tests need around it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from decisionlog.application import DecisionLog
from decisionlog.infrastructure.config import parse_database_url
from tests.e2e.client import GraphQLClient, Server


@dataclass
class Service(Server):
    """The service as users run it: `decisionlog serve` with uvicorn's worker processes."""

    workers: int = 1
    args: list[str] = field(default_factory=list)  # more options of `serve`
    log_level: str = "warning"
    ready_path: str = "/health"  # answers 200 once serving

    def start(self) -> Service:
        env = {**os.environ, "DECISIONLOG_DATABASE_URL": self.database_url, **self.extra_env}
        log = open(self.log_path or os.devnull, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "decisionlog.cli", "serve", "--port", str(self.port),
             "--workers", str(self.workers), "--log-level", self.log_level, *self.args],
            env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"decisionlog serve exited with {self.process.returncode}")
            if self.workers == 1 or len(self.worker_pids()) == self.workers:
                try:
                    if httpx.get(f"{self.url}{self.ready_path}", timeout=1).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"decisionlog serve did not answer {self.ready_path}")

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes (children of the supervisor), oldest first."""
        if self.process is None or self.workers == 1:
            return []
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        workers = []
        for child in children:
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in command:  # not multiprocessing's resource tracker
                workers.append(int(child))
        return workers

    def busiest_worker(self) -> int:
        """The worker holding the most open client connections (one with requests in
        flight, when clients are busy)."""
        inodes = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            port = int(fields[1].rsplit(":", 1)[1], 16)
            if port == self.port and fields[3] == "01":  # ESTABLISHED
                inodes.add(f"socket:[{fields[9]}]")

        def connections(pid: int) -> int:
            try:
                links = [os.readlink(f) for f in Path(f"/proc/{pid}/fd").iterdir()]
            except OSError:
                return 0
            return sum(1 for link in links if link in inodes)

        return max(self.worker_pids(), key=connections)

    def app(self) -> DecisionLog:
        """The test's own `DecisionLog` on the service's database."""
        if self._log is None:
            self._log = DecisionLog(env=parse_database_url(self.database_url).env)
        return self._log


def new_client(service: Server) -> GraphQLClient:
    """A facilitator client with its own connection pool (one per thread)."""
    return service.client(service.facilitator_token)


def version_of(client: GraphQLClient, tid: str) -> int:
    data: dict[str, Any] = client.execute(
        "query($id: ID!) { trajectory(id: $id) { version } }", {"id": tid})
    return int(data["trajectory"]["version"])


def in_threads(count: int, work: Callable[[int], None]) -> None:
    """Run `work(i)` in `count` threads released together; re-raise the first failure."""
    gate = threading.Barrier(count)

    def run(index: int) -> None:
        gate.wait()
        work(index)

    with ThreadPoolExecutor(count) as pool:
        for future in [pool.submit(run, i) for i in range(count)]:
            future.result()


def worker_of(service: Service, client_port: int) -> int | None:
    """The worker process holding the server end of the connection whose client end is
    at local port `client_port`."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
        if int(local, 16) == service.port and int(remote, 16) == client_port:
            inode = f"socket:[{fields[9]}]"
    if inode is None:
        return None
    for pid in service.worker_pids():
        try:
            if any(os.readlink(f) == inode for f in Path(f"/proc/{pid}/fd").iterdir()):
                return pid
        except OSError:
            continue
    return None
