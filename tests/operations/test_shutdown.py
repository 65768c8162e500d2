"""A graceful shutdown: SIGTERM in the middle of a burst of mutations. Every change that
was answered is stored; every one that was not is either stored with its idempotency
key or absent; websockets are closed with 1001 "going away"; the worker exits by itself."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from decisionlog.application import DecisionLog
from decisionlog.audit.verify import verify
from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, fresh_database
from tests.e2e.client import Server
from tests.e2e.helpers import start

ADD = ("mutation($input: AddMemberInput!) { addMember(input: $input) { __typename "
       "... on MemberPayload { version } } }")
CLIENTS = 8


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_mid_burst_answers_what_it_received(tmp_path: Path, backend: str) -> None:
    with fresh_database(backend, tmp_path, prefix="opsterm") as url:
        server = Server(url, log_path=tmp_path / "serve.log")
        try:
            token = server.facilitator_token = server.create_token("facilitator", name="w")
            server.start()
            trajectory_id = start(server.client(token), "Burst")
            answered: dict[str, int] = {}  # key: version answered
            sent: list[str] = []
            after_sigterm: list[str] = []
            sigterm_at: list[float] = []
            lock = threading.Lock()

            def write(number: int) -> None:
                http = httpx.Client(base_url=server.url, timeout=30,
                                    headers={"Authorization": f"Bearer {token}"})
                for n in range(5000):
                    key = f"k-{number}-{n}"
                    with lock:
                        sent.append(key)
                    try:
                        response = http.post("/graphql", json={"query": ADD, "variables": {
                            "input": {"trajectoryId": trajectory_id, "name": key,
                                      "role": "r", "side": "CLIENT", "membership": "CORE",
                                      "idempotencyKey": key}}})
                    except httpx.HTTPError:
                        return  # refused or cut: unanswered
                    result = response.json()["data"]["addMember"]
                    assert result["__typename"] == "MemberPayload"
                    with lock:
                        answered[key] = result["version"]
                        if sigterm_at:
                            after_sigterm.append(key)

            threads = [threading.Thread(target=write, args=(n,)) for n in range(CLIENTS)]
            for thread in threads:
                thread.start()
            while len(answered) < 150:
                time.sleep(0.01)
            assert server.process is not None
            with lock:
                sigterm_at.append(time.monotonic())
            server.process.send_signal(signal.SIGTERM)
            # By itself (uvicorn ends by re-raising SIGTERM once shut down)
            assert server.process.wait(timeout=60) in (0, -signal.SIGTERM)
            for thread in threads:
                thread.join(60)
            server.process = None
            assert after_sigterm  # requests in flight at the signal were answered
        finally:
            server.close()

        log = DecisionLog(env={**parse_database_url(url).env, "READMODELS_CATCH_UP": "n"})
        try:
            trajectory = log.get_trajectory(trajectory_id)
            assert trajectory is not None
            stored = {key for key in sent if trajectory.idempotency_record(key) is not None}
            for key, version in answered.items():  # every answered change is stored
                record = trajectory.idempotency_record(key)
                assert record is not None and record.version == version
            # every unanswered one is stored with its key, or absent: nothing else is
            assert trajectory.version == 1 + len(stored)
            assert verify(log).ok
        finally:
            log.close()
    assert "Cancel" not in (tmp_path / "serve.log").read_text()


def test_websockets_are_closed_with_going_away(tmp_path: Path) -> None:
    server = Server(f"sqlite:///{tmp_path}/decisionlog.db")
    try:
        token = server.create_token("reader", name="watcher")
        server.start()
        with connect(f"ws://127.0.0.1:{server.port}/graphql",
                     subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
            socket.send(json.dumps({"type": "connection_init",
                                    "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(socket.recv(timeout=10))["type"] == "connection_ack"
            assert server.process is not None
            server.process.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=20)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1001
            assert closed.value.rcvd.reason == "going away"
        assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
        server.process = None
    finally:
        server.close()
