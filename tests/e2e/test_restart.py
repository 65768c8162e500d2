"""Restarts: a new server process on the same database file has everything the old one
acknowledged, after a graceful stop (SIGTERM) and after a kill (SIGKILL)."""

from __future__ import annotations

import signal
from typing import Any

from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import (
    DECISION,
    DOMAIN,
    MEMBER,
    add_member,
    define_domain,
    grant,
    history,
    moment,
    ok,
    record,
    start,
    state,
    stream,
    surface,
    unique,
)


def restart(server: Server, client: GraphQLClient, sig: int) -> GraphQLClient:
    """Stop the server with `sig`, start a new process on the same file and port; returns a
    new connection with the same credentials as `client`."""
    old_pid = server.process.pid if server.process else None
    server.stop(sig)
    server.start()
    assert server.process is not None and server.process.pid != old_pid
    return server.client(client.token)


def build(client: GraphQLClient) -> dict[str, Any]:
    """A small trajectory with keyed and unkeyed changes of every kind."""
    start_request = {"name": unique("Restart programme"), "idempotencyKey": unique("start")}
    started = ok(client.mutate("startTrajectory", start_request,
                               "... on TrajectoryPayload { trajectory { id } }"),
                 "TrajectoryPayload")
    tid = started["trajectory"]["id"]
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    bo = add_member(client, tid, "Bo", "HR lead")
    design = define_domain(client, tid, "Programme design")
    grant(client, tid, design, "DECIDES", member_id=ana)
    grant(client, tid, design, "ADVISES", role="HR lead", condition="during design")
    first = record(client, tid, design, [ana], "Two days")
    record(client, tid, design, [bo], "Three days", supersedes=[first],
           decidedAt=moment(days=-3))
    surfaced = surface(client, tid, design, bo, "no homework", since=moment(days=-9))
    keyed = {"trajectoryId": tid, "idempotencyKey": "ratify", "decisionId": surfaced,
             "ratifiedBy": [ana]}
    ratified = ok(client.mutate("ratifyDecision", keyed, DECISION), "DecisionPayload")
    ok(client.mutate("removeMember", {"trajectoryId": tid, "memberId": bo}, MEMBER),
       "MemberPayload")
    return {"tid": tid, "start": start_request, "keyed": keyed, "ratified": ratified}


def everything(client: GraphQLClient, tid: str) -> dict[str, Any]:
    """All a client can read of the trajectory: now, as of every version, and its history."""
    now = state(client, tid)
    assert now is not None
    return {"now": now, "history": history(client, tid),
            "as of": [state(client, tid, {"version": v}) for v in range(now["version"] + 1)]}


def trajectories(client: GraphQLClient) -> list[dict[str, Any]]:
    """Every trajectory, read two at a time; each page's total must agree."""
    query = """query($after: String) { trajectories(first: 2, after: $after) {
        totalCount edges { node { id name version } } pageInfo { hasNextPage endCursor } } }"""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = client.execute(query, {"after": after})["trajectories"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert len(nodes) == page["totalCount"]
            return nodes
        after = page["pageInfo"]["endCursor"]


def test_a_graceful_restart_keeps_everything_and_every_key(
        server: Server, client: GraphQLClient) -> None:
    story = build(client)
    tid = story["tid"]
    others = [start(client) for _ in range(3)]
    before = everything(client, tid)
    assert before["now"]["version"] == 11
    listed = trajectories(client)
    ids = [node["id"] for node in listed]
    assert len(set(ids)) == len(ids) and ids[-4:] == [tid, *others]

    client = restart(server, client, signal.SIGTERM)

    assert everything(client, tid) == before
    assert trajectories(client) == listed
    # The keys are still recognised: the same requests return the first results...
    started = client.mutate("startTrajectory", story["start"],
                            "... on TrajectoryPayload { trajectory { id } }")
    assert started["trajectory"]["id"] == tid
    assert client.mutate("ratifyDecision", story["keyed"], DECISION) == story["ratified"]
    assert stream(client, tid) == (11, before["history"])
    # ...and refuse another input.
    reused = client.mutate("ratifyDecision", {**story["keyed"], "rationale": "other"})
    assert reused["code"] == "IDEMPOTENCY_KEY_REUSED"
    reused = client.mutate("startTrajectory", {**story["start"], "client": "other"})
    assert reused["code"] == "IDEMPOTENCY_KEY_REUSED"
    # The trajectory goes on where it stopped.
    more = client.mutate("defineDomain", {"trajectoryId": tid, "name": "Budget"}, DOMAIN)
    assert ok(more, "DomainPayload")["version"] == 12


def test_an_acknowledged_change_survives_a_kill(server: Server, client: GraphQLClient) -> None:
    tid = start(client)
    define_domain(client, tid, "Programme design")
    request = {"trajectoryId": tid, "idempotencyKey": "last words", "name": "Bo",
               "role": "HR lead", "side": "CLIENT"}
    acknowledged = ok(client.mutate("addMember", request, MEMBER), "MemberPayload")
    before = everything(client, tid)

    client = restart(server, client, signal.SIGKILL)  # right after the answer came

    assert everything(client, tid) == before
    assert before["now"]["version"] == acknowledged["version"] == 3
    assert acknowledged["member"]["id"] in {m["id"] for m in before["now"]["members"]}
    assert client.mutate("addMember", request, MEMBER) == acknowledged
    assert stream(client, tid)[0] == 3
