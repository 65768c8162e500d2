"""A rebuild of the read models while the service runs: the service says the views are
behind (at /ready, and on answers read from them), a second rebuild is refused with one
line, a killed rebuild is finished by the running service on its own, and writers are
not stalled meanwhile. On a SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, fresh_database
from tests.bulkdata import fill
from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import ok

ROOT = Path(__file__).parents[2]
TRAJECTORIES, DECISIONS = 30, 20  # 30 x 25 events
COUNT = "{ decisions(first: 1) { totalCount } }"
COUNT_AGAIN = "query Again { decisions(first: 1) { totalCount } }"

# A rebuild in a process of its own that pauses after each batch: slow enough to look at.
SLOW_REBUILD = """
import json, sys, time
from decisionlog.application import DecisionLog
from decisionlog.readmodels import rebuild

app = DecisionLog(env={**json.loads(sys.argv[1]), "READMODELS_CATCH_UP": "n"})

def progress(report):
    print(report.position, flush=True)
    time.sleep(0.5)

rebuild(app, batch_size=50, progress=progress)
print("finished", flush=True)
"""


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A service on a store of 750 events, with a facilitator token."""
    with fresh_database(request.param, tmp_path, prefix="rebuild") as url:
        fill(url, trajectories=TRAJECTORIES, decisions=DECISIONS)
        server = Server(url, log_path=tmp_path / "server.log")
        try:
            server.facilitator_token = server.create_token("facilitator", name="fac")
            server.start()
            yield server
        finally:
            server.close()


def ready(server: Server) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{server.url}/ready", timeout=30)
    body: dict[str, Any] = response.json()
    return response.status_code, body


def wait_until(predicate: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def rebuild_command(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "decisionlog.cli", "rebuild", "--database", url, *extra],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


def record_one(client: GraphQLClient, tid: str, domain: str, anna: str, title: str) -> None:
    ok(client.mutate("recordDecision", {
        "trajectoryId": tid, "domainId": domain, "title": title,
        "statement": "Written while the views are rebuilt.", "decidedBy": [anna]},
        "... on DecisionPayload { version }"), "DecisionPayload")


def team_of(client: GraphQLClient) -> tuple[str, str, str]:
    """A trajectory's id, its domain's and its deciding member's."""
    data = client.execute("{ trajectories(first: 1) { edges { node { id "
                          "domains { id } members { id name } } } } }")
    node = data["trajectories"]["edges"][0]["node"]
    anna = next(m["id"] for m in node["members"] if m["name"] == "Anna")
    return node["id"], node["domains"][0]["id"], anna


def test_a_killed_rebuild_is_finished_by_the_running_service(served: Server) -> None:
    client = served.client(served.facilitator_token)
    total = TRAJECTORIES * DECISIONS
    assert client.execute(COUNT)["decisions"]["totalCount"] == total
    status, body = ready(served)
    assert status == 200 and body["checks"]["readModels"]["status"] == "current"
    tid, domain, anna = team_of(client)

    # A rebuild in another process, slowed down, then killed mid-way
    env = parse_database_url(served.database_url).env
    child = subprocess.Popen([sys.executable, "-c", SLOW_REBUILD, json.dumps(env)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None
        positions = [int(child.stdout.readline()) for _ in range(2)]
        assert positions[-1] > 0

        # The service says the views are behind, and who is rebuilding them, and stays
        # ready: every worker reads the same views
        status, body = ready(served)
        views = body["checks"]["readModels"]
        assert status == 200, body
        assert views["status"] == "rebuilding" and views["rebuilding"] is True
        assert views["behind"] > 0 and f"pid {child.pid}" in views["by"]
        # ... so does an answer read from the views (a query asked before the rebuild
        # is answered as kept: nothing was written since, so it is still the answer)
        assert client.post(COUNT) == {"data": {"decisions": {"totalCount": total}}}
        answer = client.post(COUNT_AGAIN)
        assert answer["data"]["decisions"]["totalCount"] < total
        note = answer["extensions"]["readModels"]
        assert note["status"] == "rebuilding" and note["behind"] > 0
        # Writes are acknowledged meanwhile
        for n in range(3):
            record_one(client, tid, domain, anna, f"Written during the rebuild {n}")

        # A second rebuild is refused with one line, naming the first
        second = rebuild_command(served.database_url)
        assert second.returncode == 1
        assert second.stderr.startswith(
            "decisionlog: another rebuild of the read models is running")
        assert f"pid {child.pid}" in second.stderr and len(second.stderr.splitlines()) == 1
        assert second.stdout == ""

        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    # The running service notices (the lease is free, the tracking row behind), resumes
    # the catch-up on its own, and says so when it is done
    wait_until(lambda: ready(served)[1]["checks"]["readModels"]["status"] == "current")
    answer = client.post(COUNT)
    assert answer["data"]["decisions"]["totalCount"] == total + 3
    assert "readModels" not in (answer.get("extensions") or {})
    found = client.execute('{ decisions(search: "written during the rebuild") '
                           "{ totalCount } }")
    assert found["decisions"]["totalCount"] == 3


def test_writes_during_a_rebuild_are_not_stalled(served: Server) -> None:
    client = served.client(served.facilitator_token)
    tid, domain, anna = team_of(client)
    fill(served.database_url, trajectories=200, decisions=95)  # 20,000 more events
    latencies: list[float] = []
    failures: list[str] = []
    stop = threading.Event()

    def write() -> None:
        writer = served.client(served.facilitator_token)
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            try:
                record_one(writer, tid, domain, anna, f"Concurrent {n}")
            except Exception as error:
                failures.append(repr(error))
            latencies.append(time.monotonic() - started)
            n += 1
            time.sleep(0.01)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        time.sleep(0.3)
        done = rebuild_command(served.database_url)
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert failures == []
    # Before, SQLite writers polling for the lock lost it to the next batch nearly every
    # time: 40 writes in 32 s (0.8 s each on average), the slowest 3.9 s, and past 5 s
    # "database is locked". Judged on the mean, which a loaded machine's one slow spell
    # does not move past the bound the way it moves the slowest write.
    assert len(latencies) > 20
    assert sum(latencies) / len(latencies) < 0.4, sorted(latencies)[-5:]
    assert max(latencies) < 5.0, sorted(latencies)[-5:]
    count = client.execute('{ decisions(search: "concurrent") { totalCount } }')
    assert count["decisions"]["totalCount"] == len(latencies)
