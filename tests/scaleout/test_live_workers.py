"""Live subscriptions across worker processes on PostgreSQL: a change committed through
one worker reaches a subscriber connected to the other (woken by LISTEN/NOTIFY), within
the bound docs/live.md states (1 s; typically milliseconds)."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import start
from tests.live.test_catch_up import EVENTS, UPDATED
from tests.live.wsclient import LiveSocket
from tests.scaleout.service import Service, worker_of

pytestmark = pytest.mark.timeout(120)

BOUND_SECONDS = 1.0  # docs/live.md: across workers on PostgreSQL


@pytest.fixture
def service(database: str, tmp_path: Path) -> Iterator[Service]:
    running = Service(database, workers=2, log_path=tmp_path / "service.log")
    try:
        running.facilitator_token = running.create_token("facilitator", name="live")
        running.start()
        yield running
    finally:
        running.close()


class Writer:
    """Plain HTTP on one kept-alive connection, so the test knows which worker it hits."""

    def __init__(self, service: Service) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
        self.connection.connect()
        self.headers = {"Authorization": f"Bearer {service.facilitator_token}",
                        "Content-Type": "application/json"}
        self.port = self.connection.sock.getsockname()[1]

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.connection.request("POST", "/graphql", json.dumps({
            "query": query, "variables": variables}), self.headers)
        body: dict[str, Any] = json.loads(self.connection.getresponse().read())
        assert not body.get("errors"), body
        return dict(body["data"])

    def define_domain(self, tid: str, name: str) -> int:
        data = self.graphql("mutation($i: DefineDomainInput!) { defineDomain(input: $i) {"
                            " ... on DomainPayload { version } } }",
                            {"i": {"trajectoryId": tid, "name": name}})
        return int(data["defineDomain"]["version"])


def writer_on_another_worker(service: Service, subscriber_worker: int) -> Writer:
    for _ in range(100):
        writer = Writer(service)
        worker = None
        for _ in range(50):
            worker = worker_of(service, writer.port)
            if worker is not None:
                break
            time.sleep(0.01)
        if worker is not None and worker != subscriber_worker:
            return writer
        writer.connection.close()
    raise AssertionError("every connection went to the subscriber's worker")


def test_a_change_through_one_worker_reaches_a_subscriber_on_the_other(
        service: Service) -> None:
    tid = start(service.client(service.facilitator_token))
    socket = LiveSocket.to(service, service.facilitator_token)
    try:
        socket.subscribe("events", EVENTS, tid=tid, after=1)
        socket.subscribe("board", UPDATED, tid=tid)
        assert socket.data("board", "trajectoryUpdated")["version"] == 1
        subscriber = worker_of(service, socket.ws.socket.getsockname()[1])
        assert subscriber is not None
        writer = writer_on_another_worker(service, subscriber)
        took = []
        for number in range(20):
            began = time.monotonic()
            version = writer.define_domain(tid, f"Domain {number}")
            event = socket.data("events", "trajectoryEvents")
            took.append(time.monotonic() - began)
            assert event["version"] == version == number + 2
        board = socket.data("board", "trajectoryUpdated")
        while board["version"] < 21:  # coalesced: the latest state, in few messages
            board = socket.data("board", "trajectoryUpdated")
        assert len(board["domains"]) == 20
        assert worker_of(service, writer.port) != subscriber
    finally:
        socket.close()
    assert max(took) < BOUND_SECONDS, took  # write round trip included
