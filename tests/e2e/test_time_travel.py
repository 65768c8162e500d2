"""Time travel over HTTP: the whole trajectory as of a version or a moment, and its history
read page by page with keyset cursors."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import (
    DECISION,
    MEMBER,
    VERSION,
    add_member,
    assert_readable,
    define_domain,
    grant,
    history,
    moment,
    record,
    start,
    state,
    surface,
)

Timeline = tuple[str, dict[int, dict[str, Any]]]


@pytest.fixture(scope="module")
def built(server: Server) -> dict[str, Timeline]:
    """What the tests record once, per server (one per backend)."""
    return {}


@pytest.fixture
def timeline(client: GraphQLClient, built: dict[str, Timeline]) -> Timeline:
    """The timeline, recorded once by the first test that asks; the tests only read it."""
    if "timeline" not in built:
        built["timeline"] = record_timeline(client)
    return built["timeline"]


def record_timeline(client: GraphQLClient) -> Timeline:
    """A trajectory built step by step, with its full state read after every step."""
    tid = start(client)
    ids: dict[str, str] = {}
    snapshots = {1: state(client, tid)}

    def step(key: str, action: Callable[[], str]) -> None:
        ids[key] = action()
        now = state(client, tid)
        assert now is not None and now["version"] == len(snapshots) + 1
        snapshots[now["version"]] = now

    def command(name: str, selection: str, **fields: Any) -> Callable[[], str]:
        def run() -> str:
            result = client.mutate(name, {"trajectoryId": tid, **fields}, selection)
            assert "version" in result, result
            return name
        return run

    step("ana", lambda: add_member(client, tid, "Ana", "programme manager", "PROVIDER"))
    step("bo", lambda: add_member(client, tid, "Bo", "HR lead", "CLIENT", "SPECIALIST"))
    step("design", lambda: define_domain(client, tid, "Programme design"))
    step("budget", lambda: define_domain(client, tid, "Budget"))
    step("r_ana", lambda: grant(client, tid, ids["design"], "DECIDES", member_id=ids["ana"]))
    step("r_hr", lambda: grant(client, tid, ids["budget"], "DECIDES", role="HR lead"))
    step("d1", lambda: record(client, tid, ids["design"], [ids["ana"]], "Two-day kick-off"))
    step("d2", lambda: record(client, tid, ids["design"], [ids["bo"]], "Bo's call"))
    step("d3", lambda: record(client, tid, ids["design"], [ids["ana"]], "Three days",
                              supersedes=[ids["d1"]]))
    step("s1", lambda: surface(client, tid, ids["budget"], ids["bo"], "lunch is paid"))
    step("ratify", command("ratifyDecision", DECISION, decisionId=ids["s1"],
                           ratifiedBy=[ids["bo"]]))
    step("role", command("changeMember", MEMBER, memberId=ids["bo"], role="line manager"))
    step("leave", command("removeMember", MEMBER, memberId=ids["ana"]))
    step("withdraw", command("withdrawDecision", DECISION, decisionId=ids["d3"],
                             withdrawnBy=[ids["bo"]]))
    step("retire", command("retireDomain", "... on DomainPayload { version }",
                           domainId=ids["budget"]))
    step("close", command("closeTrajectory", VERSION, reason="programme ended"))
    return tid, snapshots


def test_the_snapshots_really_differ_from_version_to_version(timeline: Timeline) -> None:
    _, snapshots = timeline
    views = [{k: v for k, v in s.items() if k != "version"} for s in snapshots.values()]
    assert all(a != b for a, b in itertools.pairwise(views))
    last = len(snapshots)
    assert snapshots[last]["status"] == "CLOSED" and snapshots[last - 1]["status"] == "ACTIVE"


def test_as_of_a_version_gives_the_whole_trajectory_as_it_stood(
        client: GraphQLClient, timeline: Timeline) -> None:
    tid, snapshots = timeline
    for version, snapshot in snapshots.items():
        assert state(client, tid, {"version": version}) == snapshot, version


def test_as_of_a_moment_gives_the_trajectory_as_recorded_then(
        client: GraphQLClient, timeline: Timeline) -> None:
    tid, snapshots = timeline
    recorded = {e["version"]: datetime.fromisoformat(e["recordedAt"])
                for e in history(client, tid)}
    for version, snapshot in snapshots.items():
        assert state(client, tid, {"at": recorded[version].isoformat()}) == snapshot, version
        if version + 1 in recorded:
            just_before_next = recorded[version + 1] - timedelta(microseconds=1)
            if just_before_next >= recorded[version]:
                assert state(client, tid, {"at": just_before_next.isoformat()}) == snapshot
    later = recorded[len(snapshots)] + timedelta(days=1)
    assert state(client, tid, {"at": later.isoformat()}) == snapshots[len(snapshots)]


def test_as_of_a_moment_in_another_offset_means_the_same_instant(
        client: GraphQLClient, timeline: Timeline) -> None:
    tid, snapshots = timeline
    recorded = datetime.fromisoformat(history(client, tid)[6]["recordedAt"])
    for hours in (2, -5):
        moment = recorded.astimezone(timezone(timedelta(hours=hours)))
        assert moment.isoformat() != recorded.isoformat()
        assert state(client, tid, {"at": moment.isoformat()}) == snapshots[7]


def test_before_the_start_there_is_no_trajectory(
        client: GraphQLClient, timeline: Timeline) -> None:
    tid, _ = timeline
    started = datetime.fromisoformat(history(client, tid)[0]["recordedAt"])
    assert state(client, tid, {"version": 0}) is None
    assert state(client, tid, {"at": (started - timedelta(microseconds=1)).isoformat()}) is None
    assert state(client, tid, {"at": "2001-01-01T00:00:00+00:00"}) is None


def test_as_of_with_both_version_and_moment_is_a_graphql_error(
        client: GraphQLClient, timeline: Timeline) -> None:
    tid, _ = timeline
    query = "query($id: ID!, $asOf: AsOf) { trajectory(id: $id, asOf: $asOf) { version } }"
    both = {"version": 1, "at": "2030-01-01T00:00:00+00:00"}
    body = client.post(query, {"id": tid, "asOf": both})
    assert body.get("data") is None
    assert_readable(body["errors"], "AsOf")
    literal = client.post('query($id: ID!) { trajectory(id: $id, asOf: {version: 1, '
                          'at: "2030-01-01T00:00:00+00:00"}) { version } }', {"id": tid})
    assert literal.get("data") is None
    assert_readable(literal["errors"], "AsOf")


@pytest.mark.parametrize(("as_of", "fragment"), [
    ({"version": -1}, "asOf.version"),
    ({"at": "2030-01-01T00:00:00"}, "UTC offset"),
    ({"at": "yesterday"}, "yesterday"),
])
def test_a_bad_as_of_is_a_readable_graphql_error(
        client: GraphQLClient, as_of: dict[str, Any], fragment: str) -> None:
    tid = start(client)
    body = client.post("query($id: ID!, $asOf: AsOf) { trajectory(id: $id, asOf: $asOf) "
                       "{ version } }", {"id": tid, "asOf": as_of})
    assert not (body.get("data") or {}).get("trajectory")
    assert_readable(body["errors"], fragment)


def test_history_as_of_a_version_stops_at_that_version(
        client: GraphQLClient, timeline: Timeline) -> None:
    tid, snapshots = timeline
    everything = history(client, tid)
    assert [e["version"] for e in everything] == list(range(1, len(snapshots) + 1))
    for version in (1, 7, len(snapshots)):
        assert history(client, tid, {"version": version}) == everything[:version]
        at = everything[version - 1]["recordedAt"]
        assert history(client, tid, {"at": at}) == everything[:version]
    page = client.execute(
        "query($id: ID!) { trajectory(id: $id, asOf: {version: 7}) { history(first: 5) {"
        " totalCount edges { node { version } } pageInfo { hasNextPage endCursor } } } }",
        {"id": tid})["trajectory"]["history"]
    assert page["totalCount"] == 7 and page["pageInfo"]["hasNextPage"] is True
    rest = client.execute(
        "query($id: ID!, $after: String) { trajectory(id: $id, asOf: {version: 7}) {"
        " history(first: 5, after: $after) { edges { node { version } }"
        " pageInfo { hasNextPage } } } }",
        {"id": tid, "after": page["pageInfo"]["endCursor"]})["trajectory"]["history"]
    assert [e["node"]["version"] for e in rest["edges"]] == [6, 7]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_a_decision_is_judged_by_the_rights_in_force_at_its_decided_at(
        client: GraphQLClient) -> None:
    tid = start(client)
    ana = add_member(client, tid, "Ana", "programme manager")
    design = define_domain(client, tid, "Programme design")
    grant(client, tid, design, "DECIDES", member_id=ana, effectiveFrom=moment(days=-40))
    covered = record(client, tid, design, [ana], "Covered", decidedAt=moment(days=-30))
    earlier = record(client, tid, design, [ana], "Too early", decidedAt=moment(days=-50))
    now = state(client, tid)
    assert now is not None
    within = {e["node"]["id"]: e["node"]["withinMandate"] for e in now["decisions"]["edges"]}
    assert within == {covered: True, earlier: False}
    assert [d["id"] for d in now["outOfMandate"]] == [earlier]


HISTORY = """query($id: ID!, $first: Int, $after: String) { trajectory(id: $id) {
  history(first: $first, after: $after) {
    totalCount edges { cursor node { version type } } pageInfo { hasNextPage endCursor } } } }"""


def read_page(client: GraphQLClient, tid: str, first: int, after: str | None
              ) -> dict[str, Any]:
    page: dict[str, Any] = client.execute(
        HISTORY, {"id": tid, "first": first, "after": after})["trajectory"]["history"]
    return page


def add_events(client: GraphQLClient, tid: str, count: int) -> None:
    for n in range(count):
        define_domain(client, tid, f"Domain {n} {datetime.now().isoformat()}")


@pytest.mark.parametrize("first", [1, 2, 3, 7])
def test_history_pages_give_every_version_once_in_order(
        client: GraphQLClient, first: int) -> None:
    tid = start(client)
    add_events(client, tid, 10)
    versions: list[int] = []
    after = None
    while True:
        page = read_page(client, tid, first, after)
        assert page["totalCount"] == 11
        assert len(page["edges"]) == min(first, 11 - len(versions))
        versions += [edge["node"]["version"] for edge in page["edges"]]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        assert page["pageInfo"]["hasNextPage"] is (len(versions) < 11)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert versions == list(range(1, 12))


def test_history_pages_stay_whole_while_new_events_arrive(client: GraphQLClient) -> None:
    tid = start(client)
    add_events(client, tid, 4)
    versions: list[int] = []
    totals: list[int] = []
    after = None
    while True:
        page = read_page(client, tid, 2, after)
        versions += [edge["node"]["version"] for edge in page["edges"]]
        totals.append(page["totalCount"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        if len(totals) <= 3:
            add_events(client, tid, 2)  # between pages, the stream grows
    assert versions == list(range(1, 12))
    assert totals[0] == 5 and totals[-1] == 11
    assert history(client, tid)[-1]["version"] == 11


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(("arguments", "fragment"), [
    ({"after": "not a cursor"}, "cursor"),
    ({"after": cursor("decision:1")}, "cursor"),
    ({"after": cursor("event:-1")}, "cursor"),
    ({"after": cursor("event:one")}, "cursor"),
    ({"first": 101}, "first"),
    ({"first": -1}, "first"),
])
def test_bad_history_arguments_are_readable_graphql_errors(
        client: GraphQLClient, arguments: dict[str, Any], fragment: str) -> None:
    tid = start(client)
    body = client.post(HISTORY, {"id": tid, **arguments})
    assert not (body.get("data") or {}).get("trajectory")
    assert_readable(body["errors"], fragment)


def test_a_page_of_a_hundred_is_allowed(client: GraphQLClient) -> None:
    tid = start(client)
    page = read_page(client, tid, 100, None)
    assert [e["node"]["type"] for e in page["edges"]] == ["TrajectoryStarted"]
    assert page["pageInfo"]["hasNextPage"] is False
