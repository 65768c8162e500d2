"""Who may do what: every mutation and every top-level query field, under every kind of
caller. A denied mutation is `NotAuthorized` and writes nothing; a denied read is null or
left out of lists; a missing, unknown or revoked token gets 401 for any GraphQL request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.e2e.client import GraphQLClient, Server
from tests.e2e.conftest import MakeClient
from tests.e2e.scenes import Scene, add_frames, make_phase_scene, make_scene, payload_of

Inputs = Callable[[Scene], dict[str, Any]]

# Callers: (role or None for no token, scoped to the scene's trajectory, revoked).
CALLERS: dict[str, tuple[str | None, bool, bool]] = {
    "no token": (None, False, False),
    "revoked facilitator": ("facilitator", False, True),
    "scoped reader": ("reader", True, False),
    "reader": ("reader", False, False),
    "scoped auditor": ("auditor", True, False),
    "auditor": ("auditor", False, False),
    "scoped facilitator": ("facilitator", True, False),
    "facilitator": ("facilitator", False, False),
}

# Every mutation, with an input that succeeds on a fresh scene.
MUTATIONS: dict[str, Inputs] = {
    "startTrajectory": lambda s: {"name": f"Started {uuid4().hex[:6]}"},
    "closeTrajectory": lambda s: {"trajectoryId": s["tid"], "reason": "done"},
    "addMember": lambda s: {"trajectoryId": s["tid"], "name": "New", "role": "HR lead",
                            "side": "CLIENT"},
    "changeMember": lambda s: {"trajectoryId": s["tid"], "memberId": s["other"],
                               "role": "sponsor"},
    "removeMember": lambda s: {"trajectoryId": s["tid"], "memberId": s["other"]},
    "defineDomain": lambda s: {"trajectoryId": s["tid"], "name": f"D {uuid4().hex[:6]}"},
    "retireDomain": lambda s: {"trajectoryId": s["tid"], "domainId": s["spare_domain"]},
    "grantRight": lambda s: {"trajectoryId": s["tid"], "domainId": s["domain"],
                             "memberId": s["other"], "right": "ADVISES"},
    "revokeRight": lambda s: {"trajectoryId": s["tid"], "rightId": s["right"]},
    "recordDecision": lambda s: {"trajectoryId": s["tid"], "domainId": s["domain"],
                                 "title": "T", "statement": "S", "decidedBy": [s["member"]]},
    "surfaceImplicitDecision": lambda s: {"trajectoryId": s["tid"], "domainId": s["domain"],
                                          "title": "T", "statement": "S",
                                          "surfacedBy": s["member"]},
    "ratifyDecision": lambda s: {"trajectoryId": s["tid"], "decisionId": s["surfaced"],
                                 "ratifiedBy": [s["member"]]},
    "rejectDecision": lambda s: {"trajectoryId": s["tid"], "decisionId": s["surfaced"],
                                 "rejectedBy": [s["member"]]},
    "withdrawDecision": lambda s: {"trajectoryId": s["tid"], "decisionId": s["decision"],
                                   "withdrawnBy": [s["member"]]},
    "definePhase": lambda s: {"trajectoryId": s["tid"], "name": f"P {uuid4().hex[:6]}"},
    "startPhase": lambda s: {"trajectoryId": s["tid"], "phaseId": s["phase"]},
    "retirePhase": lambda s: {"trajectoryId": s["tid"], "phaseId": s["spare_phase"]},
    "markInformed": lambda s: {"trajectoryId": s["tid"], "decisionId": s["decision"],
                               "memberIds": [s["other"]]},
    "reframeDecision": lambda s: {"trajectoryId": s["tid"], "decisionId": s["due"],
                                  "fromFrameId": s["frame"], "toFrameId": s["new_frame"],
                                  "reframedBy": [s["member"]]},
    "confirmDecision": lambda s: {"trajectoryId": s["tid"], "decisionId": s["up_for_review"],
                                  "confirmedBy": [s["member"]]},
    "scheduleReview": lambda s: {"trajectoryId": s["tid"], "decisionId": s["decision"],
                                 "reviewBy": "2031-01-01T00:00:00Z"},
    "recordOutcome": lambda s: {"trajectoryId": s["tid"], "decisionId": s["decision"],
                                "outcome": "It worked.", "verdict": "CONFIRMED"},
}

QUERY_FIELDS = {"trajectory", "trajectories", "verifyTrajectory", "auditLog", "decisions",
                "mandates", "openImplicitDecisions", "decisionsDueForReview",
                "decisionsUpForReview"}


def make_full_scene(client: GraphQLClient) -> Scene:
    """A scene with phases, frames and reviews too, for every mutation to act on."""
    return add_frames(client, make_phase_scene(client))


def snapshot(client: GraphQLClient, *tids: str) -> dict[str, Any]:
    """What the facilitator sees: the number of trajectories and the version of each of
    `tids` (a version is the number of the trajectory's events)."""
    fields = " ".join(f't{i}: trajectory(id: "{t}") {{ version }}' for i, t in enumerate(tids))
    return client.execute(f"{{ trajectories {{ totalCount }} {fields} }}")


def caller(make_client: MakeClient, name: str, scope: str) -> GraphQLClient:
    role, scoped, revoked = CALLERS[name]
    return make_client(role, [scope] if scoped else [], revoked=revoked)


def mutation_cases() -> list[tuple[str, str, str]]:
    """(mutation, caller, target) for every mutation and caller; scoped callers also
    aim at a trajectory outside their scope."""
    return [(mutation, who, target) for mutation in MUTATIONS for who in CALLERS
            for target in ("in scope", "out of scope")
            if target == "in scope" or (CALLERS[who][1] and mutation != "startTrajectory")]


def expected(name: str, mutation: str, in_scope: bool) -> str:
    role, scoped, revoked = CALLERS[name]
    if role is None or revoked:
        return "401"
    if role != "facilitator":
        return "denied"
    if scoped and (mutation == "startTrajectory" or not in_scope):
        return "denied"
    return "allowed"


@pytest.fixture(scope="module")
def shared(server: Server) -> tuple[Scene, Scene]:
    """Two scenes that denied calls must leave as they are: one in a scoped caller's
    scope, one outside it."""
    client = server.client(server.facilitator_token)
    return make_full_scene(client), make_full_scene(client)


@pytest.fixture(scope="module")
def callers(server: Server, shared: tuple[Scene, Scene]) -> dict[str, GraphQLClient]:
    """One client per kind of caller; scoped ones to the first shared scene."""
    made = {}
    for who, (role, scoped, revoked) in CALLERS.items():
        if role is None:
            made[who] = server.client()
            continue
        name = f"{who.replace(' ', '-')}-{uuid4().hex[:6]}"
        token = server.create_token(role, name=name,
                                    trajectories=[shared[0]["tid"]] if scoped else [])
        if revoked:
            server.revoke_token(name)
        made[who] = server.client(token)
    return made


def test_the_matrix_covers_every_mutation_and_query_field(client: GraphQLClient) -> None:
    schema = client.execute("{ __schema { queryType { fields { name } } "
                            "mutationType { fields { name } } } }")["__schema"]
    assert {f["name"] for f in schema["mutationType"]["fields"]} == set(MUTATIONS), \
        "a new mutation: add it to MUTATIONS here, and check it calls write_denied"
    assert {f["name"] for f in schema["queryType"]["fields"]} == QUERY_FIELDS, \
        "a new query field: scope it with decisionlog.api.permissions and test it here"


@pytest.mark.parametrize(("mutation", "who", "target"), mutation_cases())
def test_mutation_matrix(client: GraphQLClient, make_client: MakeClient,
                         shared: tuple[Scene, Scene], callers: dict[str, GraphQLClient],
                         mutation: str, who: str, target: str) -> None:
    outcome = expected(who, mutation, target == "in scope")
    home, away = shared
    if outcome == "allowed":  # on a fresh scene, in the caller's scope if it has one
        scene = make_full_scene(client)
        me = caller(make_client, who, scene["tid"])
    else:
        scene = home if target == "in scope" else away
        me = callers[who]
    before = snapshot(client, home["tid"], away["tid"], scene["tid"])

    response = me.http.post("/graphql", json={
        "query": f"mutation($input: {mutation[0].upper() + mutation[1:]}Input!) "
                 f"{{ {mutation}(input: $input) {{ __typename ... on NotAuthorized "
                 "{ message } } }",
        "variables": {"input": MUTATIONS[mutation](scene)}})

    if outcome == "401":
        assert response.status_code == 401, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    else:
        assert response.status_code == 200, response.text
        typename = response.json()["data"][mutation]["__typename"]
        if outcome == "allowed":
            assert typename.endswith("Payload"), response.text
            return
        assert typename == "NotAuthorized"
    assert snapshot(client, home["tid"], away["tid"], scene["tid"]) == before


@pytest.mark.parametrize("who", list(CALLERS))
def test_query_matrix(client: GraphQLClient, shared: tuple[Scene, Scene],
                      callers: dict[str, GraphQLClient], who: str) -> None:
    home, away = shared
    role, scoped, revoked = CALLERS[who]
    me = callers[who]
    one = "query($id: ID!) { trajectory(id: $id) { id version history { totalCount } } }"
    every = "{ trajectories(first: 100) { totalCount edges { node { id } } } }"

    responses = [me.http.post("/graphql", json={"query": one, "variables": {"id": t}})
                 for t in (home["tid"], away["tid"])]
    listing = me.http.post("/graphql", json={"query": every})

    if role is None or revoked:
        assert {r.status_code for r in [*responses, listing]} == {401}
        return
    seen = [r.json()["data"]["trajectory"] for r in responses]
    assert seen[0] is not None and seen[0]["id"] == home["tid"]
    assert (seen[1] is None) == scoped
    page = listing.json()["data"]["trajectories"]
    ids = [edge["node"]["id"] for edge in page["edges"]]
    if scoped:
        assert ids == [home["tid"]] and page["totalCount"] == 1
    else:
        assert {home["tid"], away["tid"]} <= set(ids)
        assert page["totalCount"] == client.execute(every)["trajectories"]["totalCount"]


@pytest.mark.parametrize("who", list(CALLERS))
def test_audit_matrix(shared: tuple[Scene, Scene], callers: dict[str, GraphQLClient],
                      who: str) -> None:
    home, away = shared
    role, scoped, revoked = CALLERS[who]
    me = callers[who]
    check = "query($id: ID!) { verifyTrajectory(id: $id) { trajectoryId ok } }"
    log = ("query($id: ID) { auditLog(first: 100, trajectoryId: $id) "
           "{ edges { node { trajectoryId } } } }")

    responses = [me.http.post("/graphql", json={"query": query, "variables": {"id": t}})
                 for query in (check, log) for t in (home["tid"], away["tid"])]

    if role is None or revoked:
        assert {r.status_code for r in responses} == {401}
        return
    bodies = [r.json() for r in responses]
    if role == "reader":  # integrity checks and the audit log are not for readers
        assert all(b["errors"] and not any((b["data"] or {}).values()) for b in bodies)
        assert all("auditors and facilitators" in b["errors"][0]["message"] for b in bodies)
        return
    verified = [b["data"]["verifyTrajectory"] for b in bodies[:2]]
    logged = [{e["node"]["trajectoryId"] for e in b["data"]["auditLog"]["edges"]}
              for b in bodies[2:]]
    assert verified[0] == {"trajectoryId": home["tid"], "ok": True}
    assert logged[0] == {home["tid"]}
    if scoped:  # the other trajectory is as if it did not exist
        assert verified[1] is None and logged[1] == set()
    else:
        assert verified[1] == {"trajectoryId": away["tid"], "ok": True}
        assert logged[1] == {away["tid"]}


# The lists across trajectories: each names the trajectory of every row it gives.
READ_MODEL_LISTS = {
    "decisions": ("query($after: String) { decisions(first: 100, after: $after) { totalCount "
                  "edges { node { trajectoryId } } pageInfo { hasNextPage endCursor } } }"),
    "openImplicitDecisions": (
        "query($after: String) { openImplicitDecisions(first: 100, after: $after) { "
        "totalCount edges { node { trajectoryId } } pageInfo { hasNextPage endCursor } } }"),
    "mandates": '{ mandates(memberName: "member") { trajectory { id } } }',
    "decisionsDueForReview": (
        'query($after: String) { decisionsDueForReview(before: "2100-01-01T00:00:00Z", '
        "first: 100, after: $after) { totalCount edges { node { trajectoryId } } pageInfo "
        "{ hasNextPage endCursor } } }"),
    "decisionsUpForReview": (
        "query($after: String) { decisionsUpForReview(first: 100, after: $after) { "
        "totalCount edges { node { trajectoryId } } pageInfo { hasNextPage endCursor } } }"),
}


def listed(client: GraphQLClient, field: str) -> tuple[list[str], int]:
    """The trajectory ids of every row of a list (all pages), and its total."""
    if field == "mandates":
        rows = client.execute(READ_MODEL_LISTS[field])[field]
        return [row["trajectory"]["id"] for row in rows], len(rows)
    ids: list[str] = []
    after = None
    while True:
        page = client.execute(READ_MODEL_LISTS[field], {"after": after})[field]
        ids += [edge["node"]["trajectoryId"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("field", list(READ_MODEL_LISTS))
@pytest.mark.parametrize("who", list(CALLERS))
def test_read_model_list_matrix(client: GraphQLClient, shared: tuple[Scene, Scene],
                                callers: dict[str, GraphQLClient], who: str,
                                field: str) -> None:
    home, away = shared
    role, scoped, revoked = CALLERS[who]
    me = callers[who]

    if role is None or revoked:
        response = me.http.post("/graphql", json={"query": READ_MODEL_LISTS[field]})
        assert response.status_code == 401
        return
    ids, total = listed(me, field)
    assert total == len(ids)
    if scoped:  # every page and total counts only the scoped trajectory
        assert set(ids) == {home["tid"]}
    else:
        assert {home["tid"], away["tid"]} <= set(ids)
        assert total == listed(client, field)[1]


def test_a_scoped_list_pages_within_its_scope(client: GraphQLClient,
                                              make_client: MakeClient) -> None:
    mine = [make_scene(client)["tid"] for _ in range(3)]
    reader = make_client("reader", mine)
    seen: list[str] = []
    after = None
    while True:
        page = reader.execute("query($after: String) { trajectories(first: 2, after: $after) "
                              "{ totalCount edges { node { id } } pageInfo { hasNextPage "
                              "endCursor } } }", {"after": after})["trajectories"]
        assert page["totalCount"] == 3
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == mine  # in the order they were started


def test_recorded_by_is_the_token_name(server: Server, make_client: MakeClient) -> None:
    name = f"ines-{uuid4().hex[:6]}"
    me = server.client(server.create_token("facilitator", name=name))
    tid = payload_of(me, "startTrajectory", {"name": "Mine"}, "trajectory")
    spoof = me.post("mutation($id: ID!) { defineDomain(input: {trajectoryId: $id, name: "
                    '"D", recordedBy: "someone else"}) { __typename } }', {"id": tid})
    assert spoof["errors"], "recordedBy is not an input"
    payload_of(me, "defineDomain", {"trajectoryId": tid, "name": "D"}, "domain")

    events = me.execute("query($id: ID!) { trajectory(id: $id) { history { edges { node "
                        "{ recordedBy } } } } }", {"id": tid})["trajectory"]["history"]
    assert [e["node"]["recordedBy"] for e in events["edges"]] == [name, name]


def test_without_a_token_only_health_and_graphiql_answer(server: Server) -> None:
    assert httpx.get(f"{server.url}/health").status_code == 200
    page = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    via_get = httpx.get(f"{server.url}/graphql", params={"query": "{ trajectories "
                                                                  "{ totalCount } }"})
    assert via_get.status_code == 401
    for header in ("Bearer", "Bearer nonsense", "Basic dXNlcjpwdw==", "dl_x"):
        response = httpx.post(f"{server.url}/graphql", headers={"Authorization": header},
                              json={"query": "{ __typename }"})
        assert response.status_code == 401
        assert "invalid_token" in response.headers["www-authenticate"]
