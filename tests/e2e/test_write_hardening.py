"""Writes against the real server (SQLite and PostgreSQL): a value storage would refuse
fails only its own mutation in a concurrent burst; each payload shows the trajectory
right after its own change; look-alike names are refused, and found by `mandates`."""

from __future__ import annotations

from typing import Any

from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import add_member, define_domain, ok, start
from tests.e2e.test_concurrent_writes import all_at_once

PAYLOAD = ("... on DecisionPayload { version decision { title } "
           "trajectory { version history(first: 100) { totalCount } } }")
BAD_FIELDS: list[tuple[str, dict[str, Any]]] = [
    ("decidedAt", {"decidedAt": "0001-01-01T00:30:00+01:00"}),
    ("title", {"title": "NUL \u0000 in the title"}),
    ("optionsConsidered", {"optionsConsidered": ["fine", "NUL \u0000"]}),
    ("rationale", {"rationale": "NUL \u0000 here"}),
]


def test_a_bad_value_in_a_burst_fails_only_its_own_mutation(
        client: GraphQLClient, server: Server) -> None:
    tid = start(client)
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    design = define_domain(client, tid, "Programme design")

    def call(c: GraphQLClient, i: int) -> dict[str, Any]:
        fields: dict[str, Any] = {"title": f"Decision {i}"}
        if i % 4 == 1:
            fields.update(BAD_FIELDS[(i // 4) % len(BAD_FIELDS)][1])
        return c.mutate("recordDecision", {
            "trajectoryId": tid, "domainId": design, "statement": "We decided.",
            "decidedBy": [ana], **fields}, PAYLOAD)

    answers = all_at_once(server, 16, call)

    stored = [a for i, a in enumerate(answers) if i % 4 != 1]
    refused = [a for i, a in enumerate(answers) if i % 4 == 1]
    assert all(a["__typename"] == "DecisionPayload" for a in stored), stored
    assert [a["__typename"] for a in refused] == ["ValidationError"] * 4
    assert [a["field"] for a in refused] == [field for field, _ in BAD_FIELDS]
    assert sorted(a["version"] for a in stored) == list(range(4, 16))
    for answer in stored:  # each payload: the trajectory right after its own change
        assert answer["trajectory"]["version"] == answer["version"]
        assert answer["trajectory"]["history"]["totalCount"] == answer["version"]
    version = client.execute("query ($id: ID!) { trajectory(id: $id) { version } }",
                             {"id": tid})["trajectory"]["version"]
    assert version == 15


def test_a_look_alike_name_is_refused_and_mandates_match_look_alikes(
        client: GraphQLClient) -> None:
    tid = start(client)
    anna = add_member(client, tid, "Anna", "HR lead")
    budget = define_domain(client, tid, "Budget")
    refused = client.mutate("defineDomain", {"trajectoryId": tid, "name": "Вudget"})
    assert refused["__typename"] == "RuleViolation"
    assert refused["code"] == "CONFUSABLE_NAME" and "'Budget'" in refused["message"]
    invisible = client.mutate("addMember", {"trajectoryId": tid, "name": "An\u200bna",
                                            "role": "x", "side": "CLIENT"})
    assert (invisible["__typename"], invisible["field"]) == ("ValidationError", "name")
    ok(client.mutate("grantRight", {"trajectoryId": tid, "domainId": budget,
                                    "memberId": anna, "right": "DECIDES"},
                     "... on RightPayload { version }"), "RightPayload")
    mandates = client.execute('{ mandates(memberName: "Аnna") { domain { name } } }')
    assert {"domain": {"name": "Budget"}} in mandates["mandates"]
