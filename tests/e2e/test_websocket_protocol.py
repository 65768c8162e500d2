"""The websocket speaks graphql-transport-ws to the letter (issue 19, item 15): malformed
frames close the socket with 4400 and a reason, before or after authentication, without a
traceback in the server's log; an operation that cannot run gets an `error` message."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.e2e.client import Server


def ws_url(server: Server) -> str:
    return server.url.replace("http://", "ws://") + "/graphql"


@pytest.fixture
def socket(server: Server) -> Iterator[ClientConnection]:
    with connect(ws_url(server), subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                 open_timeout=5, close_timeout=2) as ws:
        yield ws


def initialised(ws: ClientConnection, server: Server) -> ClientConnection:
    ws.send(json.dumps({"type": "connection_init",
                        "payload": {"Authorization": f"Bearer {server.facilitator_token}"}}))
    assert json.loads(ws.recv(timeout=5)) == {"type": "connection_ack"}
    return ws


def closed_with(ws: ClientConnection, frame: str) -> tuple[int, str]:
    ws.send(frame)
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.fixture
def new_log(server: Server) -> Callable[[], str]:
    """What the server logs from now on."""
    assert server.log_path is not None
    path = server.log_path
    start = path.stat().st_size if path.exists() else 0

    def text() -> str:
        with path.open("rb") as log:
            log.seek(start)
            return log.read().decode(errors="replace")
    return text


MALFORMED: dict[str, str] = {
    "a 5,000-digit integer": '{"type": "ping", "payload": ' + "9" * 5000 + "}",
    "a lone surrogate": '{"type": "ping", "payload": {"a": "\\ud800"}}',
    "not JSON": "{type: ping",
    "a list": '[{"type": "ping"}]',
    "a number": "42",
    "no type": '{"id": "1"}',
    "a type that is a list": '{"type": ["ping"]}',
    "an unknown type": '{"type": "start"}',
    "a payload that is not an object": '{"type": "connection_init", "payload": [1]}',
}
AFTER_INIT: dict[str, str] = {
    "an id that is a list": '{"id": ["1"], "type": "subscribe", '
                            '"payload": {"query": "{ __typename }"}}',
    "an id that is a number": '{"id": 1, "type": "subscribe", '
                              '"payload": {"query": "{ __typename }"}}',
    "an empty id": '{"id": "", "type": "subscribe", "payload": {"query": "{ __typename }"}}',
    "a payload that is a list": '{"id": "1", "type": "subscribe", "payload": [1]}',
    "a payload that is a string": '{"id": "1", "type": "subscribe", "payload": "{ x }"}',
    "a query that is not a string": '{"id": "1", "type": "subscribe", "payload": {"query": 5}}',
    "variables that are a list": '{"id": "1", "type": "subscribe", '
                                 '"payload": {"query": "{ __typename }", "variables": [1]}}',
    "an operation name that is a number": '{"id": "1", "type": "subscribe", "payload": '
                                          '{"query": "{ __typename }", "operationName": 1}}',
    "complete with a list id": '{"id": [1], "type": "complete"}',
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_frame_before_authentication_closes_with_4400(
        socket: ClientConnection, new_log: Callable[[], str], case: str) -> None:
    code, reason = closed_with(socket, MALFORMED[case])
    assert code == 4400 and reason
    assert "Traceback" not in new_log()


@pytest.mark.parametrize("case", list(AFTER_INIT))
def test_a_malformed_frame_after_authentication_closes_with_4400(
        server: Server, socket: ClientConnection, new_log: Callable[[], str], case: str
        ) -> None:
    code, reason = closed_with(initialised(socket, server), AFTER_INIT[case])
    assert code == 4400 and reason
    assert "Traceback" not in new_log()


def run(ws: ClientConnection, query: str, **payload: Any) -> list[dict[str, Any]]:
    """Subscribe with `query`; the messages up to `complete` or `error`."""
    ws.send(json.dumps({"id": "op", "type": "subscribe",
                        "payload": {"query": query, **payload}}))
    messages: list[dict[str, Any]] = []
    while not messages or messages[-1]["type"] not in ("complete", "error"):
        messages.append(json.loads(ws.recv(timeout=10)))
    return messages


@pytest.mark.parametrize(("query", "name", "expected"), [
    ("{ __typename ", None, "Syntax Error"),
    ("{ nope }", None, "Cannot query field 'nope'"),
    ("subscription { nope }", None, "subscription"),
    ("query A { __typename }", "B", "operation"),
    ("{ " + " ".join(f'v{i}: verifyTrajectory(id: "x") {{ ok }}' for i in range(6)) + " }",
     None, "over the limit"),
])
def test_an_operation_that_cannot_run_gets_an_error_message(
        server: Server, socket: ClientConnection, query: str, name: str | None,
        expected: str) -> None:
    ws = initialised(socket, server)
    [message] = run(ws, query, operationName=name)
    assert message["type"] == "error" and message["id"] == "op"
    assert expected.lower() in message["payload"][0]["message"].lower(), message
    # The socket stays open and serves the next operation
    assert run(ws, "{ __typename }") == [
        {"id": "op", "type": "next", "payload": {"data": {"__typename": "Query"}}},
        {"id": "op", "type": "complete"}]


def test_an_operation_with_errors_in_execution_gets_next_then_complete(
        server: Server, socket: ClientConnection) -> None:
    messages = run(initialised(socket, server), "{ trajectories(first: 1000) { totalCount } }")
    assert [m["type"] for m in messages] == ["next", "complete"]
    assert "first must be between" in messages[0]["payload"]["errors"][0]["message"]
