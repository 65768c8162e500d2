"""Concurrent mutations over HTTP, which the server stores in group commits: every one is
stored once, at a version of its own, and answered with its own change; of several with
the same expected version exactly one is stored."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import add_member, define_domain, ok, start, stream

T = TypeVar("T")

DECISION_TITLE = "... on DecisionPayload { version decision { id title } } "


def all_at_once(server: Server, count: int, call: Callable[[GraphQLClient, int], T]
                ) -> list[T]:
    """`call(client, i)` for i in range(count), each in a thread of its own with a client
    (a connection) of its own, released together."""
    clients = [server.client(server.facilitator_token) for _ in range(count)]
    for c in clients:  # connect first, so that the requests leave together
        c.execute("{ __typename }")
    barrier = threading.Barrier(count)

    def run(i: int) -> T:
        barrier.wait(timeout=30)
        return call(clients[i], i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(run, range(count)))
    for c in clients:
        c.http.close()
    return results


def decide(tid: str, domain: str, member: str, title: str, **fields: Any
           ) -> Callable[[GraphQLClient], dict[str, Any]]:
    def call(client: GraphQLClient) -> dict[str, Any]:
        return client.mutate("recordDecision", {
            "trajectoryId": tid, "domainId": domain, "title": title,
            "statement": f"We decided: {title}.", "decidedBy": [member], **fields},
            DECISION_TITLE)
    return call


def test_concurrent_decisions_are_each_stored_once_at_versions_of_their_own(
        client: GraphQLClient, server: Server) -> None:
    tid = start(client)
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    design = define_domain(client, tid, "Programme design")
    before, _ = stream(client, tid)

    payloads = all_at_once(server, 16, lambda c, i: decide(
        tid, design, ana, f"Decision {i}")(c))

    for i, payload in enumerate(payloads):
        assert ok(payload, "DecisionPayload")["decision"]["title"] == f"Decision {i}"
    versions = sorted(p["version"] for p in payloads)
    assert versions == list(range(before + 1, before + 17))
    ids = {p["decision"]["id"] for p in payloads}
    assert len(ids) == 16
    data = client.execute(
        "query($id: ID!) { trajectory(id: $id) { version "
        "decisions(first: 100) { totalCount edges { node { id title } } } } }", {"id": tid})
    trajectory = data["trajectory"]
    assert trajectory["version"] == before + 16
    assert trajectory["decisions"]["totalCount"] == 16
    assert {(e["node"]["id"], e["node"]["title"]) for e in trajectory["decisions"]["edges"]} == {
        (p["decision"]["id"], p["decision"]["title"]) for p in payloads}
    version, events = stream(client, tid)
    assert version == len(events) == before + 16
    assert sorted(e["version"] for e in events) == list(range(1, before + 17))


def test_of_concurrent_decisions_expecting_one_version_exactly_one_is_stored(
        client: GraphQLClient, server: Server) -> None:
    tid = start(client)
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    design = define_domain(client, tid, "Programme design")
    expected, _ = stream(client, tid)

    payloads = all_at_once(server, 8, lambda c, i: decide(
        tid, design, ana, f"Candidate {i}", expectedVersion=expected)(c))

    stored = [p for p in payloads if p["__typename"] == "DecisionPayload"]
    refused = [p for p in payloads if p["__typename"] != "DecisionPayload"]
    assert len(stored) == 1, payloads
    assert stored[0]["version"] == expected + 1
    for p in refused:
        assert p["__typename"] == "VersionConflict", p
        assert (p["expectedVersion"], p["actualVersion"]) == (expected, expected + 1)
    version, events = stream(client, tid)
    assert version == len(events) == expected + 1
    data = client.execute(
        "query($id: ID!) { trajectory(id: $id) { decisions(first: 10) { edges { node { "
        "title } } } } }", {"id": tid})
    assert [e["node"]["title"] for e in data["trajectory"]["decisions"]["edges"]] == [
        stored[0]["decision"]["title"]]
