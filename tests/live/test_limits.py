"""The limits of live subscriptions, on a server of its own with small settings:
subscriptions per connection, per token and per worker; a consumer too slow to keep up
is closed with 4008 and the position to resume from (and resumes from it with nothing
missed); idle sockets are closed, and so are half-open ones (no pong to the ping)."""

from __future__ import annotations

import time

import pytest

from decisionlog.application import DecisionLog
from decisionlog.application.commands import DefineDomain
from decisionlog.application.requests import CommandRequest
from decisionlog.infrastructure.config import parse_database_url
from tests.e2e.helpers import history, start
from tests.live.conftest import MakeServer
from tests.live.test_catch_up import EVENTS, UPDATED, as_in_history
from tests.live.wsclient import LiveSocket, StalledSocket


def limit_error(socket: LiveSocket, operation_id: str) -> dict[str, object]:
    message = socket.message(operation_id)
    assert message["type"] == "error", message
    error: dict[str, object] = message["payload"][0]
    extensions = error["extensions"]
    assert isinstance(extensions, dict) and extensions["code"] == "SUBSCRIPTION_LIMIT"
    return extensions


def test_subscriptions_are_limited_per_connection_token_and_worker(
        make_server: MakeServer) -> None:
    server = make_server(DECISIONLOG_MAX_SUBSCRIPTIONS_PER_CONNECTION="2",
                         DECISIONLOG_MAX_SUBSCRIPTIONS_PER_TOKEN="3",
                         DECISIONLOG_MAX_SUBSCRIPTIONS="4")
    client = server.client(server.facilitator_token)
    tid = start(client)
    other_token = server.create_token("reader", name="another-reader")
    one, two = (LiveSocket.to(server, server.facilitator_token) for _ in range(2))
    three = LiveSocket.to(server, other_token)
    try:
        for name in ("a", "b"):  # one after the other: concurrent ones race for places
            one.subscribe(name, UPDATED, tid=tid)
            one.data(name, "trajectoryUpdated")
        one.subscribe("c", UPDATED, tid=tid)
        assert limit_error(one, "c") == {"code": "SUBSCRIPTION_LIMIT", "limit": "perConnection",
                                         "value": 2}
        two.subscribe("d", UPDATED, tid=tid)
        two.data("d", "trajectoryUpdated")
        two.subscribe("e", UPDATED, tid=tid)
        assert limit_error(two, "e")["limit"] == "perToken"
        three.subscribe("f", UPDATED, tid=tid)
        three.data("f", "trajectoryUpdated")
        three.subscribe("g", UPDATED, tid=tid)
        assert limit_error(three, "g")["limit"] == "perWorker"
        # Completing one gives its place back.
        one.complete("a")
        time.sleep(0.2)
        two.subscribe("h", UPDATED, tid=tid)
        assert two.data("h", "trajectoryUpdated")["version"] == 1
    finally:
        for each in (one, two, three):
            each.close()


def test_a_consumer_too_slow_to_keep_up_is_closed_with_where_to_resume(
        make_server: MakeServer) -> None:
    server = make_server(DECISIONLOG_SUBSCRIPTION_QUEUE="8")
    client = server.client(server.facilitator_token)
    tid = start(client)
    slow = StalledSocket(server, str(server.facilitator_token))
    slow.send({"id": "events", "type": "subscribe",
               "payload": {"query": EVENTS, "variables": {"tid": tid}}})
    while not slow.messages:
        slow._read_once()
    time.sleep(0.3)  # caught up: it is live
    # An import writes 1,000 large events at once; the consumer does not read meanwhile.
    script = DecisionLog(env=parse_database_url(server.database_url).env)
    try:
        script.handle_many([CommandRequest(
            DefineDomain(trajectory_id=tid, name=f"Domain {n}", description="x" * 10_000),
            "import") for n in range(1000)])
    finally:
        script.close()
    time.sleep(1)
    slow.read_until_closed()
    slow.close()
    received = [m["payload"]["data"]["trajectoryEvents"]["version"] for m in slow.messages]
    assert slow.close_code == 4008, (slow.close_code, received[-3:])
    assert slow.close_reason == \
        f"Too slow: trajectoryEvents, resume after version {received[-1]}"
    assert received == list(range(1, received[-1] + 1)) and received[-1] < 1001
    # Resuming from there misses nothing.
    resumed = LiveSocket.to(server, server.facilitator_token)
    try:
        resumed.subscribe("events", EVENTS, tid=tid, after=received[-1])
        rest = resumed.take("events", "trajectoryEvents", 1001 - received[-1], timeout=60)
    finally:
        resumed.close()
    assert [e["version"] for e in rest] == list(range(received[-1] + 1, 1002))
    assert as_in_history(rest)[-5:] == history(client, tid)[-5:]


def test_an_idle_socket_is_closed_and_a_busy_one_is_not(make_server: MakeServer) -> None:
    server = make_server(DECISIONLOG_WEBSOCKET_IDLE_SECONDS="1.5")
    tid = start(server.client(server.facilitator_token))
    idle = LiveSocket.to(server, server.facilitator_token)
    busy = LiveSocket.to(server, server.facilitator_token)
    try:
        busy.subscribe("board", UPDATED, tid=tid)
        busy.data("board", "trajectoryUpdated")
        code, reason = idle.closed_with(timeout=5)
        assert (code, reason) == (1000, "Idle: no operation for 1.5 s")
        busy.nothing_for("board", 1.5)  # still open: it would have raised Closed
    finally:
        idle.close()
        busy.close()


def test_a_half_open_socket_that_answers_no_ping_is_closed(
        make_server: MakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECISIONLOG_WEBSOCKET_PING_SECONDS", "1")  # uvicorn's options
    server = make_server()
    silent = StalledSocket(server, str(server.facilitator_token))
    time.sleep(3)  # reads nothing, so answers no ping
    silent.read_until_closed()
    silent.close()
    assert (silent.close_code, silent.close_reason) == (1011, "keepalive ping timeout")
