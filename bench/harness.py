"""Shared helpers: repeated timings and their medians, a real uvicorn server on a SQLite
file, and a bounded load generator (wrk with a Lua script, or a small asyncio client)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from decisionlog.api.serving import uvicorn_arguments

ROOT = Path(__file__).resolve().parent.parent
BENCH_APP = "bench.serverapp:create_bench_app"
HOST = "127.0.0.1"


# Timing


@dataclass(frozen=True)
class Stats:
    """The median, minimum and maximum of repeated measurements."""

    median: float
    min: float
    max: float
    samples: tuple[float, ...]

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        if not samples:
            raise ValueError("no samples")
        return cls(statistics.median(samples), min(samples), max(samples), tuple(samples))


@dataclass
class Row:
    """One line of the table: a figure or a raw limit, and how it compares.

    `limit` names the row it is compared with; the ratio is this median over that one.
    `target` is ">= x" or "<= x", on the ratio, or on the median when there is no limit.
    """

    figure: str
    unit: str
    stats: Stats
    limit: str | None = None
    target: str | None = None
    note: str = ""
    ratio: float | None = None
    met: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure, "unit": self.unit, "median": self.stats.median,
            "min": self.stats.min, "max": self.stats.max, "samples": list(self.stats.samples),
            "limit": self.limit, "ratio": self.ratio, "target": self.target, "met": self.met,
            "note": self.note,
        }


def compare(rows: list[Row]) -> None:
    """Fill in each row's ratio to its limit and whether it meets its target."""
    by_name = {row.figure: row for row in rows}
    for row in rows:
        value: float | None = row.stats.median
        if row.limit is not None:
            limit = by_name.get(row.limit)
            value = None if limit is None or not limit.stats.median else (
                row.stats.median / limit.stats.median)
            row.ratio = value
        if row.target is not None and value is not None:
            operator, _, threshold = row.target.partition(" ")
            bound = float(threshold)
            row.met = value >= bound if operator == ">=" else value <= bound


def rate(body: Callable[[], object], *, seconds: float) -> float:
    """Calls per second of `body`, called over and over for about `seconds`."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        body()
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


# The server


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def vm_hwm_mb(pid: int) -> float:
    """Peak resident set size of a process, in MB (VmHWM from /proc)."""
    return _proc_status_kb(pid, "VmHWM") / 1024


def vm_rss_mb(pid: int) -> float:
    """Current resident set size of a process, in MB."""
    return _proc_status_kb(pid, "VmRSS") / 1024


class PeakSampler:
    """Samples a /proc/PID/status field (RssAnon, say) in a thread; keeps the peak, in MB."""

    def __init__(self, pid: int, key: str, *, interval: float = 0.02) -> None:
        self.pid, self.key, self.interval = pid, key, interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, KeyError):
                self.peak_mb = max(self.peak_mb, _proc_status_kb(self.pid, self.key) / 1024)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _proc_status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@dataclass
class Server:
    """`uvicorn <factory> --factory` (1 worker) serving a SQLite file on 127.0.0.1."""

    database: Path
    log_path: Path
    factory: str = BENCH_APP
    headers: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)  # more uvicorn options (the last wins)
    process: subprocess.Popen[bytes] | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, *, timeout: float = 120) -> Server:
        env = {**os.environ, "DECISIONLOG_DATABASE_URL": f"sqlite:///{self.database}",
               **self.env}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        for _attempt in range(3):
            self.port = free_port()
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "uvicorn", self.factory, "--factory",
                     "--host", HOST, "--port", str(self.port), "--log-level", "warning",
                     *uvicorn_arguments(), *self.args],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            if self._wait_until_healthy(timeout):
                return self
            self.stop()
        raise RuntimeError(f"the server did not start; see {self.log_path}")

    def _wait_until_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Stop the server this object started (SIGINT, then SIGKILL after 15 s)."""
        stop_process(self.process)

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """One GraphQL request; the data, or an error if the response has errors."""
        body = graphql_body(query, variables)
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, method="POST",
            headers={"Content-Type": "application/json", **self.headers},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            result: dict[str, Any] = json.loads(response.read())
        if result.get("errors"):
            raise RuntimeError(f"GraphQL errors: {result['errors']}")
        data: dict[str, Any] = result["data"]
        return data

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def graphql_body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    """The JSON body of a GraphQL POST, on one line."""
    return json.dumps({"query": " ".join(query.split()), "variables": variables or {}},
                      separators=(",", ":")).encode()


