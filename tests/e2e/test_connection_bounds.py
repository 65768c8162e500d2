"""What one worker holds for its connections (issue 19, items 5, 6 and 7), against a real
server with small bounds: headers bounded in size (431) and in time (408), connections and
websockets counted (503), websockets without `connection_init` closed (4408), and the
caches bounded in bytes however many distinct large queries arrive."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from decisionlog.api.serving import MAX_HEADER_BYTES
from tests.backends import fresh_database
from tests.e2e.client import Server

MAX_CONNECTIONS = 30
MAX_WEBSOCKETS = 8
MAX_UNAUTHENTICATED = 4
CACHE_MB = 64


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server (SQLite: these bounds do not depend on the store) with small bounds."""
    directory: Path = tmp_path_factory.mktemp("bounded")
    with fresh_database("sqlite", directory, prefix="bounded") as url:
        running = Server(url, log_path=directory / "server.log", extra_env={
            "DECISIONLOG_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
            "DECISIONLOG_MAX_WEBSOCKETS": str(MAX_WEBSOCKETS),
            "DECISIONLOG_MAX_UNAUTHENTICATED_WEBSOCKETS": str(MAX_UNAUTHENTICATED),
            "DECISIONLOG_CONNECTION_INIT_SECONDS": "1",
            "DECISIONLOG_HEADER_SECONDS": "1",
            "DECISIONLOG_CACHE_MB": str(CACHE_MB),
        })
        try:
            running.facilitator_token = running.create_token("facilitator", name="bounds")
            running.start()
            yield running
        finally:
            running.close()


def raw(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (or stops for 10 s)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except OSError:
        pass
    sock.close()
    return received


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def rss_mb(server: Server) -> float:
    assert server.process is not None
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


# Headers


def test_headers_over_64_kib_get_431_with_a_request_id(bounded: Server) -> None:
    sock = raw(bounded)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * MAX_HEADER_BYTES
                 + b"\r\n\r\n")
    response = answer(sock)
    assert status(response) == 431
    assert b"\r\nx-request-id: " in response


def test_headers_just_under_the_limit_are_served(bounded: Server) -> None:
    sock = raw(bounded)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
                 + b"a" * (MAX_HEADER_BYTES - 200) + b"\r\n\r\n")
    assert status(answer(sock)) == 200


def test_unfinished_huge_headers_are_cut_off_without_growing_the_server(
        bounded: Server) -> None:
    before = rss_mb(bounded)
    sockets = [raw(bounded) for _ in range(10)]
    sent = [0] * len(sockets)
    for index, sock in enumerate(sockets):
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            while sent[index] < 200 * 1024 * 1024:  # each would be a 200 MB header
                sock.sendall(b"a" * 65536)
                sent[index] += 65536
        except OSError:  # the server answered and closed
            pass
    statuses = [status(answer(sock)) for sock in sockets]

    assert statuses == [431] * len(sockets)
    assert max(sent) < 16 * 1024 * 1024  # refused early, not after 200 MB
    assert rss_mb(bounded) - before < 50


def test_slow_headers_get_408_after_the_header_time(bounded: Server) -> None:
    trickling, idle = raw(bounded), raw(bounded)
    trickling.sendall(b"GET /health HTTP/1.1\r\n")
    started = time.monotonic()
    for _ in range(3):  # a header line every half second: never finished in time
        time.sleep(0.5)
        try:
            trickling.sendall(b"X-Slow: 1\r\n")
        except OSError:
            break
    assert status(answer(trickling)) == 408
    assert status(answer(idle)) == 408  # one that never sends a byte, too
    assert time.monotonic() - started < 5


# Connections


def test_connections_past_the_limit_get_503(bounded: Server) -> None:
    sockets = [raw(bounded) for _ in range(MAX_CONNECTIONS + 10)]
    statuses = [status(answer(sock)) for sock in sockets]  # 503 at once, or 408 after 1 s
    assert statuses.count(503) >= 10
    assert MAX_CONNECTIONS - 3 <= statuses.count(408) <= MAX_CONNECTIONS
    assert set(statuses) == {408, 503}
    client = bounded.client(bounded.facilitator_token)  # served again once they closed
    assert client.execute("{ __typename }") == {"__typename": "Query"}
    client.http.close()


# Websockets


def ws_url(server: Server) -> str:
    return server.url.replace("http://", "ws://") + "/graphql"


def open_socket(server: Server) -> ClientConnection:
    return connect(ws_url(server), subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                   open_timeout=5, close_timeout=1)


def initialise(ws: ClientConnection, server: Server) -> None:
    ws.send(json.dumps({"type": "connection_init",
                        "payload": {"Authorization": f"Bearer {server.facilitator_token}"}}))
    assert json.loads(ws.recv(timeout=5))["type"] == "connection_ack"


def wait_until_free(server: Server) -> None:
    """Until a new websocket is accepted (closed sockets are counted out asynchronously)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            with open_socket(server):
                return
        except InvalidStatus:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_a_websocket_without_connection_init_is_closed_after_the_wait(
        bounded: Server) -> None:
    wait_until_free(bounded)
    started = time.monotonic()
    with open_socket(bounded) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
    assert time.monotonic() - started < 4


def test_unauthenticated_websockets_are_capped_apart_from_the_others(
        bounded: Server) -> None:
    wait_until_free(bounded)
    with ExitStack() as sockets:
        waiting = [sockets.enter_context(open_socket(bounded))
                   for _ in range(MAX_UNAUTHENTICATED)]
        with pytest.raises(InvalidStatus) as refused:
            open_socket(bounded)
        assert refused.value.response.status_code == 503
        assert refused.value.response.headers["X-Request-ID"]

        initialise(waiting[0], bounded)  # authenticated: no longer counted against the cap
        sockets.enter_context(open_socket(bounded))


def test_websockets_are_capped_per_worker(bounded: Server) -> None:
    wait_until_free(bounded)
    with ExitStack() as sockets:
        for _ in range(MAX_WEBSOCKETS):
            initialise(sockets.enter_context(open_socket(bounded)), bounded)
        with pytest.raises(InvalidStatus) as refused:
            open_socket(bounded)
        assert refused.value.response.status_code == 503
    wait_until_free(bounded)


# Caches


def test_caches_stay_within_their_bytes_after_a_thousand_distinct_large_queries(
        bounded: Server) -> None:
    # 1,000 distinct queries of 400 tokens each (about 250 KB parsed): kept by count
    # (1,024 parsed documents) they pinned 250 MB.
    client = bounded.client(bounded.facilitator_token)
    names = ", ".join(f'"Type{i}"' for i in range(400))

    def query(i: int) -> str:
        return f'{{ auditLog(first: 1, types: [{names}, "Distinct{i}"]) {{ edges {{ cursor }} }} }}'

    for i in range(20):  # warm up: what every request allocates anyway
        assert client.post(query(i))["errors"]
    before = rss_mb(bounded)

    for i in range(1000):
        [error] = client.post(query(20 + i))["errors"]  # no such event types
        assert "Type0" in error["message"]

    grown = rss_mb(bounded) - before
    assert grown < CACHE_MB + 32, f"RSS grew {grown:.1f} MB"
