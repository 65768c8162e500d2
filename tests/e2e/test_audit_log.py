"""The global audit log over HTTP: every event once, in commit order, while events keep
arriving; filters; and what each caller may see."""

from __future__ import annotations

from typing import Any

from tests.e2e.client import GraphQLClient, Server
from tests.e2e.conftest import MakeClient
from tests.e2e.helpers import add_member, assert_readable, define_domain, history, start
from tests.e2e.scenes import make_scene

PAGE = """query($first: Int, $after: String, $tid: ID, $types: [String!], $by: [String!],
  $from: DateTime, $to: DateTime) {
  auditLog(first: $first, after: $after, trajectoryId: $tid, types: $types, recordedBy: $by,
           from: $from, to: $to) {
    edges { cursor node { trajectoryId version problem
      event { version type recordedAt recordedBy digest previousDigest } } }
    pageInfo { hasNextPage endCursor } } }"""

Entry = tuple[str, int]


def page(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = client.execute(PAGE, variables)["auditLog"]
    return result


def read_all(client: GraphQLClient, *, first: int = 100, after: str | None = None,
             between_pages: Any = None, **filters: Any) -> list[dict[str, Any]]:
    """Every entry from `after` on, page by page; `between_pages(n)` runs after page n
    when more pages follow."""
    nodes: list[dict[str, Any]] = []
    number = 0
    while True:
        current = page(client, first=first, after=after, **filters)
        assert len(current["edges"]) <= first
        nodes += [edge["node"] for edge in current["edges"]]
        assert current["pageInfo"]["endCursor"]  # always set, even on a short page
        after = current["pageInfo"]["endCursor"]
        if not current["pageInfo"]["hasNextPage"]:
            return nodes
        number += 1
        if between_pages is not None:
            between_pages(number)


def entries(nodes: list[dict[str, Any]]) -> list[Entry]:
    return [(n["trajectoryId"], n["version"]) for n in nodes]


def test_paging_gives_every_event_once_in_commit_order_while_events_arrive(
        client: GraphQLClient, make_client: MakeClient) -> None:
    first, second = start(client), start(client)
    for n in range(3):
        add_member(client, first, f"F{n}", "HR lead")
        add_member(client, second, f"S{n}", "sponsor")
    auditor = make_client("auditor")
    arrived: list[str] = []

    def meanwhile(number: int) -> None:  # new events behind and ahead of the reader
        if number <= 3:
            add_member(client, first, f"Late {number}", "HR lead")
            arrived.append(start(client))

    seen = read_all(auditor, first=4, between_pages=meanwhile)

    read = entries(seen)
    assert len(read) == len(set(read)), "an event was read twice"
    everything = entries(read_all(auditor))
    assert read == everything, "paging while events arrived gave another order or a gap"
    versions = {tid: [v for t, v in read if t == tid] for tid in (first, second, *arrived)}
    assert arrived, "no events arrived while paging"
    assert versions[first] == list(range(1, 5 + len(arrived)))
    assert versions[second] == list(range(1, 5))
    assert all(versions[tid] == [1] for tid in arrived)
    for node in seen:  # each entry carries its event, digests included
        assert node["problem"] is None and node["event"]["version"] == node["version"]


def test_a_saved_cursor_resumes_exactly_after_new_events(
        client: GraphQLClient, make_client: MakeClient) -> None:
    start(client)  # the log is not empty
    auditor = make_client("auditor")
    saved = end_cursor(auditor)
    assert read_all(auditor, after=saved) == []
    tid = start(client)
    define_domain(client, tid, "Budget")
    assert entries(read_all(auditor, after=saved)) == [(tid, 1), (tid, 2)]


def end_cursor(client: GraphQLClient) -> str:
    """The end cursor of the whole log as it is now."""
    after = None
    while True:
        current = page(client, first=100, after=after)
        after = current["pageInfo"]["endCursor"]
        if not current["pageInfo"]["hasNextPage"]:
            return str(after)


def test_filters_by_trajectory_type_recorder_and_time(
        server: Server, client: GraphQLClient, make_client: MakeClient) -> None:
    name = "filter-facilitator"
    ines = server.client(server.create_token("facilitator", name=name))
    scene = make_scene(client)
    tid = scene["tid"]
    add_member(ines, tid, "Recorded by Ines", "HR lead")
    define_domain(ines, tid, "Ines' domain")
    auditor = make_client("auditor")

    mine = read_all(auditor, tid=tid)
    assert entries(mine) == [(tid, v) for v in range(1, 11)]
    assert entries(read_all(auditor, by=[name])) == [(tid, 9), (tid, 10)]
    decisions = read_all(auditor, tid=tid, types=["DecisionRecorded", "MemberAdded"])
    assert [n["event"]["type"] for n in decisions] == [
        "MemberAdded", "MemberAdded", "DecisionRecorded", "MemberAdded"]
    # from and to bound recordedAt, inclusive
    times = [e["recordedAt"] for e in history(client, tid)]
    window = read_all(auditor, tid=tid, **{"from": times[2], "to": times[5]})
    assert [n["version"] for n in window] == [3, 4, 5, 6]
    assert read_all(auditor, tid=tid, **{"from": "2001-01-01T00:00:00+00:00",
                                         "to": "2001-01-02T00:00:00+00:00"}) == []
    # bad arguments are readable errors
    for variables, fragment in (({"types": ["Nonsense"]}, "unknown event types"),
                                ({"after": "bm90LWEtY3Vyc29y"}, "not an audit log cursor"),
                                ({"first": 101}, "first must be between"),
                                ({"from": "2026-01-01T00:00:00"}, "utc offset")):
        assert_readable(auditor.post(PAGE, variables)["errors"], fragment)


def test_a_scoped_caller_reads_only_its_trajectories_and_readers_none(
        client: GraphQLClient, make_client: MakeClient) -> None:
    mine, other = make_scene(client)["tid"], make_scene(client)["tid"]
    for scoped in (make_client("auditor", [mine]), make_client("facilitator", [mine])):
        assert entries(read_all(scoped)) == [(mine, v) for v in range(1, 9)]
        assert read_all(scoped, tid=other) == []
        assert entries(read_all(scoped, tid=mine, first=3)) == [(mine, v) for v in range(1, 9)]
    everyone = {t for t, _ in entries(read_all(make_client("auditor")))}
    assert {mine, other} <= everyone
    for reader in (make_client("reader"), make_client("reader", [mine])):
        body = reader.post(PAGE, {})
        assert body["data"] is None
        assert_readable(body["errors"], "auditors and facilitators")
