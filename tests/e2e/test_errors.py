"""Bad input over HTTP: every kind of mistake gets a clear error, typed where the contract
says so, and leaves the trajectory's stream exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from decisionlog.domain.values import (
    MAX_LIST_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_TEXT_LENGTH,
)
from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import (
    DECISION,
    DOMAIN,
    MEMBER,
    add_member,
    define_domain,
    grant,
    moment,
    ok,
    record,
    start,
    stream,
    surface,
)

Scene = dict[str, str]
NAME, TEXT, NOTE = "n" * (MAX_NAME_LENGTH + 1), "t" * (MAX_TEXT_LENGTH + 1), "r" * (
    MAX_NOTE_LENGTH + 1)
NAIVE = "2024-03-01T10:00:00"


def build_scene(client: GraphQLClient) -> Scene:
    """A trajectory holding one of everything a bad command could name."""
    s: Scene = {"tid": start(client)}
    tid = s["tid"]
    s["ana"] = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    s["gone"] = add_member(client, tid, "Gone", "HR lead")
    s["design"] = define_domain(client, tid, "Programme design")
    s["old"] = define_domain(client, tid, "Old domain")
    s["right"] = grant(client, tid, s["design"], "DECIDES", member_id=s["ana"])
    s["revoked"] = grant(client, tid, s["design"], "ADVISES", role="HR lead")
    s["decision"] = record(client, tid, s["design"], [s["ana"]], "Kick-off")
    s["surfaced"] = surface(client, tid, s["design"], s["ana"], "no homework")
    s["withdrawn"] = record(client, tid, s["design"], [s["ana"]], "Pilot")
    for name, fields, selection in [
        ("withdrawDecision", {"decisionId": s["withdrawn"], "withdrawnBy": [s["ana"]]},
         DECISION),
        ("revokeRight", {"rightId": s["revoked"]}, "... on RightPayload { version }"),
        ("removeMember", {"memberId": s["gone"]}, MEMBER),
        ("retireDomain", {"domainId": s["old"]}, DOMAIN),
    ]:
        assert "version" in client.mutate(name, {"trajectoryId": tid, **fields}, selection)
    return s


@pytest.fixture
def scene(client: GraphQLClient) -> Scene:
    """A scene of its own, for a test that changes it."""
    return build_scene(client)


@pytest.fixture(scope="module")
def built(server: Server) -> dict[str, Scene]:
    """What the tests record once, per server (one per backend)."""
    return {}


@pytest.fixture
def shared_scene(client: GraphQLClient, built: dict[str, Scene]) -> Scene:
    """One scene, built by the first test that asks, for the tests that only read it
    (each of them checks that it wrote nothing)."""
    if "scene" not in built:
        built["scene"] = build_scene(client)
    return built["scene"]


def decide(s: Scene, **fields: Any) -> dict[str, Any]:
    return {"domainId": s["design"], "title": "T", "statement": "S", "decidedBy": [s["ana"]],
            **fields}


def sur(s: Scene, **fields: Any) -> dict[str, Any]:
    return {"domainId": s["design"], "title": "T", "statement": "S", "surfacedBy": s["ana"],
            **fields}


def invalid(field: str) -> dict[str, str]:
    return {"__typename": "ValidationError", "field": field}


def missing(kind: str, id: str) -> dict[str, str]:
    return {"__typename": "NotFound", "kind": kind, "id": id}


def broken(code: str) -> dict[str, str]:
    return {"__typename": "RuleViolation", "code": code}


def member(**fields: Any) -> Callable[[Scene], dict[str, Any]]:
    return lambda s: {"name": "N", "role": "r", "side": "CLIENT", **fields}


def right(**fields: Any) -> Callable[[Scene], dict[str, Any]]:
    return lambda s: {"domainId": s["design"], "right": "ADVISES", **{
        k: s.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}}


CASES = [
    # Empty, blank and oversize text, naive or future moments: a ValidationError naming
    # the field.
    ("empty member name", "addMember", member(name=""), invalid("name")),
    ("blank role", "addMember", member(role="   "), invalid("role")),
    ("oversize member name", "addMember", member(name=NAME), invalid("name")),
    ("blank domain name", "defineDomain", lambda s: {"name": " \t"}, invalid("name")),
    ("oversize description", "defineDomain", lambda s: {"name": "D", "description": TEXT},
     invalid("description")),
    ("empty title", "recordDecision", lambda s: decide(s, title=""), invalid("title")),
    ("blank statement", "recordDecision", lambda s: decide(s, statement="  "),
     invalid("statement")),
    ("oversize statement", "recordDecision", lambda s: decide(s, statement=TEXT),
     invalid("statement")),
    ("oversize rationale", "recordDecision", lambda s: decide(s, rationale=TEXT),
     invalid("rationale")),
    ("empty option", "recordDecision", lambda s: decide(s, optionsConsidered=["A", ""]),
     invalid("optionsConsidered")),
    ("too many options", "recordDecision", lambda s: decide(
        s, optionsConsidered=[f"o{n}" for n in range(MAX_LIST_LENGTH + 1)]),
     invalid("optionsConsidered")),
    ("nobody decided", "recordDecision", lambda s: decide(s, decidedBy=[]),
     invalid("decidedBy")),
    ("empty decider id", "recordDecision", lambda s: decide(s, decidedBy=[""]),
     invalid("decidedBy")),
    ("decider twice", "recordDecision", lambda s: decide(s, decidedBy=[s["ana"], s["ana"]]),
     invalid("decidedBy")),
    ("naive decidedAt", "recordDecision", lambda s: decide(s, decidedAt=NAIVE),
     invalid("decidedAt")),
    ("future decidedAt", "recordDecision", lambda s: decide(s, decidedAt=moment(days=1)),
     invalid("decidedAt")),
    ("naive since", "surfaceImplicitDecision", lambda s: sur(s, since=NAIVE), invalid("since")),
    ("future since", "surfaceImplicitDecision", lambda s: sur(s, since=moment(days=2)),
     invalid("since")),
    ("oversize evidence", "surfaceImplicitDecision", lambda s: sur(s, evidence=TEXT),
     invalid("evidence")),
    ("naive effectiveFrom", "grantRight", right(role="HR lead", effectiveFrom=NAIVE),
     invalid("effectiveFrom")),
    ("oversize condition", "grantRight", right(role="HR lead", condition=NOTE),
     invalid("condition")),
    ("member and role", "grantRight", right(memberId="ana", role="HR lead"),
     invalid("memberId")),
    ("neither member nor role", "grantRight", right(), invalid("memberId")),
    ("change nothing", "changeMember", lambda s: {"memberId": s["ana"]}, invalid("role")),
    ("oversize reason", "closeTrajectory", lambda s: {"reason": NOTE}, invalid("reason")),
    ("nobody ratified", "ratifyDecision", lambda s: {"decisionId": s["surfaced"],
                                                     "ratifiedBy": []}, invalid("ratifiedBy")),
    # Unknown ids: NotFound with the kind and the id.
    ("unknown member", "changeMember", lambda s: {"memberId": "m-404", "role": "x"},
     missing("member", "m-404")),
    ("unknown decider", "recordDecision", lambda s: decide(s, decidedBy=["m-404"]),
     missing("member", "m-404")),
    ("unknown domain", "recordDecision", lambda s: decide(s, domainId="d-404"),
     missing("decision domain", "d-404")),
    ("unknown domain of a right", "grantRight", right(domainId="d-404", memberId="ana"),
     missing("decision domain", "d-404")),
    ("unknown superseded", "recordDecision", lambda s: decide(s, supersedes=["x-404"]),
     missing("decision", "x-404")),
    ("unknown decision", "ratifyDecision", lambda s: {"decisionId": "x-404",
                                                      "ratifiedBy": [s["ana"]]},
     missing("decision", "x-404")),
    ("unknown right", "revokeRight", lambda s: {"rightId": "r-404"},
     missing("decision right", "r-404")),
    # Broken rules: RuleViolation with a stable code.
    ("ratify an explicit decision", "ratifyDecision", lambda s: {
        "decisionId": s["decision"], "ratifiedBy": [s["ana"]]},
     broken("DECISION_NOT_SURFACED")),
    ("reject an explicit decision", "rejectDecision", lambda s: {
        "decisionId": s["decision"], "rejectedBy": [s["ana"]]},
     broken("DECISION_NOT_SURFACED")),
    ("supersede a withdrawn decision", "recordDecision",
     lambda s: decide(s, supersedes=[s["withdrawn"]]), broken("DECISION_NOT_IN_FORCE")),
    ("supersede a surfaced decision", "recordDecision",
     lambda s: decide(s, supersedes=[s["surfaced"]]), broken("DECISION_NOT_IN_FORCE")),
    ("withdraw twice", "withdrawDecision", lambda s: {
        "decisionId": s["withdrawn"], "withdrawnBy": [s["ana"]]},
     broken("DECISION_NOT_WITHDRAWABLE")),
    ("former member decides", "recordDecision", lambda s: decide(s, decidedBy=[s["gone"]]),
     broken("MEMBER_NOT_ACTIVE")),
    ("right for a former member", "grantRight", right(memberId="gone"),
     broken("MEMBER_NOT_ACTIVE")),
    ("decide on a retired domain", "recordDecision", lambda s: decide(s, domainId=s["old"]),
     broken("DOMAIN_RETIRED")),
    ("duplicate domain name", "defineDomain", lambda s: {"name": "programme DESIGN"},
     broken("DUPLICATE_DOMAIN_NAME")),
    ("duplicate right", "grantRight", right(right="DECIDES", memberId="ana"),
     broken("DUPLICATE_RIGHT")),
    ("revoke twice", "revokeRight", lambda s: {"rightId": s["revoked"]},
     broken("RIGHT_NOT_IN_FORCE")),
    ("stale expected version", "defineDomain", lambda s: {"name": "D", "expectedVersion": 1},
     {"__typename": "VersionConflict", "expectedVersion": 1, "actualVersion": 14}),
]


@pytest.mark.parametrize(("name", "fields", "expected"),
                         [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_a_bad_command_gets_a_typed_error_and_writes_nothing(
        client: GraphQLClient, shared_scene: Scene, name: str,
        fields: Callable[[Scene], dict[str, Any]], expected: dict[str, Any]) -> None:
    tid = shared_scene["tid"]
    before = stream(client, tid)
    result = client.mutate(name, {"trajectoryId": tid, **fields(shared_scene)})
    assert {k: result.get(k) for k in expected} == expected, result
    assert result["message"].strip() and "Traceback" not in result["message"]
    assert stream(client, tid) == before


def test_a_trajectory_takes_changes_after_refused_ones(
        client: GraphQLClient, scene: Scene) -> None:
    tid = scene["tid"]
    version = stream(client, tid)[0]
    for name, fields, expected in [case[1:] for case in CASES[::5] + CASES[-1:]]:
        result = client.mutate(name, {"trajectoryId": tid, **fields(scene)})
        assert result["__typename"] == expected["__typename"], result
        assert client.execute("query($id: ID!) { trajectory(id: $id) { version } }",
                              {"id": tid})["trajectory"]["version"] == version
    good = client.mutate("defineDomain", {"trajectoryId": tid, "name": "After"}, DOMAIN)
    assert ok(good, "DomainPayload")["version"] == version + 1


def test_a_reader_may_not_record_changes(make_client: Any, client: GraphQLClient,
                                         shared_scene: Scene) -> None:
    tid = shared_scene["tid"]
    before = stream(client, tid)
    other = start(client)
    for caller in (make_client("reader"), make_client("facilitator", [other])):
        result = caller.mutate("defineDomain", {"trajectoryId": tid, "name": "Budget"})
        assert result["__typename"] == "NotAuthorized", result
        assert result["message"].strip()
    assert stream(client, tid) == before


def test_text_at_the_maximum_length_is_accepted(client: GraphQLClient, scene: Scene) -> None:
    longest = "x" * MAX_NAME_LENGTH
    add_member(client, scene["tid"], longest, longest)
    decision = record(client, scene["tid"], scene["design"], [scene["ana"]], longest,
                      statement="s" * MAX_TEXT_LENGTH, rationale="r" * MAX_TEXT_LENGTH,
                      optionsConsidered=["o" * MAX_NOTE_LENGTH] * MAX_LIST_LENGTH)
    stored = client.execute("query($t: ID!, $d: ID!) { trajectory(id: $t) { decision(id: $d) "
                            "{ title statement optionsConsidered } } }",
                            {"t": scene["tid"], "d": decision})["trajectory"]["decision"]
    assert (len(stored["title"]), len(stored["statement"])) == (MAX_NAME_LENGTH,
                                                                MAX_TEXT_LENGTH)
    assert len(stored["optionsConsidered"]) == MAX_LIST_LENGTH


def test_every_change_to_a_closed_trajectory_is_refused(
        client: GraphQLClient, scene: Scene) -> None:
    tid, s = scene["tid"], scene
    ok(client.mutate("closeTrajectory", {"trajectoryId": tid}, "... on TrajectoryPayload "
                     "{ trajectory { status } }"), "TrajectoryPayload")
    before = stream(client, tid)
    commands: list[tuple[str, dict[str, Any]]] = [
        ("closeTrajectory", {}),
        ("addMember", {"name": "N", "role": "r", "side": "CLIENT"}),
        ("changeMember", {"memberId": s["ana"], "role": "x"}),
        ("removeMember", {"memberId": s["ana"]}),
        ("defineDomain", {"name": "New"}),
        ("retireDomain", {"domainId": s["design"]}),
        ("grantRight", {"domainId": s["design"], "right": "INFORMED", "role": "x"}),
        ("revokeRight", {"rightId": s["right"]}),
        ("recordDecision", decide(s)),
        ("surfaceImplicitDecision", sur(s)),
        ("ratifyDecision", {"decisionId": s["surfaced"], "ratifiedBy": [s["ana"]]}),
        ("rejectDecision", {"decisionId": s["surfaced"], "rejectedBy": [s["ana"]]}),
        ("withdrawDecision", {"decisionId": s["decision"], "withdrawnBy": [s["ana"]]}),
    ]
    for name, fields in commands:
        result = client.mutate(name, {"trajectoryId": tid, **fields})
        assert (result["__typename"], result.get("code")) == (
            "RuleViolation", "TRAJECTORY_CLOSED"), (name, result)
    assert stream(client, tid) == before
    status = client.execute("query($id: ID!) { trajectory(id: $id) { status } }", {"id": tid})
    assert status["trajectory"]["status"] == "CLOSED"
