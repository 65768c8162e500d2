"""The whole story over HTTP: a merger programme's design team, its domains and rights,
explicit and implicit decisions, revisions, gaps and decisions taken outside a mandate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import (
    DECISION,
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
    surface,
    unique,
)

Story = dict[str, Any]


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


@pytest.fixture(scope="module")
def built(server: Server) -> dict[str, Story]:
    """What the tests record once, per server (one per backend)."""
    return {}


@pytest.fixture
def story(client: GraphQLClient, built: dict[str, Story]) -> Story:
    """The story, recorded once by the first test that asks; the tests only read it."""
    if "story" not in built:
        built["story"] = record_story(client)
    return built["story"]


def record_story(client: GraphQLClient) -> Story:
    """Record the story on a fresh trajectory; returns every id, by a short name."""
    s: Story = {}
    s["tid"] = tid = start(client, unique("Leadership programme after the merger"),
                           client="Merged housing corporation")
    # The design team: core and specialists, client and provider side.
    s["ines"] = add_member(client, tid, "Ines de Vries", "client sponsor", "CLIENT", "CORE")
    s["henk"] = add_member(client, tid, "Henk Bakker", "HR lead", "CLIENT", "CORE")
    s["sara"] = add_member(client, tid, "Sara Jansen", "programme manager", "PROVIDER", "CORE")
    s["tom"] = add_member(client, tid, "Tom Visser", "learning facilitator", "PROVIDER",
                          "SPECIALIST")
    s["yara"] = add_member(client, tid, "Yara El Amrani", "team lead", "CLIENT", "SPECIALIST")
    ok(client.mutate("changeMember", {"trajectoryId": tid, "memberId": s["tom"],
                                      "membership": "CORE"}, MEMBER), "MemberPayload")
    # About what: the decision domains.
    for key, name in [("design", "Programme design"), ("selection", "Participant selection"),
                      ("budget", "Budget"), ("unity", "Unity and difference"),
                      ("process", "Process design"), ("works", "Works council relations"),
                      ("band", "Gideon's band")]:
        s[key] = define_domain(client, tid, name)
    # Who decides what: rights to members and to roles.
    s["r_design"] = grant(client, tid, s["design"], "DECIDES", member_id=s["sara"])
    s["r_advise"] = grant(client, tid, s["design"], "ADVISES", member_id=s["tom"],
                          condition="during the design phase")
    s["r_selection"] = grant(client, tid, s["selection"], "DECIDES", role="HR lead")
    s["r_budget"] = grant(client, tid, s["budget"], "DECIDES", member_id=s["ines"],
                          condition="above 10k euro")
    s["r_informed"] = grant(client, tid, s["budget"], "INFORMED", member_id=s["henk"])
    s["r_revoked"] = grant(client, tid, s["budget"], "INFORMED", member_id=s["tom"])
    s["r_unity"] = grant(client, tid, s["unity"], "DECIDES", member_id=s["yara"])
    s["r_works"] = grant(client, tid, s["works"], "DECIDES", role="works council chair")
    s["r_band"] = grant(client, tid, s["band"], "DECIDES", member_id=s["sara"])
    ok(client.mutate("revokeRight", {"trajectoryId": tid, "rightId": s["r_revoked"],
                                     "reason": "not needed"}, "__typename"), "RightPayload")
    # Explicit decisions, a frame among them.
    s["frame"] = record(client, tid, s["design"], [s["sara"], s["ines"]],
                        "Freedom within bounds", kind="FRAME", scale="LARGE",
                        consulted=[s["tom"]], rationale="Long lines first.",
                        optionsConsidered=["Fixed curriculum", "Fully emergent"])
    s["kickoff"] = record(client, tid, s["design"], [s["sara"]], "Two-day kick-off")
    s["kickoff3"] = record(client, tid, s["design"], [s["sara"]], "Three-day kick-off",
                           supersedes=[s["kickoff"]])
    s["pilot"] = record(client, tid, s["design"], [s["sara"]], "Pilot with one unit")
    ok(client.mutate("withdrawDecision", {"trajectoryId": tid, "decisionId": s["pilot"],
                                          "withdrawnBy": [s["sara"]]}, DECISION),
       "DecisionPayload")
    s["by_role"] = record(client, tid, s["selection"], [s["henk"]], "Managers nominate")
    s["keep_two"] = record(client, tid, s["unity"], [s["yara"]], "Keep two site cultures")
    # Out of mandate: a decider without DECIDES, and a decision backdated before a grant.
    s["tom_budget"] = record(client, tid, s["budget"], [s["tom"]], "Hire an actor")
    s["backdated"] = record(client, tid, s["design"], [s["sara"]], "Drop the e-learning",
                            decidedAt=moment(days=-30))
    # Implicit decisions: surfaced, then ratified or rejected (or still pending).
    s["ratified"] = surface(client, tid, s["selection"], s["tom"],
                            "we stopped inviting the works council", since=moment(days=-60))
    ok(client.mutate("ratifyDecision", {"trajectoryId": tid, "decisionId": s["ratified"],
                                        "ratifiedBy": [s["henk"]]}, DECISION),
       "DecisionPayload")
    s["ratified_out"] = surface(client, tid, s["budget"], s["henk"], "catering is local")
    ok(client.mutate("ratifyDecision", {"trajectoryId": tid, "decisionId": s["ratified_out"],
                                        "ratifiedBy": [s["tom"]]}, DECISION),
       "DecisionPayload")
    s["rejected"] = surface(client, tid, s["design"], s["ines"],
                            "the new facilitator does only the front end")
    ok(client.mutate("rejectDecision", {"trajectoryId": tid, "decisionId": s["rejected"],
                                        "rejectedBy": [s["sara"]]}, DECISION),
       "DecisionPayload")
    s["pending"] = surface(client, tid, s["unity"], s["henk"], "one logo for both")
    # Yara, the only decider on unity, leaves; the Gideon's band domain is retired.
    ok(client.mutate("removeMember", {"trajectoryId": tid, "memberId": s["yara"]}, MEMBER),
       "MemberPayload")
    ok(client.mutate("retireDomain", {"trajectoryId": tid, "domainId": s["band"]},
                     "__typename"), "DomainPayload")
    # start, team, domains, rights, explicit decisions, out of mandate, implicit, leaving
    s["events"] = 1 + 6 + 7 + 10 + 7 + 2 + 7 + 2
    return s


def test_every_change_appends_exactly_one_event(client: GraphQLClient, story: Story) -> None:
    now = state(client, story["tid"])
    assert now is not None and now["version"] == story["events"]
    events = history(client, story["tid"])
    assert [e["version"] for e in events] == list(range(1, story["events"] + 1))
    assert events[0]["type"] == "TrajectoryStarted"
    assert events[-1]["type"] == "DomainRetired"
    assert all(e["recordedBy"] and e["summary"] for e in events)


def test_members_lists_the_current_team_and_former_members_on_request(
        client: GraphQLClient, story: Story) -> None:
    now = state(client, story["tid"])
    assert now is not None
    assert ids(now["current"]) == {story[k] for k in ("ines", "henk", "sara", "tom")}
    everyone = {m["id"]: m for m in now["members"]}
    assert set(everyone) == {story[k] for k in ("ines", "henk", "sara", "tom", "yara")}
    assert everyone[story["yara"]]["active"] is False
    assert everyone[story["tom"]] == {
        "id": story["tom"], "name": "Tom Visser", "role": "learning facilitator",
        "side": "PROVIDER", "membership": "CORE", "active": True}
    assert everyone[story["ines"]]["side"] == "CLIENT"


def test_domains_lists_retired_domains_as_inactive(client: GraphQLClient, story: Story) -> None:
    now = state(client, story["tid"])
    assert now is not None
    active = {d["id"]: d["active"] for d in now["domains"]}
    assert len(active) == 7
    assert active[story["band"]] is False
    assert [k for k in ("design", "selection", "budget", "unity", "process", "works")
            if not active[story[k]]] == []


def test_decision_rights_lists_rights_in_force_and_all_on_request(
        client: GraphQLClient, story: Story) -> None:
    now = state(client, story["tid"])
    assert now is not None
    ended = {story["r_revoked"], story["r_unity"]}  # revoked; ended with its member
    all_rights = {r["id"]: r for r in now["decisionRights"]}
    assert len(all_rights) == 9
    assert ids(now["rights"]) == set(all_rights) - ended
    assert {i for i, r in all_rights.items() if not r["inForce"]} == ended
    assert all_rights[story["r_selection"]]["holder"] == {"__typename": "Role",
                                                          "name": "HR lead"}
    assert all_rights[story["r_budget"]]["holder"] == {"__typename": "Member",
                                                       "id": story["ines"]}
    assert all_rights[story["r_budget"]]["condition"] == "above 10k euro"


def test_who_decides_what_has_a_row_per_active_domain_by_kind(
        client: GraphQLClient, story: Story) -> None:
    now = state(client, story["tid"])
    assert now is not None
    rows = {row["domain"]["id"]: row for row in now["whoDecidesWhat"]}
    assert set(rows) == {story[k] for k in ("design", "selection", "budget", "unity",
                                            "process", "works")}
    design, budget = rows[story["design"]], rows[story["budget"]]
    assert ids(design["decides"]) == {story["r_design"]}
    assert ids(design["advises"]) == {story["r_advise"]}
    assert ids(budget["decides"]) == {story["r_budget"]}
    assert ids(budget["informed"]) == {story["r_informed"]}
    assert ids(rows[story["selection"]]["decides"]) == {story["r_selection"]}
    assert rows[story["unity"]]["decides"] == []


def test_gaps_are_active_domains_no_active_member_can_decide(
        client: GraphQLClient, story: Story) -> None:
    now = state(client, story["tid"])
    assert now is not None
    # process: no right at all; unity: its only decider left; works: nobody has the role.
    assert ids(now["gaps"]) == {story["process"], story["unity"], story["works"]}
    before_yara_left = state(client, story["tid"], {"version": story["events"] - 2})
    assert before_yara_left is not None
    assert ids(before_yara_left["gaps"]) == {story["process"], story["works"]}


def test_changing_the_only_role_holders_role_opens_a_gap(client: GraphQLClient) -> None:
    tid = start(client)
    henk = add_member(client, tid, "Henk", "HR lead")
    domain = define_domain(client, tid, "Participant selection")
    grant(client, tid, domain, "DECIDES", role="HR lead")
    assert state(client, tid)["gaps"] == []  # type: ignore[index]
    ok(client.mutate("changeMember", {"trajectoryId": tid, "memberId": henk,
                                      "role": "line manager"}, MEMBER), "MemberPayload")
    assert ids(state(client, tid)["gaps"]) == {domain}  # type: ignore[index]


def test_out_of_mandate_lists_decisions_taken_without_a_deciding_right(
        client: GraphQLClient, story: Story) -> None:
    now = state(client, story["tid"])
    assert now is not None
    # Tom holds no DECIDES on budget; the backdated one predates Sara's grant; the
    # ratified one is judged by its ratifier (Tom). A role right counts (by_role), a
    # decider who left later still decided within mandate (keep_two).
    expected = {story["tom_budget"], story["backdated"], story["ratified_out"]}
    assert ids(now["outOfMandate"]) == expected
    within = {d["node"]["id"]: d["node"]["withinMandate"] for d in now["decisions"]["edges"]}
    for key in ("frame", "kickoff3", "by_role", "keep_two", "ratified"):
        assert within[story[key]] is True, key
    assert {i for i, w in within.items() if w is False} >= expected


def test_superseding_and_withdrawing_end_a_decision_and_keep_it(
        client: GraphQLClient, story: Story) -> None:
    now = state(client, story["tid"])
    assert now is not None
    decisions = {d["node"]["id"]: d["node"] for d in now["decisions"]["edges"]}
    old, new = decisions[story["kickoff"]], decisions[story["kickoff3"]]
    assert (old["status"], new["status"]) == ("SUPERSEDED", "IN_FORCE")
    assert old["supersededBy"] == [{"id": story["kickoff3"]}]
    assert new["supersedes"] == [{"id": story["kickoff"]}]
    assert decisions[story["pilot"]]["status"] == "WITHDRAWN"


def test_implicit_decisions_are_ratified_rejected_or_await(
        client: GraphQLClient, story: Story) -> None:
    now = state(client, story["tid"])
    assert now is not None
    decisions = {d["node"]["id"]: d["node"] for d in now["decisions"]["edges"]}
    status = {k: decisions[story[k]]["status"] for k in ("ratified", "rejected", "pending")}
    assert status == {"ratified": "IN_FORCE", "rejected": "REJECTED",
                      "pending": "PROPOSED_IMPLICIT"}
    assert {decisions[story[k]]["origin"] for k in status} == {"IMPLICIT"}
    assert decisions[story["ratified"]]["decidedBy"] == [{"id": story["henk"]}]
    assert decisions[story["frame"]]["origin"] == "EXPLICIT"


def test_decision_by_id_gives_its_fields_and_null_for_an_unknown_id(
        client: GraphQLClient, story: Story) -> None:
    query = """query($t: ID!, $d: ID!) { trajectory(id: $t) { decision(id: $d) {
        id title kind scale statement rationale optionsConsidered origin status
        domain { id name } decidedBy { name } consulted { name } decidedAt withinMandate } } }"""
    frame = client.execute(query, {"t": story["tid"], "d": story["frame"]})
    decided_at = frame["trajectory"]["decision"].pop("decidedAt")
    assert datetime.fromisoformat(decided_at).utcoffset() is not None
    assert frame["trajectory"]["decision"] == {
        "id": story["frame"], "title": "Freedom within bounds", "kind": "FRAME",
        "scale": "LARGE", "statement": "We decided: Freedom within bounds.",
        "rationale": "Long lines first.",
        "optionsConsidered": ["Fixed curriculum", "Fully emergent"], "origin": "EXPLICIT",
        "status": "IN_FORCE", "domain": {"id": story["design"], "name": "Programme design"},
        "decidedBy": [{"name": "Sara Jansen"}, {"name": "Ines de Vries"}],
        "consulted": [{"name": "Tom Visser"}], "withinMandate": True}
    unknown = client.execute(query, {"t": story["tid"], "d": "no-such-decision"})
    assert unknown["trajectory"]["decision"] is None


DECISIONS = """query($t: ID!, $status: DecisionStatus, $domain: ID, $first: Int, $after: String) {
  trajectory(id: $t) { decisions(status: $status, domainId: $domain, first: $first,
                                 after: $after) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }"""


def pages(client: GraphQLClient, tid: str, first: int, **filters: Any) -> list[str]:
    """Every decision id matching `filters`, read `first` at a time."""
    found: list[str] = []
    after = None
    total = None
    while True:
        page = client.execute(DECISIONS, {"t": tid, "first": first, "after": after,
                                          **filters})["trajectory"]["decisions"]
        assert total is None or page["totalCount"] == total
        total = page["totalCount"]
        assert len(page["edges"]) <= first
        found += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert len(found) == total
            return found
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]


def test_decisions_filter_by_status_and_domain(client: GraphQLClient, story: Story) -> None:
    tid = story["tid"]

    def keys(found: list[str]) -> set[str]:
        return {k for k, v in story.items() if v in found}

    assert keys(pages(client, tid, 100, status="IN_FORCE")) == {
        "frame", "kickoff3", "by_role", "keep_two", "tom_budget", "backdated", "ratified",
        "ratified_out"}
    assert keys(pages(client, tid, 100, status="SUPERSEDED")) == {"kickoff"}
    assert keys(pages(client, tid, 100, status="WITHDRAWN")) == {"pilot"}
    assert keys(pages(client, tid, 100, status="REJECTED")) == {"rejected"}
    assert keys(pages(client, tid, 100, domain=story["design"])) == {
        "frame", "kickoff", "kickoff3", "pilot", "backdated", "rejected"}
    assert keys(pages(client, tid, 100, status="IN_FORCE", domain=story["design"])) == {
        "frame", "kickoff3", "backdated"}


def test_decisions_pages_through_every_decision_once_in_order(
        client: GraphQLClient, story: Story) -> None:
    everything = pages(client, story["tid"], 100)
    order = ["frame", "kickoff", "kickoff3", "pilot", "by_role", "keep_two", "tom_budget",
             "backdated", "ratified", "ratified_out", "rejected", "pending"]
    assert everything == [story[k] for k in order]
    for first in (1, 5):
        assert pages(client, story["tid"], first) == everything
    assert pages(client, story["tid"], 3, status="IN_FORCE") == \
        pages(client, story["tid"], 100, status="IN_FORCE")
