"""Requests that are not well-formed over HTTP: malformed GraphQL, wrong types and enum
values, unknown trajectories, bad text when starting. Each gets a readable error with no
stack trace and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from decisionlog.domain.values import MAX_NAME_LENGTH, MAX_TEXT_LENGTH
from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import add_member, assert_readable, define_domain, start, stream

Scene = dict[str, str]
NAME, TEXT = "n" * (MAX_NAME_LENGTH + 1), "t" * (MAX_TEXT_LENGTH + 1)


@pytest.fixture(scope="module")
def built(server: Server) -> dict[str, Scene]:
    """What the tests record once, per server (one per backend)."""
    return {}


@pytest.fixture
def shared_scene(client: GraphQLClient, built: dict[str, Scene]) -> Scene:
    """One small trajectory, built by the first test that asks, for the tests that only
    send it bad requests (each checks that nothing was written)."""
    if "scene" not in built:
        tid = start(client)
        built["scene"] = {"tid": tid, "ana": add_member(client, tid, "Ana", "HR lead"),
                          "design": define_domain(client, tid, "Programme design")}
    return built["scene"]


def decide(s: Scene, **fields: Any) -> dict[str, Any]:
    return {"domainId": s["design"], "title": "T", "statement": "S", "decidedBy": [s["ana"]],
            **fields}


ADD_MEMBER = "mutation($input: AddMemberInput!) { addMember(input: $input) { __typename } }"
MALFORMED: dict[str, tuple[str, Callable[[Scene], dict[str, Any]], str]] = {
    "syntax error": ("mutation($input: AddMemberInput!) { addMember(input: $input) {",
                     lambda s: {}, "Syntax Error"),
    "unknown mutation": ('mutation { deleteTrajectory(id: "x") { id } }', lambda s: {},
                         "deleteTrajectory"),
    "unknown field": ("mutation($input: AddMemberInput!) { addMember(input: $input) "
                      "{ ... on MemberPayload { secret } } }",
                      lambda s: {"name": "N", "role": "r", "side": "CLIENT"}, "secret"),
    "missing field": (ADD_MEMBER, lambda s: {"name": "N", "side": "CLIENT"}, "role"),
    "null for a required field": (ADD_MEMBER, lambda s: {"name": None, "role": "r",
                                                         "side": "CLIENT"}, "name"),
    "wrong enum value": (ADD_MEMBER, lambda s: {"name": "N", "role": "r", "side": "BOTH"},
                         "BOTH"),
    "wrong enum literal": ('mutation($t: ID!) { addMember(input: {trajectoryId: $t, '
                           'name: "N", role: "r", side: BOTH}) { __typename } }',
                           lambda s: {}, "BOTH"),
    "wrong right kind": ("mutation($input: GrantRightInput!) { grantRight(input: $input) "
                         "{ __typename } }",
                         lambda s: {"domainId": s["design"], "right": "VETOES", "role": "r"},
                         "VETOES"),
    "text for a number": (ADD_MEMBER, lambda s: {"name": "N", "role": "r", "side": "CLIENT",
                                                 "expectedVersion": "three"},
                          "expectedVersion"),
    "not a date-time": ("mutation($input: RecordDecisionInput!) { recordDecision("
                        "input: $input) { __typename } }",
                        lambda s: decide(s, decidedAt="last Tuesday"), "decidedAt"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_request_is_a_readable_graphql_error_and_writes_nothing(
        client: GraphQLClient, shared_scene: Scene, case: str) -> None:
    query, fields, fragment = MALFORMED[case]
    tid = shared_scene["tid"]
    before = stream(client, tid)
    body = client.post(query, {"t": tid,
                               "input": {"trajectoryId": tid, **fields(shared_scene)}})
    assert body.get("data") is None
    assert_readable(body["errors"], fragment)
    assert stream(client, tid) == before


def test_a_body_that_is_not_json_is_a_client_error(client: GraphQLClient) -> None:
    response = client.http.post("/graphql", content=b"{not json",
                                headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.text


@pytest.mark.parametrize("trajectory_id", [str(uuid4()), "not-a-trajectory-id", ""])
def test_a_command_on_an_unknown_trajectory_is_not_found(
        client: GraphQLClient, trajectory_id: str) -> None:
    result = client.mutate("addMember", {"trajectoryId": trajectory_id, "name": "N",
                                         "role": "r", "side": "CLIENT"})
    assert result == {"__typename": "NotFound", "message": result["message"],
                      "kind": "trajectory", "id": trajectory_id}
    assert client.execute("query($id: ID!) { trajectory(id: $id) { id } }",
                          {"id": trajectory_id}) == {"trajectory": None}


def count_trajectories(client: GraphQLClient) -> int:
    total: int = client.execute("{ trajectories { totalCount } }")["trajectories"]["totalCount"]
    return total


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": ""}, "name"), ({"name": "  "}, "name"), ({"name": NAME}, "name"),
    ({"name": "N", "client": NAME}, "client"),
    ({"name": "N", "description": TEXT}, "description"),
])
def test_starting_with_bad_text_is_a_validation_error_and_starts_nothing(
        client: GraphQLClient, fields: dict[str, str], field: str) -> None:
    before = count_trajectories(client)
    result = client.mutate("startTrajectory", fields)
    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert count_trajectories(client) == before
