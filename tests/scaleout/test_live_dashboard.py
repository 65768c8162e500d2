"""The Python client example of docs/live.md, run as it stands there (gql with its
websockets transport), as a dashboard connected to one of two worker processes on
PostgreSQL while a facilitator records decisions through the other: it prints every
decision, in order, once, within the bound docs/live.md gives across workers (1 s)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import add_member, define_domain, grant, start
from tests.scaleout.service import Service, worker_of
from tests.scaleout.test_live_workers import Writer, writer_on_another_worker

pytestmark = pytest.mark.timeout(120)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "live.md"
BOUND_SECONDS = 1.0  # docs/live.md: across workers on PostgreSQL
DECISIONS = 10
RECORD = """mutation($i: RecordDecisionInput!) { recordDecision(input: $i) {
  __typename ... on DecisionPayload { version } } }"""


def python_example() -> str:
    """The one Python block of docs/live.md."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert len(blocks) == 1, "docs/live.md should hold one Python example"
    return str(blocks[0])


@pytest.fixture
def service(database: str, tmp_path: Path) -> Iterator[Service]:
    running = Service(database, workers=2, log_path=tmp_path / "service.log")
    try:
        running.facilitator_token = running.create_token("facilitator", name="facilitator")
        running.start()
        yield running
    finally:
        running.close()


class Dashboard:
    """The example in a child process; each line it prints, with when it came."""

    def __init__(self, service: Service, tid: str, directory: Path) -> None:
        script = directory / "dashboard.py"
        script.write_text(python_example())
        dashboard_token = service.create_token("reader", name="dashboard")
        self.process = subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1, env={
                **os.environ, "DECISIONLOG_WS_URL": service.url.replace("http", "ws")
                + "/graphql", "DECISIONLOG_TOKEN": dashboard_token,
                "DECISIONLOG_TRAJECTORY": tid})
        self.lines: list[tuple[float, str]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.lines) < count:
            assert time.monotonic() < deadline, f"the dashboard printed {self.lines}"
            assert self.process.poll() is None, f"the dashboard ended: {self.lines}"
            time.sleep(0.005)

    def client_port(self, service: Service) -> int:
        """The local port of the dashboard's websocket to the service."""
        inodes = set()
        for fd in Path(f"/proc/{self.process.pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            remote = int(fields[2].rsplit(":", 1)[1], 16)
            if remote == service.port and fields[9] in inodes:
                return int(fields[1].rsplit(":", 1)[1], 16)
        raise AssertionError("the dashboard has no connection to the service")

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)


def test_the_docs_dashboard_sees_decisions_recorded_on_another_worker(
        service: Service, tmp_path: Path) -> None:
    client = service.client(service.facilitator_token)
    tid = start(client, "Wall board")
    member = add_member(client, tid, "Anna de Vries", "HR lead")
    domain = define_domain(client, tid, "Programme design")
    grant(client, tid, domain, "DECIDES", member_id=member)  # versions 1-4
    dashboard = Dashboard(service, tid, tmp_path)
    try:
        dashboard.wait_for(4)  # the stored events
        subscriber = worker_of(service, dashboard.client_port(service))
        assert subscriber is not None
        writer: Writer = writer_on_another_worker(service, subscriber)
        took = []
        for number in range(DECISIONS):
            began = time.monotonic()
            answer = writer.graphql(RECORD, {"i": {
                "trajectoryId": tid, "domainId": domain, "title": f"Decision {number}",
                "statement": f"We decided number {number}.", "decidedBy": [member]}})
            assert answer["recordDecision"]["version"] == 5 + number
            dashboard.wait_for(5 + number, timeout=10)
            took.append(dashboard.lines[-1][0] - began)
        time.sleep(0.5)  # nothing more comes
        assert worker_of(service, writer.port) != subscriber
    finally:
        dashboard.close()
    printed = [text for _, text in dashboard.lines]
    versions = [int(text.split()[0]) for text in printed]
    assert versions == list(range(1, 5 + DECISIONS)), printed
    for number, text in enumerate(printed[4:]):
        assert f"Decision {number}" in text, text
    took.sort()
    print(f"\ndashboard on worker {subscriber}, writes on the other: {DECISIONS} decisions, "
          f"write-to-print median {took[len(took) // 2] * 1000:.1f} ms, "
          f"max {took[-1] * 1000:.1f} ms")
    assert took[-1] < BOUND_SECONDS, took
