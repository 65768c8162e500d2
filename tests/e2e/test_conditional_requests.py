"""ETags and conditional GETs, for every root field a query may read: a change that
affects the answer changes its tag at once, a change elsewhere does not, and tokens of
other scopes never share one. Changes are made by another process on the same store (a
second application: another worker, as far as the server can tell), on SQLite and on
PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain.values import RightKind, Side, Verdict
from decisionlog.infrastructure.config import parse_database_url
from tests.e2e.client import Server
from tests.e2e.conftest import MakeClient
from tests.e2e.scenes import Scene, make_scene

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


@dataclass
class Answer:
    status: int
    etag: str | None
    cache_control: str | None
    body: dict[str, Any] | None


class Conditional:
    """GETs and POSTs of one token, with the headers conditional requests use."""

    def __init__(self, server: Server, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=server.url, headers=headers, timeout=30,
                                 verify=False)

    def get(self, query: str, variables: dict[str, Any] | None = None, *,
            if_none_match: str | bytes | None = None, accept: str | None = None) -> Answer:
        headers: dict[str, str | bytes] = {k: v for k, v in (
            ("If-None-Match", if_none_match), ("Accept", accept)) if v is not None}
        params = {"query": query, "variables": json.dumps(variables or {})}
        return _answer(self.http.get("/graphql", params=params, headers=headers))

    def post(self, query: str, variables: dict[str, Any] | None = None, *,
             if_none_match: str | None = None) -> Answer:
        headers = {"If-None-Match": if_none_match} if if_none_match else {}
        return _answer(self.http.post("/graphql", headers=headers,
                                      json={"query": query, "variables": variables or {}}))


def _answer(response: httpx.Response) -> Answer:
    assert response.status_code < 500, response.text
    body = response.json() if response.content else None
    if body is not None:
        assert not body.get("errors"), body
    return Answer(response.status_code, response.headers.get("etag"),
                  response.headers.get("cache-control"), body)


@pytest.fixture
def writer(server: Server) -> Iterator[DecisionLog]:
    """The test's own application on the server's store: its writes are another
    process's commits, as a second worker's would be."""
    log = DecisionLog(env=parse_database_url(server.database_url).env)
    yield log
    log.close()


@pytest.fixture
def scenes(server: Server) -> tuple[Scene, Scene]:
    client = server.client(server.facilitator_token)
    return make_scene(client), make_scene(client)


def _record(log: DecisionLog, scene: Scene, title: str = "Changed elsewhere") -> None:
    log.handle(c.RecordDecision(trajectory_id=scene["tid"], domain_id=scene["domain"],
                                title=title, statement="We decided.",
                                decided_by=(scene["member"],)), recorded_by="test")


def _grant(log: DecisionLog, scene: Scene) -> None:
    log.handle(c.GrantRight(trajectory_id=scene["tid"], domain_id=scene["spare_domain"],
                            right=RightKind.ADVISES, member_id=scene["member"]),
               recorded_by="test")


def _surface(log: DecisionLog, scene: Scene) -> None:
    log.handle(c.SurfaceImplicitDecision(trajectory_id=scene["tid"],
                                         domain_id=scene["domain"], title="Late starts",
                                         statement="Sessions start late.",
                                         surfaced_by=scene["other"]), recorded_by="test")


def _schedule(log: DecisionLog, scene: Scene) -> None:
    log.handle(c.ScheduleReview(trajectory_id=scene["tid"], decision_id=scene["decision"],
                                review_by=datetime.now(UTC) + timedelta(days=30)),
               recorded_by="test")


def _adjust(log: DecisionLog, scene: Scene) -> None:
    log.handle(c.RecordOutcome(trajectory_id=scene["tid"], decision_id=scene["decision"],
                               outcome="It did not work.", verdict=Verdict.ADJUST),
               recorded_by="test")


def _add_member(log: DecisionLog, scene: Scene) -> None:
    log.handle(c.AddMember(trajectory_id=scene["tid"], name="Newcomer", role="designer",
                           side=Side.CLIENT), recorded_by="test")


FUTURE = (datetime.now(UTC) + timedelta(days=365)).isoformat()
TRAJECTORY = "query T($id: ID!) { trajectory(id: $id) { version name decisions { " \
             "totalCount } whoDecidesWhat { domain { name } } } }"
# Every root field a tagged answer may read, with the change to its own trajectory that
# changes the answer. (auditLog and verifyTrajectory are never tagged: see below.)
CASES: dict[str, tuple[str, Callable[[Scene], dict[str, Any]],
                       Callable[[DecisionLog, Scene], None]]] = {
    "trajectory": (TRAJECTORY, lambda s: {"id": s["tid"]}, _record),
    "trajectory asOf a version to come": (
        "query T($id: ID!) { trajectory(id: $id, asOf: {version: 50}) { version members "
        "{ name } } }", lambda s: {"id": s["tid"]}, _add_member),
    "trajectory asOf a moment to come": (
        "query T($id: ID!, $at: DateTime!) { trajectory(id: $id, asOf: {at: $at}) { "
        "version } }", lambda s: {"id": s["tid"], "at": FUTURE}, _record),
    "trajectories": (
        "query L($name: String!) { trajectories(first: 5, search: $name) { totalCount "
        "edges { node { id version } } } }", lambda s: {"name": s["name"]}, _record),
    "decisions": (
        "query D($id: ID!) { decisions(first: 50) { totalCount edges { node { title "
        "trajectoryId } } } trajectory(id: $id) { id } }", lambda s: {"id": s["tid"]},
        _record),
    "mandates": (
        "query M { mandates(memberName: \"member\") { trajectory { id } domain { name } "
        "right } }", lambda s: {}, _grant),
    "openImplicitDecisions": (
        "query O { openImplicitDecisions(first: 50) { totalCount edges { node { title } "
        "} } }", lambda s: {}, _surface),
    "decisionsDueForReview": (
        "query R($before: DateTime!) { decisionsDueForReview(before: $before) { "
        "totalCount edges { node { title reviewBy } } } }",
        lambda s: {"before": FUTURE}, _schedule),
    "decisionsUpForReview": (
        "query U { decisionsUpForReview(first: 50) { totalCount edges { node { title "
        "upForReview } } } }", lambda s: {}, _adjust),
    "a trajectory's attention at a moment": (
        "query A($id: ID!, $at: DateTime!) { trajectory(id: $id) { attention(at: $at) { "
        "kind } } }", lambda s: {"id": s["tid"], "at": FUTURE}, _schedule),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_change_to_what_an_answer_read_changes_its_tag(
        case: str, server: Server, scenes: tuple[Scene, Scene], writer: DecisionLog,
        make_client: MakeClient) -> None:
    query, variables_of, change = CASES[case]
    mine, other = scenes
    mine["name"] = _name(server, mine["tid"])
    variables = variables_of(mine)
    # A reader scoped to `mine`: a change to `other` is outside everything it sees
    scoped = Conditional(server, make_client("reader", [mine["tid"]]).token)

    first = scoped.get(query, variables)
    assert first.status == 200 and first.etag and first.cache_control == "private, no-cache"
    assert scoped.get(query, variables, if_none_match=first.etag).status == 304

    # A change to another trajectory, committed by another process: still 304
    change(writer, other)
    assert scoped.get(query, variables, if_none_match=first.etag).status == 304

    # A change to what it read: the very next request sees it
    change(writer, mine)
    after = scoped.get(query, variables, if_none_match=first.etag)
    assert after.status == 200 and after.etag not in (None, first.etag)
    assert after.body != first.body
    assert scoped.get(query, variables, if_none_match=after.etag).status == 304


def test_unscoped_lists_follow_every_trajectory(server: Server, scenes: tuple[Scene, Scene],
                                                writer: DecisionLog) -> None:
    reader = Conditional(server, server.facilitator_token)
    listing = "{ decisions(first: 100) { totalCount } }"
    first = reader.get(listing)
    assert reader.get(listing, if_none_match=first.etag).status == 304
    _record(writer, scenes[1])  # any trajectory is in an unscoped token's lists
    after = reader.get(listing, if_none_match=first.etag)
    assert after.status == 200 and after.etag != first.etag


def test_tokens_of_other_scopes_or_roles_never_share_a_tag(
        server: Server, scenes: tuple[Scene, Scene], make_client: MakeClient) -> None:
    mine = scenes[0]["tid"]
    tokens = {
        "unscoped reader": make_client("reader").token,
        "scoped reader": make_client("reader", [mine]).token,
        "reader scoped wider": make_client("reader", [mine, scenes[1]["tid"]]).token,
        "auditor": make_client("auditor").token,
        "facilitator": server.facilitator_token,
    }
    for query, variables in ((TRAJECTORY, {"id": mine}),
                             ("{ trajectories(first: 1) { edges { node { id } } } }", {})):
        tags = {name: Conditional(server, token).get(query, variables).etag
                for name, token in tokens.items()}
        assert None not in tags.values()
        assert len(set(tags.values())) == len(tags), tags


def test_post_answers_carry_the_tag_and_are_always_sent_in_full(
        server: Server, scenes: tuple[Scene, Scene]) -> None:
    client = Conditional(server, server.facilitator_token)
    variables = {"id": scenes[0]["tid"]}
    first = client.post(TRAJECTORY, variables)
    again = client.post(TRAJECTORY, variables, if_none_match=first.etag)
    assert again.status == 200 and again.etag == first.etag and again.body == first.body
    assert client.get(TRAJECTORY, variables).etag == first.etag  # GET and POST alike


def test_each_media_type_has_its_own_tag(server: Server, scenes: tuple[Scene, Scene]) -> None:
    client = Conditional(server, server.facilitator_token)
    variables = {"id": scenes[0]["tid"]}
    plain = client.get(TRAJECTORY, variables)
    spec = client.get(TRAJECTORY, variables, accept=GRAPHQL_RESPONSE_JSON)
    assert plain.etag != spec.etag and plain.body == spec.body
    assert client.get(TRAJECTORY, variables, accept=GRAPHQL_RESPONSE_JSON,
                      if_none_match=plain.etag).status == 200
    assert client.get(TRAJECTORY, variables, accept=GRAPHQL_RESPONSE_JSON,
                      if_none_match=spec.etag).status == 304


def test_if_none_match_lists_weak_tags_star_and_junk(server: Server,
                                                     scenes: tuple[Scene, Scene]) -> None:
    client = Conditional(server, server.facilitator_token)
    variables = {"id": scenes[0]["tid"]}
    tag = client.get(TRAJECTORY, variables).etag
    assert tag is not None
    for matching in (f'"other", {tag}', f"W/{tag}", "*"):
        assert client.get(TRAJECTORY, variables, if_none_match=matching).status == 304
    junks: list[str | bytes] = ["junk", '"', ",,,", tag[1:-1], "W/", "x" * 4000,
                                "\u00e9\u00e9".encode("latin-1")]
    for junk in junks:
        answer = client.get(TRAJECTORY, variables, if_none_match=junk)
        assert answer.status == 200 and answer.etag == tag


def test_answers_that_depend_on_the_clock_are_not_tagged(
        server: Server, scenes: tuple[Scene, Scene]) -> None:
    client = Conditional(server, server.facilitator_token)
    by_the_clock = "query A($id: ID!) { trajectory(id: $id) { attention { kind } } }"
    for answer in (client.get(by_the_clock, {"id": scenes[0]["tid"]}),
                   client.post(by_the_clock, {"id": scenes[0]["tid"]})):
        assert answer.status == 200 and answer.etag is None
        assert answer.cache_control == "no-store"
    assert client.get(by_the_clock, {"id": scenes[0]["tid"]},
                      if_none_match="*").status == 200


def test_what_cannot_be_tagged_is_marked_no_store(server: Server,
                                                  scenes: tuple[Scene, Scene]) -> None:
    client = Conditional(server, server.facilitator_token)
    tid = scenes[0]["tid"]
    untagged = [
        ("query V($id: ID!) { verifyTrajectory(id: $id) { ok } }", {"id": tid}),
        ("{ auditLog(first: 3) { edges { node { version } } } }", {}),
        ("query M($id: ID!) { trajectory(id: $id) { name } auditLog(first: 1) { "
         "pageInfo { hasNextPage } } }", {"id": tid}),
    ]
    for query, variables in untagged:
        for answer in (client.get(query, variables), client.post(query, variables)):
            assert answer.status == 200 and answer.etag is None
            assert answer.cache_control == "no-store"
    mutation = client.post("mutation S { startTrajectory(input: {name: \"Untagged\"}) { "
                           "__typename } }")
    assert mutation.etag is None and mutation.cache_control == "no-store"
    failing = client.http.get("/graphql", params={"query": "{ trajectory(id: 1) { nope } }"})
    assert "etag" not in failing.headers


def test_a_restarted_server_recognises_its_tags(server: Server,
                                               scenes: tuple[Scene, Scene]) -> None:
    client = Conditional(server, server.facilitator_token)
    variables = {"id": scenes[0]["tid"]}
    tag = client.get(TRAJECTORY, variables).etag
    server.stop()
    server.start()
    # Nothing kept: it runs the query, finds the same tag, and sends no body
    client = Conditional(server, server.facilitator_token)
    assert client.get(TRAJECTORY, variables, if_none_match=tag).status == 304


def _name(server: Server, tid: str) -> str:
    data = server.client(server.facilitator_token).execute(
        "query($id: ID!) { trajectory(id: $id) { name } }", {"id": tid})
    return str(data["trajectory"]["name"])
