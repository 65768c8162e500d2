"""The lists across trajectories over HTTP: trajectories, decisions, mandates and the
backlog of implicit decisions. Filters, word search, both orders, keyset pages while
decisions arrive, read-your-writes, scope, and readable errors for bad arguments."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.client import GraphQLClient
from tests.e2e.conftest import MakeClient
from tests.e2e.helpers import (
    add_member,
    assert_readable,
    define_domain,
    grant,
    moment,
    ok,
    record,
    start,
    surface,
)

DECISIONS = """query($first: Int, $after: String, $search: String, $domainName: String,
  $status: DecisionStatus, $origin: DecisionOrigin, $kind: DecisionKind, $decidedBy: String,
  $decidedFrom: DateTime, $decidedTo: DateTime, $order: DecisionOrder! = NEWEST_FIRST) {
  decisions(first: $first, after: $after, search: $search, domainName: $domainName,
            status: $status, origin: $origin, kind: $kind, decidedBy: $decidedBy,
            decidedFrom: $decidedFrom, decidedTo: $decidedTo, order: $order) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id title status origin kind decidedAt trajectoryId
      domain { name } decidedBy { name } supersedesIds supersededByIds } } } }"""

BACKLOG = """query($first: Int, $after: String) { openImplicitDecisions(first: $first,
  after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { id title status recordedAt trajectoryId } } } }"""


def word() -> str:
    """A word no other test uses (letters only, so it is one search word)."""
    return "w" + "".join(chr(ord("a") + int(c, 16)) for c in uuid4().hex[:10])


def decisions(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    page: dict[str, Any] = client.execute(DECISIONS, variables)["decisions"]
    return page


def titles(client: GraphQLClient, **variables: Any) -> list[str]:
    """The titles of every matching decision, read page by page; totals must agree."""
    seen: list[str] = []
    after = None
    while True:
        page = decisions(client, first=variables.pop("first", 100), after=after, **variables)
        seen += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(seen)
            return seen
        after = page["pageInfo"]["endCursor"]


class Team:
    """A trajectory with two members and a domain, the first member holding DECIDES."""

    def __init__(self, client: GraphQLClient, *, name: str | None = None,
                 domain: str = "Programme design", anna: str = "Anna de Vries") -> None:
        self.client = client
        self.tid = start(client, name)
        self.anna = add_member(client, self.tid, anna, "client lead")
        self.bob = add_member(client, self.tid, "Bob", "facilitator", "PROVIDER")
        self.domain = define_domain(client, self.tid, domain)
        grant(client, self.tid, self.domain, "DECIDES", member_id=self.anna)

    def decide(self, title: str, **fields: Any) -> str:
        by = fields.pop("by", None) or [self.anna]
        return record(self.client, self.tid, self.domain, by, title, **fields)


def test_trajectories_filter_by_status_client_and_words(client: GraphQLClient) -> None:
    name, customer = word(), word()
    first = start(client, f"Merger {name} programme", client=f"Gemeente {customer}")
    second = start(client, f"Leadership {name}", client=f"gemeente  {customer.upper()}")
    third = start(client, f"{name}", client="Other", description=f"With {customer}")
    ok(client.mutate("closeTrajectory", {"trajectoryId": first, "reason": "done"},
                     "... on TrajectoryPayload { version }"), "TrajectoryPayload")
    query = """query($status: TrajectoryStatus, $client: String, $search: String) {
      trajectories(first: 100, status: $status, client: $client, search: $search) {
        totalCount edges { node { id name client status version startedAt modifiedAt
        members { id } } } } }"""

    def ids(**filters: Any) -> list[str]:
        page = client.execute(query, filters)["trajectories"]
        assert page["totalCount"] == len(page["edges"])
        return [edge["node"]["id"] for edge in page["edges"]]

    # Client: exactly, case-insensitive, runs of spaces as one
    assert ids(client=f"GEMEENTE {customer}") == [first, second]
    assert ids(client=customer) == []
    # Status
    assert ids(client=f"Gemeente {customer}", status="CLOSED") == [first]
    assert ids(search=name, status="ACTIVE") == [second, third]
    # Search: every word, case-insensitive, whole words or their starts, in the name,
    # client or description
    assert ids(search=name.upper()) == [first, second, third]
    assert ids(search=f"{name[:5]} merg") == [first]
    assert ids(search=f"{name} {customer}") == [first, second, third]
    assert ids(search=f"{name} programme leadership") == []
    assert ids(search=name[1:]) == []  # the middle of a word is not a match
    # A node from the list is the trajectory itself
    listed = client.execute(query, {"search": f"{name} merger"})["trajectories"]["edges"]
    single = client.execute(
        "query($id: ID!) { trajectory(id: $id) { id name client status version startedAt "
        "modifiedAt members { id } } }", {"id": first})["trajectory"]
    assert listed[0]["node"] == single


def test_decision_filters(client: GraphQLClient) -> None:
    topic, budget = word(), f"Budget {word()}"
    fusion, other = Team(client, domain=f"Design {topic}"), Team(client, domain=budget)
    old = fusion.decide(f"Unity {topic}", decidedAt=moment(-10))
    fusion.decide(f"Difference {topic}", decidedAt=moment(-9), supersedes=[old])
    fusion.decide(f"Frame {topic}", kind="FRAME", decidedAt=moment(-8))
    other.decide(f"Money {topic}", by=[other.bob], decidedAt=moment(-7))
    surface(client, other.tid, other.domain, other.bob, f"Silence {topic}",
            since=moment(-6))

    assert titles(client, search=topic, order="OLDEST_FIRST") == [
        f"Unity {topic}", f"Difference {topic}", f"Frame {topic}", f"Money {topic}",
        f"Silence {topic}"]
    assert titles(client, search=topic, status="SUPERSEDED") == [f"Unity {topic}"]
    assert titles(client, search=topic, origin="IMPLICIT") == [f"Silence {topic}"]
    assert titles(client, search=topic, kind="FRAME") == [f"Frame {topic}"]
    assert titles(client, domainName=budget.upper(), origin="EXPLICIT") == [f"Money {topic}"]
    assert titles(client, search=topic, decidedBy="bob") == [f"Money {topic}"]
    assert titles(client, search=topic, decidedBy="ANNA DE VRIES", status="IN_FORCE",
                  order="OLDEST_FIRST") == [f"Difference {topic}", f"Frame {topic}"]
    assert titles(client, search=topic, decidedFrom=moment(-9.5), decidedTo=moment(-7.5),
                  order="OLDEST_FIRST") == [f"Difference {topic}", f"Frame {topic}"]
    node = decisions(client, search=f"difference {topic}")["edges"][0]["node"]
    assert node["supersedesIds"] == [old] and node["domain"]["name"] == f"Design {topic}"
    assert node["decidedBy"] == [{"name": "Anna de Vries"}]
    assert node["trajectoryId"] == fusion.tid


def test_search_matches_every_word_or_its_start_in_title_statement_or_rationale(
        client: GraphQLClient) -> None:
    topic = word()
    team = Team(client)
    team.decide(f"Two training days {topic}", statement="Spread over the autumn.")
    team.decide(f"Coaching {topic}", rationale="Participants asked for Individual help.")
    team.decide(f"Café {topic}", statement="Meet in the café.")

    def found(search: str) -> list[str]:
        return [t.split()[0] for t in titles(client, search=f"{topic} {search}",
                                             order="OLDEST_FIRST")]

    assert found("") == ["Two", "Coaching", "Café"]
    assert found("TRAINING Autumn") == ["Two"]  # title and statement, any case
    assert found("train aut") == ["Two"]  # starts of words
    assert found("individual") == ["Coaching"]  # the rationale
    assert found("ainin") == [] and found("days winter") == []  # inside a word; every word
    assert found("cafe") == ["Café"]
    assert found("Two, days!") == ["Two"]  # punctuation separates words


def test_both_orders_by_decided_at_then_as_recorded(client: GraphQLClient) -> None:
    topic = word()
    team = Team(client)
    same = moment(-3)
    for title, at in (("b", moment(-5)), ("d", same), ("a", moment(-20)), ("e", same),
                      ("c", moment(-4))):
        team.decide(f"{title} {topic}", decidedAt=at)
    team.decide(f"f {topic}")  # decidedAt: when recorded

    oldest = [t.split()[0] for t in titles(client, search=topic, order="OLDEST_FIRST",
                                           first=2)]
    newest = [t.split()[0] for t in titles(client, search=topic, first=2)]
    assert oldest == ["a", "b", "c", "d", "e", "f"]
    assert newest == list(reversed(oldest))


@pytest.mark.parametrize("order", ["NEWEST_FIRST", "OLDEST_FIRST"])
def test_pages_have_no_repeats_and_no_gaps_while_decisions_arrive(
        client: GraphQLClient, order: str) -> None:
    topic = word()
    team = Team(client)
    for n in range(10):
        team.decide(f"{topic} {n}", decidedAt=moment(-30 + 2 * n))
    before = titles(client, search=topic, order=order)
    seen: list[dict[str, Any]] = []
    after = None
    arrived = 0
    while True:
        page = decisions(client, search=topic, order=order, first=3, after=after)
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        # New decisions between pages: now, before all, and amid the first ones
        for days in (0, -40, -29):
            arrived += 1
            team.decide(f"{topic} new {arrived}", decidedAt=moment(days))
    got = [node["title"] for node in seen]
    assert len(got) == len(set(got))  # no repeats
    assert [t for t in got if " new " not in t] == before  # no gaps, same order
    keys = [datetime.fromisoformat(node["decidedAt"]) for node in seen]
    assert keys == sorted(keys, reverse=order == "NEWEST_FIRST")
    assert arrived >= 9


def test_a_query_after_a_mutation_sees_it(client: GraphQLClient) -> None:
    listing = "query($s: String) { trajectories(search: $s) { edges { node { id version } } } }"
    for _ in range(5):
        topic = word()
        tid = start(client, f"Fresh {topic}")
        assert client.execute(listing, {"s": topic})["trajectories"]["edges"] == [
            {"node": {"id": tid, "version": 1}}]
        team = Team(client, name=f"Team {topic}", anna=f"Anna {topic}")
        decision = team.decide(f"Fresh {topic}")
        assert titles(client, search=topic) == [f"Fresh {topic}"]
        held = client.execute("query($n: String!) { mandates(memberName: $n) { right } }",
                              {"n": f"anna {topic}"})["mandates"]
        assert held == [{"right": "DECIDES"}]
        surfaced = surface(client, team.tid, team.domain, team.bob, f"Quiet {topic}")
        assert surfaced in [node["id"] for node in backlog(client)]
        withdrawn = client.mutate("withdrawDecision", {
            "trajectoryId": team.tid, "decisionId": decision, "withdrawnBy": [team.anna]},
            "... on DecisionPayload { version }")
        assert titles(client, search=topic, status="WITHDRAWN") == [f"Fresh {topic}"]
        assert titles(client, search=topic, status="IN_FORCE") == []
        ok(client.mutate("closeTrajectory", {"trajectoryId": tid}, "... on TrajectoryPayload "
                         "{ version }"), "TrajectoryPayload")
        closed = client.execute("query($s: String) { trajectories(search: $s, status: CLOSED) "
                                "{ edges { node { id version } } } }", {"s": topic})
        assert closed["trajectories"]["edges"] == [{"node": {"id": tid, "version": 2}}]
        version = ok(withdrawn, "DecisionPayload")["version"]
        assert client.execute(listing, {"s": f"team {topic}"})["trajectories"]["edges"] == [
            {"node": {"id": team.tid, "version": version}}]


def backlog(client: GraphQLClient, first: int = 100) -> list[dict[str, Any]]:
    """The whole backlog, page by page: oldest surfaced first, each once."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = client.execute(BACKLOG, {"first": first, "after": after})
        page = page["openImplicitDecisions"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    ids = [node["id"] for node in nodes]
    assert page["totalCount"] == len(ids) == len(set(ids))
    assert {node["status"] for node in nodes} <= {"PROPOSED_IMPLICIT"}
    recorded = [datetime.fromisoformat(node["recordedAt"]) for node in nodes]
    assert recorded == sorted(recorded)
    return nodes


def test_the_backlog_lists_surfaced_decisions_oldest_first_until_settled(
        client: GraphQLClient) -> None:
    team = Team(client)
    surfaced = [surface(client, team.tid, team.domain, team.bob, f"Habit {n}")
                for n in range(4)]
    listed = [node["id"] for node in backlog(client, first=2)]
    assert [i for i in listed if i in surfaced] == surfaced
    settle = {"ratifyDecision": "ratifiedBy", "rejectDecision": "rejectedBy",
              "withdrawDecision": "withdrawnBy"}
    for decision_id, (mutation, members) in zip(surfaced, settle.items(), strict=False):
        ok(client.mutate(mutation, {"trajectoryId": team.tid, "decisionId": decision_id,
                                    members: [team.anna]},
                         "... on DecisionPayload { version }"), "DecisionPayload")
    assert [n["id"] for n in backlog(client) if n["id"] in surfaced] == surfaced[3:]


def test_mandates_directly_and_through_a_role_in_every_trajectory(
        client: GraphQLClient) -> None:
    name = f"Anna {word()}"
    one, two = Team(client, anna=name), Team(client, anna=name)
    advise = grant(client, one.tid, one.domain, "ADVISES", role="client lead",
                   condition="during design")
    retired = define_domain(client, two.tid, "Retired")
    grant(client, two.tid, retired, "DECIDES", member_id=two.anna)
    ok(client.mutate("retireDomain", {"trajectoryId": two.tid, "domainId": retired},
                     "... on DomainPayload { version }"), "DomainPayload")
    revoked = grant(client, two.tid, two.domain, "INFORMED", role="client lead")
    ok(client.mutate("revokeRight", {"trajectoryId": two.tid, "rightId": revoked},
                     "... on RightPayload { version }"), "RightPayload")
    query = """query($n: String!) { mandates(memberName: $n) { rightId right condition
      viaRole role member { id name } domain { id name } trajectory { id status } } }"""

    held = client.execute(query, {"n": f"  {name.upper()} "})["mandates"]

    assert [(m["trajectory"]["id"], m["right"], m["viaRole"], m["condition"]) for m in held] == [
        (one.tid, "DECIDES", None, None), (one.tid, "ADVISES", "client lead", "during design"),
        (two.tid, "DECIDES", None, None)]
    assert held[1]["rightId"] == advise and held[1]["domain"]["id"] == one.domain
    assert {m["member"]["name"] for m in held} == {name}
    # A member who left holds nothing there any more
    ok(client.mutate("removeMember", {"trajectoryId": one.tid, "memberId": one.anna},
                     "... on MemberPayload { version }"), "MemberPayload")
    held = client.execute(query, {"n": name})["mandates"]
    assert [m["trajectory"]["id"] for m in held] == [two.tid]


def test_a_scoped_reader_sees_only_its_trajectories_everywhere(
        client: GraphQLClient, make_client: MakeClient) -> None:
    topic, name = word(), f"Anna {word()}"
    mine, theirs = Team(client, anna=name), Team(client, anna=name)
    for team in (mine, theirs):
        team.decide(f"Decided {topic}")
        surface(client, team.tid, team.domain, team.bob, f"Surfaced {topic}")
    reader = make_client("reader", [mine.tid])

    page = decisions(reader, search=topic)
    assert {edge["node"]["trajectoryId"] for edge in page["edges"]} == {mine.tid}
    assert page["totalCount"] == 2
    held = reader.execute("query($n: String!) { mandates(memberName: $n) { trajectory "
                          "{ id } } }", {"n": name})["mandates"]
    assert held == [{"trajectory": {"id": mine.tid}}]
    assert {node["trajectoryId"] for node in backlog(reader)} == {mine.tid}
    found = reader.execute("{ trajectories(first: 100) { totalCount edges { node { id } } } }")
    assert found["trajectories"]["totalCount"] == 1
    # A cursor naming a decision outside the scope names nothing
    other = next(e for e in decisions(client, search=topic)["edges"]
                 if e["node"]["trajectoryId"] == theirs.tid)
    response = reader.post(DECISIONS, {"search": topic, "after": other["cursor"]})
    assert_readable(response["errors"], "names no decision")


@pytest.mark.parametrize(("query", "fragment"), [
    ("{ decisions(first: 101) { totalCount } }", "first must be between 0 and 100"),
    ('{ decisions(after: "nonsense") { totalCount } }', "invalid cursor"),
    ('{ openImplicitDecisions(after: "dHJhamVjdG9yeTox") { totalCount } }',
     "does not belong to this list"),
    ('{ decisions(after: "ZGVjaXNpb25zOjk5OTk5OTk=") { totalCount } }', "names no decision"),
    ('{ decisions(decidedFrom: "2025-01-01T00:00:00") { totalCount } }', "UTC offset"),
    ('{ decisions(decidedFrom: "2025-02-01T00:00:00Z", decidedTo: "2025-01-01T00:00:00Z") '
     "{ totalCount } }", "decidedFrom must not be after decidedTo"),
    ('{ mandates(memberName: "  ") { right } }', "memberName must not be blank"),
    ("{ trajectories(first: -1) { totalCount } }", "first must be between"),
    ('{ decisions(order: SIDEWAYS) { totalCount } }', "SIDEWAYS"),
])
def test_bad_arguments_are_readable_errors(client: GraphQLClient, query: str,
                                           fragment: str) -> None:
    response = client.post(query)
    assert response.get("data") is None
    assert_readable(response["errors"], fragment)
