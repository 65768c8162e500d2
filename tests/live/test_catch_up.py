"""Catch-up then live, over a real websocket on both backends: a subscription from any
position receives what is stored after it, then each new event, and a resume from the
last position received misses nothing and repeats nothing (compared with `history` and
the `auditLog` query)."""

from __future__ import annotations

import time
from typing import Any

from decisionlog.application import DecisionLog
from decisionlog.application.commands import DefineDomain
from decisionlog.infrastructure.config import parse_database_url
from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import EVENT_FIELDS, define_domain, history, start, unique
from tests.live.wsclient import LiveSocket

EVENTS = """subscription($tid: ID!, $after: Int) {
  trajectoryEvents(trajectoryId: $tid, afterVersion: $after) {
    version type recordedAt recordedBy summary data digest previousDigest } }"""
AUDIT = """subscription($after: String, $tid: ID) {
  auditLog(after: $after, trajectoryId: $tid) {
    cursor node { trajectoryId version event { version type digest } } } }"""
AUDIT_QUERY = """query($after: String, $tid: ID, $first: Int) {
  auditLog(first: $first, after: $after, trajectoryId: $tid) {
    edges { cursor node { trajectoryId version event { version type digest } } }
    pageInfo { endCursor hasNextPage } } }"""
UPDATED = """subscription($tid: ID!) {
  trajectoryUpdated(id: $tid) { id version domains { name } gaps { name } } }"""


def as_in_history(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fields `history` (the helper) reads, of each event."""
    fields = EVENT_FIELDS.split()
    return [{name: event[name] for name in fields} for event in events]


def grow(client: GraphQLClient, tid: str, count: int) -> None:
    for _ in range(count):
        define_domain(client, tid, unique("Domain"))


def client_of(server: Server) -> GraphQLClient:
    return server.client(server.facilitator_token)


def test_trajectory_events_catch_up_then_stay_live_as_history_says(server: Server) -> None:
    client = client_of(server)
    tid = start(client)
    grow(client, tid, 4)
    socket = LiveSocket.to(server, server.facilitator_token)
    try:
        socket.subscribe("events", EVENTS, tid=tid, after=0)
        received = socket.take("events", "trajectoryEvents", 5)  # stored: versions 1-5
        grow(client, tid, 3)
        received += socket.take("events", "trajectoryEvents", 3)  # live: 6-8
        socket.nothing_for("events", 0.5)
    finally:
        socket.close()
    assert as_in_history(received) == history(client, tid)
    assert [event["version"] for event in received] == list(range(1, 9))


def test_a_resumed_subscription_misses_and_repeats_nothing(server: Server) -> None:
    client = client_of(server)
    tid = start(client)
    grow(client, tid, 2)
    first = LiveSocket.to(server, server.facilitator_token)
    first.subscribe("events", EVENTS, tid=tid, after=1)
    received = first.take("events", "trajectoryEvents", 2)
    grow(client, tid, 2)
    received += first.take("events", "trajectoryEvents", 1)
    first.close()  # dropped with one live event unread, and more written meanwhile
    grow(client, tid, 3)
    second = LiveSocket.to(server, server.facilitator_token)
    try:
        second.subscribe("events", EVENTS, tid=tid, after=received[-1]["version"])
        received += second.take("events", "trajectoryEvents", 4)
        grow(client, tid, 1)
        received += second.take("events", "trajectoryEvents", 1)
        second.nothing_for("events", 0.5)
    finally:
        second.close()
    assert as_in_history(received) == history(client, tid)[1:]


def audit_page(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = client.execute(AUDIT_QUERY, variables)["auditLog"]
    return result


def test_the_audit_log_query_and_subscription_share_their_cursors(server: Server) -> None:
    client = client_of(server)
    tid = start(client)
    grow(client, tid, 3)
    start_page = audit_page(client, tid=tid, first=2)  # versions 1-2
    socket = LiveSocket.to(server, server.facilitator_token)
    try:
        socket.subscribe("audit", AUDIT, after=start_page["pageInfo"]["endCursor"], tid=tid)
        edges = socket.take("audit", "auditLog", 2)  # stored: 3-4
        grow(client, tid, 2)
        edges += socket.take("audit", "auditLog", 1)  # live: 5
        socket.close()
        grow(client, tid, 1)
        # The subscription's cursor resumes the subscription ...
        resumed = LiveSocket.to(server, server.facilitator_token)
        resumed.subscribe("audit", AUDIT, after=edges[-1]["cursor"], tid=tid)
        edges += resumed.take("audit", "auditLog", 2)  # 6-7
        resumed.close()
    finally:
        socket.close()
    # ... and pages the query from where it stood.
    assert [e["node"]["version"] for e in edges] == [3, 4, 5, 6, 7]
    query = audit_page(client, tid=tid, first=100, after=edges[1]["cursor"])
    assert query["edges"] == edges[2:]
    everything = audit_page(client, tid=tid, first=100)
    assert everything["edges"][2:] == edges


def test_trajectory_updated_sends_the_latest_state_never_an_older_one(server: Server) -> None:
    client = client_of(server)
    tid = start(client)
    socket = LiveSocket.to(server, server.facilitator_token)
    try:
        socket.subscribe("board", UPDATED, tid=tid)
        first = socket.data("board", "trajectoryUpdated")
        assert first["version"] == 1 and first["domains"] == []
        grow(client, tid, 20)  # a burst: may come coalesced
        seen = [first]
        while seen[-1]["version"] < 21:
            seen.append(socket.data("board", "trajectoryUpdated"))
        socket.nothing_for("board", 0.5)
    finally:
        socket.close()
    versions = [state["version"] for state in seen]
    assert versions == sorted(set(versions))  # only newer states, each once
    for state in seen:  # each message is one consistent state
        assert len(state["domains"]) == state["version"] - 1
        assert len(state["gaps"]) == state["version"] - 1


def test_a_write_by_another_process_using_the_library_reaches_subscribers(
        server: Server) -> None:
    """On SQLite the periodic check finds it (0.25 s); on PostgreSQL the NOTIFY of its
    write transaction wakes the follower."""
    client = client_of(server)
    tid = start(client)
    socket = LiveSocket.to(server, server.facilitator_token)
    script = DecisionLog(env=parse_database_url(server.database_url).env)
    try:
        socket.subscribe("events", EVENTS, tid=tid, after=1)
        socket.subscribe("audit", AUDIT, tid=tid)
        assert socket.data("audit", "auditLog")["node"]["version"] == 1
        began = time.monotonic()
        script.handle(DefineDomain(trajectory_id=tid, name="From an import script"),
                      recorded_by="import-script")
        event = socket.data("events", "trajectoryEvents", timeout=5)
        took = time.monotonic() - began
        assert socket.data("audit", "auditLog")["node"]["version"] == 2
    finally:
        socket.close()
        script.close()
    assert event["recordedBy"] == "import-script" and event["version"] == 2
    assert took < 2.0, f"seen after {took:.2f} s"
