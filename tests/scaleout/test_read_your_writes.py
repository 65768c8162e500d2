"""Read-your-writes across processes: a change acknowledged by one server is in the very
next answer of another server on the same database, whatever either had cached; and a
revoked token stops working on every worker within the token cache time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.client import GraphQLClient
from tests.e2e.helpers import DOMAIN, add_member, grant, ok, start
from tests.scaleout.service import Service

pytestmark = pytest.mark.timeout(60)

ROUNDS = 20
CACHE_SECONDS = 0.5
VIEW = """query($id: ID!) { trajectory(id: $id) { version domains { id name }
  whoDecidesWhat { domain { id } decides { id } } gaps { id } } }"""
LIST = "{ trajectories(first: 100) { totalCount edges { node { id version } } } }"


@pytest.fixture
def pair(database: str, tmp_path: Path) -> Iterator[tuple[Service, Service]]:
    """Two single-worker servers on one schema: two processes, two sets of caches."""
    first = Service(database, log_path=tmp_path / "first.log",
                    extra_env={"DECISIONLOG_TOKEN_CACHE_SECONDS": str(CACHE_SECONDS)})
    second = Service(database, log_path=tmp_path / "second.log",
                     extra_env={"DECISIONLOG_TOKEN_CACHE_SECONDS": str(CACHE_SECONDS)})
    try:
        first.facilitator_token = second.facilitator_token = first.create_token(
            "facilitator", name="ryw")
        first.start()
        second.start()
        yield first, second
    finally:
        first.close()
        second.close()


def test_a_change_made_through_one_server_is_read_at_once_through_the_other(
        pair: tuple[Service, Service]) -> None:
    clients = [s.client(s.facilitator_token) for s in pair]
    tid = start(clients[0])
    ana = add_member(clients[0], tid, "Ana", "lead")
    for round_ in range(ROUNDS):
        writer, reader = clients[round_ % 2], clients[(round_ + 1) % 2]
        # The reader has this trajectory cached (aggregate, memo, whole result)...
        before = reader.execute(VIEW, {"id": tid})["trajectory"]
        assert reader.execute(VIEW, {"id": tid})["trajectory"] == before
        # ...then the other server records a change...
        name = f"Domain {round_}"
        made = ok(writer.mutate("defineDomain", {"trajectoryId": tid, "name": name}, DOMAIN),
                  "DomainPayload")
        domain = made["domain"]["id"]
        assert made["version"] == before["version"] + 1
        # ...which the reader's next answer holds.
        after = reader.execute(VIEW, {"id": tid})["trajectory"]
        assert after["version"] == made["version"]
        assert {"id": domain, "name": name} in after["domains"]
        assert {"id": domain} in after["gaps"]
        right = grant(writer, tid, domain, "DECIDES", member_id=ana)
        mandates = reader.execute(VIEW, {"id": tid})["trajectory"]["whoDecidesWhat"]
        assert {"domain": {"id": domain}, "decides": [{"id": right}]} in mandates


def test_a_trajectory_started_through_one_server_is_listed_at_once_by_the_other(
        pair: tuple[Service, Service]) -> None:
    clients = [s.client(s.facilitator_token) for s in pair]
    for round_ in range(ROUNDS // 2):
        writer, reader = clients[round_ % 2], clients[(round_ + 1) % 2]
        before = reader.execute(LIST)["trajectories"]["totalCount"]
        tid = start(writer)
        listed = reader.execute(LIST)["trajectories"]
        assert listed["totalCount"] == before + 1
        assert {"id": tid, "version": 1} in [e["node"] for e in listed["edges"]]


def test_a_revoked_token_stops_working_on_every_server_within_the_cache_time(
        pair: tuple[Service, Service]) -> None:
    first, _ = pair
    token = first.create_token("reader", name="soon-revoked")
    readers = [GraphQLClient(s.url, token=token) for s in pair]
    for reader in readers:  # each server caches the token's record now
        assert reader.execute("{ __typename }") == {"__typename": "Query"}
    first.revoke_token("soon-revoked")
    time.sleep(CACHE_SECONDS + 0.2)
    for reader in readers:
        assert reader.http.post("/graphql", json={"query": "{ __typename }"}).status_code == 401
