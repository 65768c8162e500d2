"""A worker killed with SIGKILL in the middle of a burst of writes: the other workers keep
serving, uvicorn starts a replacement, and nothing acknowledged is lost or doubled."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from decisionlog.audit.verify import verify
from decisionlog.domain.events import DomainDefined
from tests.e2e.client import GraphQLClient
from tests.e2e.helpers import DOMAIN, start
from tests.scaleout.service import Service, in_threads, new_client, version_of

pytestmark = pytest.mark.timeout(60)

THREADS = 8
PER_THREAD = 40
KILL_AFTER = 60  # acknowledged changes before the kill
RETRY_FOR = 20.0  # seconds a client keeps retrying one change


class ServerError(Exception):
    """A 5xx answer: the worker that had the request failed."""


def _raise_on_5xx(response: httpx.Response) -> None:
    if response.status_code >= 500:
        raise ServerError(response.status_code)


def writer(service: Service) -> GraphQLClient:
    """A facilitator client whose 5xx answers raise `ServerError` (before the client's own
    status check), so that only they and broken connections count as cut off by the kill."""
    client = new_client(service)
    client.http.event_hooks["response"].append(_raise_on_5xx)
    return client


@pytest.fixture
def service(database: str, tmp_path: Path) -> Iterator[Service]:
    running = Service(database, workers=4, log_path=tmp_path / "serve.log")
    try:
        running.facilitator_token = running.create_token("facilitator", name="scale")
        running.start()
        yield running
    finally:
        running.close()


def test_a_killed_worker_loses_nothing_acknowledged_and_the_others_keep_serving(
        service: Service) -> None:
    setup = new_client(service)
    trajectories = [start(setup) for _ in range(THREADS)]
    setup.http.close()  # so that the busiest worker is busy with the burst
    acknowledged: dict[str, dict[str, Any]] = {}  # idempotency key -> answer
    after_kill: list[float] = []  # when changes were acknowledged after the kill
    killed_at: list[float] = []
    retried: list[str] = []  # keys sent again after a connection broke
    lock = threading.Lock()
    enough = threading.Event()

    def write(index: int) -> None:
        tid = trajectories[index]
        client = writer(service)
        for n in range(PER_THREAD):
            key = f"{index}-{n}"
            request = {"trajectoryId": tid, "name": f"Domain {key}", "idempotencyKey": key}
            deadline = time.monotonic() + RETRY_FOR
            while True:  # the same request, same key, until an answer comes
                try:
                    result = client.mutate("defineDomain", request, DOMAIN)
                    break
                except (httpx.TransportError, ServerError):  # a dead worker, a 5xx
                    assert time.monotonic() < deadline, f"no answer for {key}"
                    client = writer(service)
                    with lock:
                        retried.append(key)
            assert result["__typename"] == "DomainPayload", result
            with lock:
                acknowledged[key] = result
                if killed_at:
                    after_kill.append(time.monotonic())
                if len(acknowledged) >= KILL_AFTER:
                    enough.set()

    def kill_one() -> None:
        assert enough.wait(30)
        victim = service.busiest_worker()
        os.kill(victim, signal.SIGKILL)
        with lock:
            killed_at.append(time.monotonic())

    killer = threading.Thread(target=kill_one)
    killer.start()
    in_threads(THREADS, write)
    killer.join()

    assert killed_at, "the burst ended before a worker was killed"
    assert len(acknowledged) == THREADS * PER_THREAD
    assert len(after_kill) >= THREADS, "the others did not keep serving"
    assert retried, "no request was cut off by the kill"
    # Each acknowledged change is stored once, where it was acknowledged.
    app = service.app()
    for index, tid in enumerate(trajectories):
        events = list(app.history(tid))
        assert version_of(new_client(service), tid) == len(events) == 1 + PER_THREAD
        names = Counter(e.name for e in events if isinstance(e, DomainDefined))
        assert set(names.values()) == {1} and len(names) == PER_THREAD
        for n in range(PER_THREAD):
            answer = acknowledged[f"{index}-{n}"]
            event = events[answer["version"] - 1]
            assert isinstance(event, DomainDefined)
            assert (event.name, event.domain_id) == (f"Domain {index}-{n}", answer["domain"]["id"])
    assert verify(app).ok
    # uvicorn's supervisor replaced the dead worker.
    deadline = time.monotonic() + 30
    while len(service.worker_pids()) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(service.worker_pids()) == 4
    assert service.client(service.facilitator_token).execute("{ __typename }")
