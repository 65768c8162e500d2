"""Retries over HTTP: idempotency keys and expected versions. A repeat returns the first
result and writes nothing; a stale expected version is refused and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.client import GraphQLClient
from tests.e2e.helpers import (
    DECISION,
    DOMAIN,
    MEMBER,
    RIGHT,
    add_member,
    define_domain,
    moment,
    ok,
    record,
    start,
    stream,
    surface,
    unique,
)

Team = dict[str, str]


@pytest.fixture
def team(client: GraphQLClient) -> Team:
    tid = start(client)
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    design = define_domain(client, tid, "Programme design")
    return {"tid": tid, "ana": ana, "design": design,
            "decision": record(client, tid, design, [ana], "Kick-off"),
            "surfaced": surface(client, tid, design, ana, "no homework"),
            "due": record(client, tid, design, [ana], "Revisit", decidedAt=moment(-2),
                          reviewBy=moment(-1))}


# name, input, selection, payload type
COMMANDS: dict[str, tuple[str, Callable[[Team], dict[str, Any]], str, str]] = {
    "addMember": ("addMember", lambda t: {"name": "Bo", "role": "HR lead", "side": "CLIENT"},
                  MEMBER, "MemberPayload"),
    "defineDomain": ("defineDomain", lambda t: {"name": "Budget"}, DOMAIN, "DomainPayload"),
    "grantRight": ("grantRight", lambda t: {"domainId": t["design"], "right": "DECIDES",
                                            "memberId": t["ana"], "condition": "always"},
                   RIGHT, "RightPayload"),
    "recordDecision": ("recordDecision", lambda t: {
        "domainId": t["design"], "title": "Three days", "statement": "Three days.",
        "decidedBy": [t["ana"]], "supersedes": [t["decision"]]},
        DECISION, "DecisionPayload"),
    "surfaceImplicitDecision": ("surfaceImplicitDecision", lambda t: {
        "domainId": t["design"], "title": "T", "statement": "S", "surfacedBy": t["ana"]},
        DECISION, "DecisionPayload"),
    "ratifyDecision": ("ratifyDecision", lambda t: {"decisionId": t["surfaced"],
                                                    "ratifiedBy": [t["ana"]]},
                       DECISION, "DecisionPayload"),
    "withdrawDecision": ("withdrawDecision", lambda t: {"decisionId": t["decision"],
                                                        "withdrawnBy": [t["ana"]]},
                         DECISION, "DecisionPayload"),
    "recordOutcome": ("recordOutcome", lambda t: {"decisionId": t["decision"],
                                                  "outcome": "Fine.", "verdict": "ADJUST"},
                      "... on OutcomePayload { version outcome { id } decision { id } }",
                      "OutcomePayload"),
    "scheduleReview": ("scheduleReview", lambda t: {"decisionId": t["decision"],
                                                    "reviewBy": moment(30)},
                       DECISION, "DecisionPayload"),
    "confirmDecision": ("confirmDecision", lambda t: {"decisionId": t["due"],
                                                      "confirmedBy": [t["ana"]]},
                        DECISION, "DecisionPayload"),
    "closeTrajectory": ("closeTrajectory", lambda t: {"reason": "done"},
                        "... on TrajectoryPayload { version trajectory { id } }",
                        "TrajectoryPayload"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_repeat_with_the_same_key_returns_the_first_result_and_writes_nothing(
        client: GraphQLClient, team: Team, command: str) -> None:
    name, fields, selection, typename = COMMANDS[command]
    tid = team["tid"]
    request = {"trajectoryId": tid, "idempotencyKey": "retry-1", **fields(team)}
    first = ok(client.mutate(name, request, selection), typename)
    after_first = stream(client, tid)
    assert first["version"] == after_first[0] == len(after_first[1])
    # The client did not see the answer and sends the same request again, twice.
    for _ in range(2):
        again = ok(client.mutate(name, request, selection), typename)
        assert again == first
    assert stream(client, tid) == after_first


def test_a_repeat_after_later_changes_still_returns_the_first_result(
        client: GraphQLClient, team: Team) -> None:
    tid = team["tid"]
    request = {"trajectoryId": tid, "idempotencyKey": "bo", "name": "Bo", "role": "HR lead",
               "side": "CLIENT"}
    first = ok(client.mutate("addMember", request, MEMBER), "MemberPayload")
    define_domain(client, tid, "Budget")
    define_domain(client, tid, "Selection")
    before = stream(client, tid)
    again = ok(client.mutate("addMember", request, MEMBER), "MemberPayload")
    assert again == first and again["version"] == before[0] - 2
    assert stream(client, tid) == before


def test_a_repeat_is_recognised_even_when_the_command_could_not_run_again(
        client: GraphQLClient, team: Team) -> None:
    tid = team["tid"]
    request = {"trajectoryId": tid, "idempotencyKey": "withdraw", "decisionId": team["decision"],
               "withdrawnBy": [team["ana"]]}
    first = ok(client.mutate("withdrawDecision", request, DECISION), "DecisionPayload")
    before = stream(client, tid)
    assert client.mutate("withdrawDecision", request, DECISION) == first
    unkeyed = client.mutate("withdrawDecision", {**request, "idempotencyKey": None})
    assert unkeyed["code"] == "DECISION_NOT_WITHDRAWABLE"
    assert stream(client, tid) == before


@pytest.mark.parametrize("change", [
    lambda r: {**r, "name": "Bo Jansen"},          # another value
    lambda r: {**r, "membership": "SPECIALIST"},  # a field left at its default the first time
])
def test_the_same_key_with_another_input_is_refused_and_writes_nothing(
        client: GraphQLClient, team: Team, change: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    tid = team["tid"]
    request = {"trajectoryId": tid, "idempotencyKey": "k", "name": "Bo", "role": "HR lead",
               "side": "CLIENT"}
    ok(client.mutate("addMember", request, MEMBER), "MemberPayload")
    before = stream(client, tid)
    result = client.mutate("addMember", change(request), MEMBER)
    assert (result["__typename"], result["code"]) == ("RuleViolation", "IDEMPOTENCY_KEY_REUSED")
    assert stream(client, tid) == before


def test_the_same_key_on_another_command_is_refused(client: GraphQLClient, team: Team) -> None:
    tid = team["tid"]
    ok(client.mutate("defineDomain", {"trajectoryId": tid, "idempotencyKey": "k",
                                      "name": "Budget"}, DOMAIN), "DomainPayload")
    before = stream(client, tid)
    result = client.mutate("addMember", {"trajectoryId": tid, "idempotencyKey": "k",
                                         "name": "Budget", "role": "r", "side": "CLIENT"})
    assert result["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert stream(client, tid) == before


def test_keys_are_scoped_to_the_trajectory(client: GraphQLClient, team: Team) -> None:
    other = start(client)
    for tid in (team["tid"], other):
        before = stream(client, tid)[0]
        result = client.mutate("defineDomain", {"trajectoryId": tid, "idempotencyKey": "same",
                                                "name": "Budget"}, DOMAIN)
        assert ok(result, "DomainPayload")["version"] == before + 1


def test_a_key_whose_command_failed_is_not_used_up(client: GraphQLClient, team: Team) -> None:
    tid = team["tid"]
    bad = client.mutate("defineDomain", {"trajectoryId": tid, "idempotencyKey": "k",
                                         "name": "  "})
    assert bad["__typename"] == "ValidationError"
    before = stream(client, tid)[0]
    good = client.mutate("defineDomain", {"trajectoryId": tid, "idempotencyKey": "k",
                                          "name": "Budget"}, DOMAIN)
    assert ok(good, "DomainPayload")["version"] == before + 1


def count_trajectories(client: GraphQLClient) -> int:
    total: int = client.execute("{ trajectories { totalCount } }")["trajectories"]["totalCount"]
    return total


def test_starting_twice_with_the_same_key_starts_one_trajectory(client: GraphQLClient) -> None:
    request = {"name": unique("Merger programme"), "client": "Housing corporation",
               "idempotencyKey": unique("start")}
    selection = "... on TrajectoryPayload { version trajectory { id name version } }"
    first = ok(client.mutate("startTrajectory", request, selection), "TrajectoryPayload")
    count = count_trajectories(client)
    assert client.mutate("startTrajectory", request, selection) == first
    assert first["version"] == first["trajectory"]["version"] == 1
    assert count_trajectories(client) == count
    history = stream(client, first["trajectory"]["id"])
    assert history[0] == 1 and len(history[1]) == 1
    reused = client.mutate("startTrajectory", {**request, "client": "Another client"})
    assert (reused["__typename"], reused["code"]) == ("RuleViolation", "IDEMPOTENCY_KEY_REUSED")
    assert count_trajectories(client) == count


def test_start_keys_are_scoped_to_the_caller(make_client: Callable[..., GraphQLClient]
                                             ) -> None:
    request = {"name": unique("Merger programme"), "idempotencyKey": "start"}
    selection = "... on TrajectoryPayload { trajectory { id } }"
    first, second = make_client("facilitator"), make_client("facilitator")
    mine = ok(first.mutate("startTrajectory", request, selection), "TrajectoryPayload")
    theirs = ok(second.mutate("startTrajectory", request, selection), "TrajectoryPayload")
    assert mine["trajectory"]["id"] != theirs["trajectory"]["id"]
    assert first.mutate("startTrajectory", request, selection) == mine
    assert second.mutate("startTrajectory", request, selection) == theirs


def test_the_right_expected_version_is_accepted(client: GraphQLClient, team: Team) -> None:
    tid = team["tid"]
    version = stream(client, tid)[0]
    result = client.mutate("defineDomain", {"trajectoryId": tid, "expectedVersion": version,
                                            "name": "Budget"}, DOMAIN)
    assert ok(result, "DomainPayload")["version"] == version + 1


@pytest.mark.parametrize("offset", [-1, -3, 1])
def test_a_wrong_expected_version_is_a_conflict_and_writes_nothing(
        client: GraphQLClient, team: Team, offset: int) -> None:
    tid = team["tid"]
    before = stream(client, tid)
    expected = before[0] + offset
    result = client.mutate("defineDomain", {"trajectoryId": tid, "expectedVersion": expected,
                                            "name": "Budget"}, DOMAIN)
    assert result == {"__typename": "VersionConflict", "message": result["message"],
                      "expectedVersion": expected, "actualVersion": before[0]}
    assert str(expected) in result["message"]
    assert stream(client, tid) == before


def test_of_two_writers_at_the_same_version_the_second_gets_a_conflict(
        client: GraphQLClient, team: Team) -> None:
    tid = team["tid"]
    seen = stream(client, tid)[0]  # both writers read the trajectory at this version
    first = client.mutate("addMember", {"trajectoryId": tid, "expectedVersion": seen,
                                        "name": "Bo", "role": "r", "side": "CLIENT"}, MEMBER)
    assert ok(first, "MemberPayload")["version"] == seen + 1
    after_first = stream(client, tid)
    second = client.mutate("addMember", {"trajectoryId": tid, "expectedVersion": seen,
                                         "name": "Cas", "role": "r", "side": "CLIENT"}, MEMBER)
    assert (second["__typename"], second["actualVersion"]) == ("VersionConflict", seen + 1)
    assert stream(client, tid) == after_first


def test_a_retry_with_key_and_expected_version_returns_the_first_result(
        client: GraphQLClient, team: Team) -> None:
    tid = team["tid"]
    version = stream(client, tid)[0]
    request = {"trajectoryId": tid, "expectedVersion": version, "idempotencyKey": "once",
               "name": "Budget"}
    first = ok(client.mutate("defineDomain", request, DOMAIN), "DomainPayload")
    before = stream(client, tid)
    # The expected version is stale now, but this is the same request again.
    assert client.mutate("defineDomain", request, DOMAIN) == first
    assert stream(client, tid) == before
