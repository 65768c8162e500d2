"""A crash in the middle of a burst: several clients write at once, the server process is
killed (SIGKILL) while they do, and a new process on the same file has every acknowledged
mutation in the event log and in every read model, nothing twice, and views that agree
with the log to the last event."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.backends import BACKENDS, fresh_database
from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import DECISION, MEMBER, RIGHT, add_member, define_domain, history

THREADS = 6
KILL_AFTER = 120  # acknowledged mutations before the kill
Op = Callable[[GraphQLClient, int], tuple[str, dict[str, Any]]]


@dataclass
class Burst:
    """What the clients sent and what the server acknowledged, by kind."""

    word: str
    teams: list[dict[str, str]]
    acknowledged: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    enough: threading.Event = field(default_factory=threading.Event)

    def ack(self, kind: str, result: dict[str, Any]) -> None:
        with self.lock:
            self.acknowledged.append((kind, result))
            if len(self.acknowledged) >= KILL_AFTER:
                self.enough.set()

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [result for k, result in self.acknowledged if k == kind]


def operations(burst: Burst) -> list[Op]:
    """One mutation of each kind a client thread keeps sending."""
    def team(n: int) -> dict[str, str]:
        return burst.teams[n % len(burst.teams)]

    def record(c: GraphQLClient, n: int) -> tuple[str, dict[str, Any]]:
        t = team(n)
        return "decision", c.mutate("recordDecision", {
            "trajectoryId": t["tid"], "domainId": t["domain"], "decidedBy": [t["member"]],
            "title": f"{burst.word} decision {n}", "statement": "Decided in a burst."},
            DECISION)

    def surface(c: GraphQLClient, n: int) -> tuple[str, dict[str, Any]]:
        t = team(n)
        return "surfaced", c.mutate("surfaceImplicitDecision", {
            "trajectoryId": t["tid"], "domainId": t["domain"], "surfacedBy": t["member"],
            "title": f"{burst.word} habit {n}", "statement": "Found in a burst."}, DECISION)

    def member(c: GraphQLClient, n: int) -> tuple[str, dict[str, Any]]:
        t = team(n)
        return "member", c.mutate("addMember", {
            "trajectoryId": t["tid"], "name": f"{burst.word} member", "role": f"role {n}",
            "side": "CLIENT"}, MEMBER)

    def right(c: GraphQLClient, n: int) -> tuple[str, dict[str, Any]]:
        m = n - 1  # the role of the member the thread before adds (or is adding)
        return "right", c.mutate("grantRight", {
            "trajectoryId": team(m)["tid"], "domainId": team(m)["domain"],
            "role": f"role {m}", "right": "ADVISES"}, RIGHT)

    def start(c: GraphQLClient, n: int) -> tuple[str, dict[str, Any]]:
        return "trajectory", c.mutate("startTrajectory", {"name": f"{burst.word} {n}"},
                                      "... on TrajectoryPayload { version trajectory { id } }")

    return [record, surface, member, right, start, record]


def writer(server: Server, burst: Burst, op: Op, number: int) -> None:
    """Send mutations until the server goes away; keep what it acknowledged."""
    client = server.client(server.facilitator_token)
    n = number
    while True:
        try:
            kind, result = op(client, n)
        except httpx.HTTPError:  # killed before or while answering
            return
        except Exception as error:  # reported by the test
            burst.failures.append(error)
            return
        if not result["__typename"].endswith("Payload"):
            burst.failures.append(result)
            return
        burst.ack(kind, result)
        n += THREADS


def views(client: GraphQLClient, burst: Burst) -> dict[str, Any]:
    """What the read models give about the burst, every page of it."""
    def pages(field: str, args: str, node: str) -> tuple[list[dict[str, Any]], int]:
        nodes: list[dict[str, Any]] = []
        after = None
        while True:
            page = client.execute(
                f"query($after: String) {{ {field}({args} first: 100, after: $after) "
                f"{{ totalCount edges {{ node {{ {node} }} }} pageInfo {{ hasNextPage "
                f"endCursor }} }} }}", {"after": after})[field]
            nodes += [edge["node"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return nodes, page["totalCount"]
            after = page["pageInfo"]["endCursor"]

    decisions, decision_total = pages("decisions", f'search: "{burst.word}"',
                                      "id status trajectoryId")
    backlog, backlog_total = pages("openImplicitDecisions", "", "id trajectoryId")
    trajectories, trajectory_total = pages("trajectories", f'search: "{burst.word}"',
                                           "id version")
    mandates = client.execute("query($n: String!) { mandates(memberName: $n) { rightId "
                              "trajectory { id } } }",
                              {"n": f"{burst.word} member"})["mandates"]
    assert (decision_total, backlog_total, trajectory_total) == (
        len(decisions), len(backlog), len(trajectories))
    return {"decisions": decisions, "backlog": backlog, "trajectories": trajectories,
            "mandates": mandates}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_kill_mid_burst_loses_no_acknowledged_mutation_and_doubles_nothing(
        backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path, prefix="crash") as url:
        server = Server(url, log_path=tmp_path / "server.log")
        try:
            server.facilitator_token = server.create_token("facilitator", name="crash-test")
            server.start()
            run_burst_and_check(server)
        finally:
            server.close()


def run_burst_and_check(server: Server) -> None:
    client = server.client(server.facilitator_token)
    word = "crash" + uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))
    teams = []
    for n in range(3):
        tid = client.mutate("startTrajectory", {"name": f"{word} team {n}"},
                            "... on TrajectoryPayload { trajectory { id } }")["trajectory"]["id"]
        teams.append({"tid": tid, "member": add_member(client, tid, "Lead", "lead"),
                      "domain": define_domain(client, tid, "Design")})
    burst = Burst(word, teams)

    # The burst, and a kill in the middle of it
    threads = [threading.Thread(target=writer, args=(server, burst, op, number))
               for number, op in enumerate(operations(burst))]
    for thread in threads:
        thread.start()
    assert burst.enough.wait(timeout=60), burst.failures or "the burst never got going"
    server.stop(signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=60)
    assert not burst.failures
    assert {kind for kind, _ in burst.acknowledged} == {
        "decision", "surfaced", "member", "right", "trajectory"}

    # A new process on the same file
    server.start()
    client = server.client(server.facilitator_token)
    seen = views(client, burst)

    # Every acknowledged mutation is in the event log, once, at its version
    logged: dict[str, list[dict[str, Any]]] = {t["tid"]: history(client, t["tid"])
                                                for t in teams}
    for kind, key in (("decision", "decision"), ("surfaced", "decision"),
                      ("member", "member"), ("right", "right")):
        for result in burst.of(kind):
            made = result[key]["id"]
            found = [(tid, event) for tid, events in logged.items() for event in events
                     if made in str(event["data"])]
            assert len(found) == 1, (kind, made)
            assert found[0][1]["version"] == result["version"]
    for events in logged.values():
        assert [event["version"] for event in events] == list(range(1, len(events) + 1))

    # ...and in every read model, once; the views hold exactly what the log holds
    stored_decisions = {event["data"]["decision_id"]: event["type"]
                        for events in logged.values() for event in events
                        if event["type"] in ("DecisionRecorded", "ImplicitDecisionSurfaced")}
    ids = [node["id"] for node in seen["decisions"]]
    assert len(ids) == len(set(ids)) and set(ids) == set(stored_decisions)
    surfaced = {i for i, kind in stored_decisions.items() if kind == "ImplicitDecisionSurfaced"}
    mine = [node["id"] for node in seen["backlog"] if node["trajectoryId"] in logged]
    assert len(mine) == len(set(mine)) and set(mine) == surfaced
    assert {r["decision"]["id"] for r in burst.of("surfaced")} <= surfaced
    roles = {(tid, event["data"]["role"]) for tid, events in logged.items()
             for event in events if event["type"] == "MemberAdded"
             and event["data"]["name"] == f"{word} member"}
    granted = {event["data"]["right_id"] for tid, events in logged.items() for event in events
               if event["type"] == "RightGranted" and (tid, event["data"]["role"]) in roles}
    rights = [m["rightId"] for m in seen["mandates"]]
    assert len(rights) == len(set(rights)) and set(rights) == granted
    listed = {node["id"]: node["version"] for node in seen["trajectories"]}
    assert len(listed) == len(seen["trajectories"])
    assert {r["trajectory"]["id"] for r in burst.of("trajectory")} <= set(listed)
    for tid, events in logged.items():
        assert listed[tid] == len(events)