# Load


@dataclass(frozen=True)
class Load:
    """What a bounded load run measured."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    tool: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def have_wrk() -> bool:
    return shutil.which("wrk") is not None and not os.environ.get("BENCH_NO_WRK")


def load(
    url: str,
    *,
    bodies: Sequence[bytes] | None = None,
    seconds: float,
    connections: int,
    headers: dict[str, str] | None = None,
    cycle: bool = False,
) -> Load:
    """Load `url` for about `seconds` over `connections` keep-alive connections.

    No bodies: GET. One body: that POST every time. Several: a random one per request
    (`cycle`: each in turn). Uses wrk when installed, else a bounded asyncio client.
    """
    if not url.startswith(f"http://{HOST}:"):
        raise ValueError("the load generator only talks to 127.0.0.1")
    if have_wrk():
        return _wrk(url, bodies, seconds, connections, headers or {}, cycle)
    return asyncio.run(_python_load(url, bodies, seconds, connections, headers or {}, cycle))


_WRK_SCRIPT = r"""
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
local cycle = os.getenv("BENCH_CYCLE") == "1"
local headers = {["Content-Type"] = "application/json"}
for name, value in string.gmatch(os.getenv("BENCH_HEADERS") or "", "([^\n:]+): ([^\n]*)") do
  headers[name] = value
end
local next_body = 0
if #bodies == 1 then
  wrk.method = "POST"
  wrk.body = bodies[1]
  for name, value in pairs(headers) do wrk.headers[name] = value end
elseif #bodies > 1 then
  request = function()
    if cycle then next_body = next_body % #bodies + 1 else next_body = math.random(#bodies) end
    return wrk.format("POST", nil, headers, bodies[next_body])
  end
else
  for name, value in pairs(headers) do wrk.headers[name] = value end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCHRESULT %d %d %d %d %f %f\n", summary.requests,
    summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _wrk(url: str, bodies: Sequence[bytes] | None, seconds: float, connections: int,
         headers: dict[str, str], cycle: bool) -> Load:
    with tempfile.TemporaryDirectory(prefix="decisionlog-wrk-") as directory:
        script = Path(directory) / "load.lua"
        script.write_text(_WRK_SCRIPT)
        body_file = Path(directory) / "bodies.txt"
        body_file.write_bytes(b"".join(b + b"\n" for b in bodies or []))
        env = {**os.environ, "BENCH_BODIES": str(body_file), "BENCH_CYCLE": "1" if cycle else "0",
               "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in headers.items())}
        command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                   "--timeout", "10s", "-s", str(script), url]
        result = subprocess.run(command, env=env, capture_output=True, text=True,
                                timeout=seconds + 60, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("BENCHRESULT"):
            requests, micros, errors, status, p50, p99 = line.split()[1:]
            return Load(int(requests), int(micros) / 1e6, int(errors) + int(status),
                        float(p50) / 1000, float(p99) / 1000, "wrk")
    raise RuntimeError(f"wrk gave no result: {result.stdout}\n{result.stderr}")


async def _python_load(url: str, bodies: Sequence[bytes] | None, seconds: float,
                       connections: int, headers: dict[str, str], cycle: bool) -> Load:
    address, _, path = url.removeprefix("http://").partition("/")
    host, _, port = address.partition(":")
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    if bodies:
        requests = [(f"POST /{path} HTTP/1.1\r\nHost: {address}\r\n{extra}"
                     f"Content-Type: application/json\r\nContent-Length: {len(b)}\r\n\r\n"
                     ).encode() + b for b in bodies]
    else:
        requests = [f"GET /{path} HTTP/1.1\r\nHost: {address}\r\n{extra}\r\n".encode()]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    turn = 0

    async def client(index: int) -> None:
        nonlocal errors, turn
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                if cycle:
                    turn += 1
                    request = requests[turn % len(requests)]
                else:
                    request = requests[(index + len(latencies)) % len(requests)]
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                if not head.startswith((b"HTTP/1.1 2", b"HTTP/1.1 3")):
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    return Load(len(latencies), elapsed, errors, percentile(50), percentile(99), "python")


def log(message: str) -> None:
    """A progress line on stderr, so that stdout stays the table."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a server process gracefully (SIGINT), then SIGKILL after 15 s."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
