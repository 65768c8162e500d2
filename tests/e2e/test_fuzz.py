"""Schemathesis against the GraphQL schema of a running server: a bounded number of
generated operations per query field and mutation, each answered without a 5xx and
without an unexpected exception's text; afterwards every trajectory still loads and
every hash chain verifies."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from decisionlog.api.schema import schema_sdl
from decisionlog.audit.reader import open_reader
from decisionlog.audit.verify import verify
from decisionlog.infrastructure.config import parse_database_url
from tests.e2e.client import GraphQLClient, Server
from tests.e2e.scenes import make_scene

EXAMPLES_PER_OPERATION = 30
# What the text of an unexpected Python exception looks like in a message (the names of
# the database modules only as module paths: a message may quote a generated "sqlite").
EXCEPTION_TEXT = re.compile(r"Traceback|File \"|Error\(|\b(Key|Attribute|Type|Index|Assertion|"
                            r"Runtime|Integrity|Operational|Programming)Error\b|"
                            r"\bsqlite3\.|\bpsycopg\.")

pytestmark = pytest.mark.timeout(120)


# Ids of real things, for generated ids to hit often (filled by `fuzzed_server`, read at
# the first draw, after the fixture ran): a trajectory's id a third of the time.
TRAJECTORY_IDS: list[str] = []
KNOWN_IDS: list[str] = []
schemathesis.graphql.scalar("ID", st.one_of(
    st.deferred(lambda: st.sampled_from(TRAJECTORY_IDS)),
    st.deferred(lambda: st.sampled_from(KNOWN_IDS)),
    st.text(max_size=40),
).map(nodes.String))


@pytest.fixture(scope="module")
def fuzzed_server(server: Server) -> Server:
    """The module's server, with three scenes for the generated ids to hit or miss."""
    client = server.client(server.facilitator_token)
    for _ in range(3):
        scene = make_scene(client)
        TRAJECTORY_IDS.append(scene["tid"])
        KNOWN_IDS.extend(scene.values())
    return server


# The schema the code builds (the server answers it; schemathesis.pytest.from_fixture,
# the lazy way to load it from the running server, fails on pytest 9: node._nodeid).
schema = schemathesis.graphql.from_file(schema_sdl())


def check_answer(status: int, body: Any, text: str) -> None:
    assert status < 500, text
    if status >= 400:  # refused before execution: a short reason, nothing more
        assert not EXCEPTION_TEXT.search(text), text
        return
    for error in body.get("errors") or []:
        assert (error.get("extensions") or {}).get("code") != "INTERNAL_ERROR", \
            f"an unexpected exception (see the server log): {error}"
        assert not EXCEPTION_TEXT.search(error["message"]), error


def call(case: Any, server: Server) -> None:
    response = case.call(base_url=f"{server.url}/graphql",
                         headers={"Authorization": f"Bearer {server.facilitator_token}"})
    try:
        body = response.json()
    except ValueError:
        body = {}
    check_answer(response.status_code, body, response.text)


FUZZ_SETTINGS = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
CLOSE = "Mutation.closeTrajectory"


@schema.exclude(name=CLOSE).parametrize()
@FUZZ_SETTINGS
def test_generated_operations_never_break_the_server(case: Any, fuzzed_server: Server) -> None:
    call(case, fuzzed_server)


@schema.include(name=CLOSE).parametrize()
@FUZZ_SETTINGS
def test_generated_closes_never_break_the_server(case: Any, fuzzed_server: Server) -> None:
    """Last: closing the scenes would turn the other mutations into rule violations."""
    call(case, fuzzed_server)


def test_the_store_still_loads_and_verifies_after_fuzzing(fuzzed_server: Server) -> None:
    client: GraphQLClient = fuzzed_server.client(fuzzed_server.facilitator_token)
    ids: list[str] = []
    after = None
    while True:
        page = client.execute("query($after: String) { trajectories(first: 100, after: $after) "
                              "{ edges { node { id } } pageInfo { hasNextPage endCursor } } }",
                              {"after": after})["trajectories"]
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert ids
    for tid in ids:
        loaded = client.execute("query($id: ID!) { trajectory(id: $id) { version "
                                "history(first: 100) { totalCount } } }", {"id": tid})
        assert loaded["trajectory"]["version"] == loaded["trajectory"]["history"]["totalCount"]

    reader = open_reader(parse_database_url(fuzzed_server.database_url).env)
    try:
        report = verify(reader)
    finally:
        reader.close()
    assert report.ok, report.damaged
    assert {t.trajectory_id for t in report.trajectories} == set(ids)
