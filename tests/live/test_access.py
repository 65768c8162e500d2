"""Who may subscribe to what: role and scope apply to every event sent, a revoked
token's subscriptions end within the token cache's time, bad arguments are refused
readably, and only the graphql-transport-ws protocol is spoken."""

from __future__ import annotations

import time
from uuid import uuid4

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.e2e.client import Server
from tests.e2e.helpers import define_domain, start, unique
from tests.live.test_catch_up import AUDIT, EVENTS, UPDATED
from tests.live.wsclient import LiveSocket


def token(server: Server, role: str, trajectories: list[str] | None = None) -> tuple[str, str]:
    name = f"{role}-{uuid4().hex[:8]}"
    return name, server.create_token(role, name=name, trajectories=trajectories or [])


def error_of(socket: LiveSocket, operation_id: str) -> str:
    message = socket.message(operation_id)
    assert message["type"] == "error", message
    return str(message["payload"][0]["message"])


def test_a_scoped_token_never_receives_another_trajectorys_event(server: Server) -> None:
    client = server.client(server.facilitator_token)
    mine, other = start(client), start(client)
    _, auditor = token(server, "auditor", [mine])
    _, reader = token(server, "reader", [mine])
    audit = LiveSocket.to(server, auditor)
    read = LiveSocket.to(server, reader)
    try:
        audit.subscribe("audit", AUDIT)  # the whole log: only `mine` comes through
        assert audit.data("audit", "auditLog")["node"]["trajectoryId"] == mine
        audit.subscribe("theirs", AUDIT, tid=other)
        read.subscribe("events", EVENTS, tid=other)
        read.subscribe("board", UPDATED, tid=other)
        for name in ("events", "board"):
            assert f"No trajectory {other!r} that you may read" in error_of(read, name)
        define_domain(client, other, unique("Theirs"))
        define_domain(client, mine, unique("Mine"))
        define_domain(client, other, unique("Theirs"))
        entry = audit.data("audit", "auditLog")["node"]
        assert (entry["trajectoryId"], entry["version"]) == (mine, 2)
        audit.nothing_for("theirs", 0.5)
        audit.nothing_for("audit", 0.3)
    finally:
        audit.close()
        read.close()


def test_a_reader_may_not_subscribe_to_the_audit_log(server: Server) -> None:
    _, reader = token(server, "reader")
    socket = LiveSocket.to(server, reader)
    try:
        socket.subscribe("audit", AUDIT)
        message = socket.message("audit")
        assert message["type"] in ("error", "next"), message
        errors = message["payload"] if message["type"] == "error" \
            else message["payload"]["errors"]
        assert "Only auditors and facilitators" in errors[0]["message"]
    finally:
        socket.close()


def test_bad_arguments_are_refused_readably(server: Server) -> None:
    client = server.client(server.facilitator_token)
    tid = start(client)
    socket = LiveSocket.to(server, server.facilitator_token)
    try:
        socket.subscribe("negative", EVENTS, tid=tid, after=-1)
        assert "afterVersion must not be negative" in error_of(socket, "negative")
        socket.subscribe("unknown", EVENTS, tid=str(uuid4()))
        assert "No trajectory" in error_of(socket, "unknown")
        socket.subscribe("not-an-id", UPDATED, tid="not an id")
        assert "No trajectory 'not an id'" in error_of(socket, "not-an-id")
        socket.subscribe("cursor", AUDIT, after="forged")
        assert "is not an audit log cursor" in error_of(socket, "cursor")
        socket.subscribe("types", "subscription { auditLog(types: [\"Nope\"]) { cursor } }")
        assert "Unknown event types: Nope" in error_of(socket, "types")
        # the socket is still good
        socket.subscribe("fine", UPDATED, tid=tid)
        assert socket.data("fine", "trajectoryUpdated")["version"] == 1
    finally:
        socket.close()


def test_a_revoked_tokens_subscriptions_close_within_the_token_cache_time(
        server: Server) -> None:
    client = server.client(server.facilitator_token)
    tid = start(client)
    name, facilitator = token(server, "facilitator")
    socket = LiveSocket.to(server, facilitator)
    try:
        socket.subscribe("events", EVENTS, tid=tid)
        assert socket.data("events", "trajectoryEvents")["version"] == 1
        server.revoke_token(name)
        revoked = time.monotonic()
        code, reason = socket.closed_with(timeout=10)
        took = time.monotonic() - revoked
    finally:
        socket.close()
    assert code == 4403 and "no longer valid" in reason
    assert took <= 5.5, f"closed {took:.1f} s after the revocation"  # docs: 5 s


def test_subscriptions_do_not_run_over_http(server: Server) -> None:
    client = server.client(server.facilitator_token)
    tid = start(client)
    answer = httpx.post(f"{server.url}/graphql", json={"query": UPDATED,
                                                       "variables": {"tid": tid}},
                        headers={"Authorization": f"Bearer {server.facilitator_token}"})
    assert answer.status_code == 400, answer.text
    assert "subscriptions are not allowed when using POST" in answer.text


def test_the_legacy_graphql_ws_protocol_stays_off(server: Server) -> None:
    """strawberry's legacy `graphql-ws` handler had an authentication bypass
    (CVE-2026-35526): a client asking for it is closed before anything runs."""
    url = server.url.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-ws"], open_timeout=5) as ws:  # type: ignore[list-item]
        assert ws.subprotocol is None
        with pytest.raises(ConnectionClosed) as closed:
            ws.send('{"type": "start", "id": "1", "payload": {"query": "{ __typename }"}}')
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        4406, "Subprotocol not acceptable")
