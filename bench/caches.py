"""Memory under distinct large queries (issue 19, item 7): a worker's RSS after 1,000
queries that are each new to it, of 430 tokens each (about 300 KB once parsed), each
answered with about 500 KB.

Caches bounded by entry count kept them all (1,100 distinct 1 MB queries pinned 1.76 GB);
bounded by bytes (`DECISIONLOG_CACHE_MB`, 128 by default) the growth stays near the
bound. The figures: the traffic (what an unbounded cache would keep) as the raw limit,
the RSS growth over it (target: at most a quarter), and the RSS itself.

    python -m bench --only parts      # with the other optional parts
"""

from __future__ import annotations

import json
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.data import auth_headers
from bench.harness import Row, Server, Stats, log, vm_rss_mb

QUERIES = 1000
TYPES = ", ".join(['"DecisionRecorded"'] * 400)
DECISIONS = 50
STATEMENT = "x" * 10_000
TRAFFIC = "caches: bytes of 1,000 distinct large queries and answers"
GROWTH = "memory: RSS growth after them"
AFTER = "memory: RSS after 1,000 distinct large queries"
QUERY = ("query($id: ID!) {%s trajectory(id: $id) { decisions(first: 100) { edges { node { "
         "statement } } } } auditLog(first: 1, types: [" + TYPES + "]) { edges { cursor } } }")


def _post(server: Server, query: str, variables: dict[str, object]) -> tuple[int, dict]:  # type: ignore[type-arg]
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(f"{server.url}/graphql", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              **server.headers})
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
    result = json.loads(text)
    if result.get("errors"):
        raise RuntimeError(f"GraphQL errors: {result['errors']}")
    return len(body) + len(text), result["data"]


def _scene(server: Server) -> str:
    """A trajectory with 50 decisions of 10,000 characters each; its id."""
    data = server.graphql('mutation { startTrajectory(input: {name: "Caches"}) { '
                          "... on TrajectoryPayload { trajectory { id } } } }")
    tid = data["startTrajectory"]["trajectory"]["id"]
    member = server.graphql(
        'mutation($t: ID!) { addMember(input: {trajectoryId: $t, name: "Anna", role: "lead", '
        "side: CLIENT}) { ... on MemberPayload { member { id } } } }", {"t": tid})
    domain = server.graphql(
        'mutation($t: ID!) { defineDomain(input: {trajectoryId: $t, name: "Budget"}) { '
        "... on DomainPayload { domain { id } } } }", {"t": tid})
    for i in range(DECISIONS):
        server.graphql("mutation($i: RecordDecisionInput!) { recordDecision(input: $i) { "
                       "__typename } }", {"i": {
                           "trajectoryId": tid, "domainId": domain["defineDomain"]["domain"]["id"],
                           "title": f"Decision {i}", "statement": STATEMENT,
                           "decidedBy": [member["addMember"]["member"]["id"]]}})
    return str(tid)


def run(*, quick: bool = False) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="decisionlog-bench-caches-") as temporary:
        directory = Path(temporary)
        database = directory / "caches.db"
        log("caches: a fresh file, 50 decisions of 10 KB")
        with Server(database, directory / "server.log",
                    headers=auth_headers(database)) as server:
            tid = _scene(server)
            for i in range(20):  # warm up: what every request allocates anyway
                _post(server, QUERY % (" " * i), {"id": tid})
            before = vm_rss_mb(server.pid)
            log(f"caches: {QUERIES:,} distinct queries of 430 tokens")
            traffic = 0
            started = time.perf_counter()
            for i in range(QUERIES):
                sent, data = _post(server, QUERY % (" " * (20 + i)), {"id": tid})
                assert len(data["trajectory"]["decisions"]["edges"]) == DECISIONS
                traffic += sent
            seconds = time.perf_counter() - started
            after = vm_rss_mb(server.pid)
    note = (f"{QUERIES:,} queries in {seconds:.1f} s, one connection; caches bounded to "
            "128 MB (DECISIONLOG_CACHE_MB)")
    return [
        Row(TRAFFIC, "MB", Stats.of([traffic / 1024 / 1024]),
            note="what caches bounded by count kept (1,024 documents, 256 results)"),
        Row(GROWTH, "MB", Stats.of([after - before]), limit=TRAFFIC, target="<= 0.25",
            note=note),
        Row(AFTER, "MB", Stats.of([after]), note=f"RSS {before:.1f} MB before them"),
    ]


def main() -> int:
    for row in run():
        print(f"{row.figure}: {row.stats.median:.1f} {row.unit}  {row.note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
