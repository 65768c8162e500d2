"""A dashboard polling with If-None-Match (issue 17): a change made through another server
on the same PostgreSQL database is in its very next poll, never a 304 after it; and
both servers give the same answer the same tag."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.helpers import DOMAIN, ok, start
from tests.scaleout.service import Service

pytestmark = pytest.mark.timeout(120)

ROUNDS = 10
BOARD = """query Board($id: ID!) { trajectory(id: $id) { version
  domains { id name } whoDecidesWhat { domain { name } decides { id } } gaps { name } } }"""
LIST = "{ trajectories(first: 100) { totalCount edges { node { id version } } } }"


@pytest.fixture
def pair(database: str, tmp_path: Path) -> Iterator[tuple[Service, Service]]:
    """Two servers on one schema: two processes, two sets of caches."""
    servers = (Service(database, log_path=tmp_path / "first.log"),
               Service(database, log_path=tmp_path / "second.log"))
    try:
        servers[0].facilitator_token = servers[1].facilitator_token = \
            servers[0].create_token("facilitator", name="dashboard")
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.close()


def poll(http: httpx.Client, query: str, variables: dict[str, Any],
         tag: str | None) -> tuple[int, str | None, dict[str, Any] | None]:
    response = http.get("/graphql", params={"query": query,
                                            "variables": json.dumps(variables)},
                        headers={"If-None-Match": tag} if tag else {})
    assert response.status_code in (200, 304), response.text
    body = response.json() if response.status_code == 200 else None
    return response.status_code, response.headers.get("etag"), body


def test_a_dashboard_sees_a_change_made_on_another_server_in_its_next_poll(
        pair: tuple[Service, Service]) -> None:
    dashboard_server, other = pair
    headers = {"Authorization": f"Bearer {dashboard_server.facilitator_token}"}
    dashboard = httpx.Client(base_url=dashboard_server.url, headers=headers, timeout=30)
    elsewhere = httpx.Client(base_url=other.url, headers=headers, timeout=30)
    writer = other.client(other.facilitator_token)
    tid = start(writer)
    for query, variables in ((BOARD, {"id": tid}), (LIST, {})):
        status, tag, body = poll(dashboard, query, variables, None)
        assert status == 200 and tag is not None
        # The other server gives the same answer the same tag, and knows it unseen
        assert poll(elsewhere, query, variables, None)[1] == tag
        for round_ in range(ROUNDS):
            assert poll(dashboard, query, variables, tag)[0] == 304  # kept, unchanged
            made = ok(writer.mutate("defineDomain", {
                "trajectoryId": tid, "name": f"{query[:5]} {round_}"}, DOMAIN),
                "DomainPayload")
            status, new_tag, body = poll(dashboard, query, variables, tag)
            assert status == 200 and new_tag not in (None, tag)
            assert body is not None
            if query is BOARD:
                assert body["data"]["trajectory"]["version"] == made["version"]
            assert poll(elsewhere, query, variables, new_tag)[0] == 304
            tag = new_tag


def test_a_timeline_of_polls_around_a_change(pair: tuple[Service, Service]) -> None:
    """What the report quotes: polls every 20 ms, a change through the other server."""
    dashboard_server, other = pair
    headers = {"Authorization": f"Bearer {dashboard_server.facilitator_token}"}
    dashboard = httpx.Client(base_url=dashboard_server.url, headers=headers, timeout=30)
    writer = other.client(other.facilitator_token)
    tid = start(writer)
    status, tag, _ = poll(dashboard, BOARD, {"id": tid}, None)
    timeline: list[tuple[float, str]] = []
    began = time.perf_counter()
    changed_at = None
    while time.perf_counter() - began < 1.0:
        if changed_at is None and time.perf_counter() - began > 0.5:
            ok(writer.mutate("defineDomain", {"trajectoryId": tid, "name": "Budget"},
                             DOMAIN), "DomainPayload")
            changed_at = time.perf_counter() - began
            timeline.append((changed_at, "change committed through the other server"))
        status, new_tag, _ = poll(dashboard, BOARD, {"id": tid}, tag)
        timeline.append((time.perf_counter() - began, str(status)))
        tag = new_tag or tag
        time.sleep(0.02)
    events = [event for _, event in timeline]
    change = events.index("change committed through the other server")
    assert set(events[:change]) == {"304"}
    assert events[change + 1] == "200" and set(events[change + 2:]) == {"304"}
    print("\n".join(f"{at * 1000:7.1f} ms  {event}" for at, event in timeline))
