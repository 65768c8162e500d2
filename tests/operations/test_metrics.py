"""`GET /metrics` on the real server: scraped and parsed with prometheus-client's own
parser before and after known requests; the counters move by exactly what was done."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.backends import fresh_database, require_postgres
from tests.e2e.client import Server
from tests.operations.service import OpsService, total, value

START = ("mutation Start($input: StartTrajectoryInput!) { startTrajectory(input: $input) "
         "{ __typename ... on TrajectoryPayload { trajectory { id } } } }")
MISSING = ("mutation Missing { addMember(input: {trajectoryId: \"nobody\", name: \"A\", "
           "role: \"r\", side: CLIENT, membership: CORE}) { __typename } }")
READ = "query Read($id: ID!) { trajectory(id: $id) { name version } }"
REQUESTS = "decisionlog_http_requests_total"


def test_counters_move_by_exactly_the_requests_made(metrics_service: OpsService) -> None:
    service = metrics_service
    client = service.client(service.facilitator_token)
    before = service.scrape()

    # Two starts, then one with a key twice (stored once, repeated once)
    first = client.execute(START, {"input": {"name": "One"}})
    client.execute(START, {"input": {"name": "Two"}})
    for _ in range(2):
        client.execute(START, {"input": {"name": "Keyed", "idempotencyKey": "k-1"}})
    # A typed error, a GraphQL error, a request without a token
    assert client.execute(MISSING)["addMember"]["__typename"] == "NotFound"
    assert client.post("query Bad { nope }")["errors"]
    assert httpx.post(f"{service.url}/graphql", json={"query": "{ __typename }"}
                      ).status_code == 401
    # The same read twice: the second is answered from the result cache
    trajectory_id = first["startTrajectory"]["trajectory"]["id"]
    for _ in range(2):
        client.execute(READ, {"id": trajectory_id})

    after = service.scrape()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    graphql = {"route": "/graphql"}
    assert moved(REQUESTS, **graphql, operation="Start", root_field="startTrajectory",
                 outcome="ok") == 4
    assert moved(REQUESTS, **graphql, operation="Missing", root_field="addMember",
                 outcome="NotFound") == 1
    assert moved(REQUESTS, **graphql, operation="Bad", root_field="",
                 outcome="graphql_error") == 1
    assert moved(REQUESTS, **graphql, operation="", root_field="", outcome="4xx") == 1
    assert moved(REQUESTS, **graphql, operation="Read", root_field="trajectory",
                 outcome="ok") == 2
    assert total(after, REQUESTS) - total(before, REQUESTS) == 9  # scrapes not counted
    assert moved("decisionlog_http_request_duration_seconds_count", **graphql,
                 root_field="startTrajectory") == 4

    assert moved("decisionlog_commands_total", command="StartTrajectory",
                 outcome="stored") == 3
    assert moved("decisionlog_commands_total", command="StartTrajectory",
                 outcome="repeated") == 1
    assert moved("decisionlog_commands_total", command="AddMember",
                 outcome="NotFound") == 1
    assert moved("decisionlog_events_stored_total") == 3
    backend = service.backend
    assert moved("decisionlog_store_save_seconds_count", backend=backend) == 3
    # Five mutations went through the group commit, one at a time
    assert moved("decisionlog_group_commit_batch_size_sum") == 5
    assert moved("decisionlog_group_commit_batch_size_count") == 5

    assert moved("decisionlog_cache_lookups_total", cache="results", result="miss") == 1
    assert moved("decisionlog_cache_lookups_total", cache="results", result="hit") == 1
    # One token lookup per request that carried a token (8 of the 9)
    assert (moved("decisionlog_cache_lookups_total", cache="tokens", result="hit")
            + moved("decisionlog_cache_lookups_total", cache="tokens", result="miss")) == 8
    assert moved("decisionlog_cache_lookups_total", cache="aggregates", result="hit") \
        + moved("decisionlog_cache_lookups_total", cache="aggregates", result="miss") >= 3

    assert value(after, "decisionlog_readmodel_lag_events") == 0
    assert value(after, "decisionlog_readmodel_rebuilding") == 0
    assert value(after, "decisionlog_websocket_connections") == 0
    assert value(after, "process_resident_memory_bytes") > 0


def test_metrics_answer_only_their_own_token_when_one_is_set(tmp_path: Path) -> None:
    service = OpsService(f"sqlite:///{tmp_path}/decisionlog.db", args=["--metrics"],
                         extra_env={"DECISIONLOG_METRICS_TOKEN": "scrape-secret-42"})
    service.create_token("reader", name="reader")
    try:
        service.start()
        assert httpx.get(f"{service.url}/metrics").status_code == 401
        reader = service.create_token("reader", name="reader-2")
        assert httpx.get(f"{service.url}/metrics",
                         headers={"Authorization": f"Bearer {reader}"}).status_code == 401
        assert total(service.scrape("scrape-secret-42"), REQUESTS, route="/graphql") == 0
    finally:
        service.close()


def test_no_metrics_route_unless_asked(tmp_path: Path) -> None:
    server = Server(f"sqlite:///{tmp_path}/decisionlog.db")
    try:
        server.start()
        assert httpx.get(f"{server.url}/metrics").status_code == 404
    finally:
        server.close()


@pytest.mark.postgres
def test_one_scrape_counts_every_workers_requests(tmp_path: Path) -> None:
    require_postgres()
    with fresh_database("postgres", tmp_path, prefix="opsmp") as url:
        service = OpsService(url, workers=2, args=["--metrics"], log_level="warning")
        try:
            token = service.create_token("facilitator", name="mp")
            service.start()
            pids = set()
            for number in range(24):  # a new connection each: the workers share them
                response = httpx.post(
                    f"{service.url}/graphql", headers={"Authorization": f"Bearer {token}"},
                    json={"query": START, "variables": {"input": {"name": f"T{number}"}}})
                assert response.status_code == 200
            pids = set(service.worker_pids())
            assert len(pids) == 2
            for _ in range(4):  # whichever worker answers the scrape, it counts them all
                samples = service.scrape()
                assert value(samples, REQUESTS, route="/graphql", operation="Start",
                             root_field="startTrajectory", outcome="ok") == 24
                assert value(samples, "decisionlog_events_stored_total") == 24
        finally:
            service.close()


def test_open_websockets_are_a_gauge(tmp_path: Path) -> None:
    service = OpsService(f"sqlite:///{tmp_path}/decisionlog.db", args=["--metrics"])
    try:
        token = service.create_token("reader", name="watcher")
        service.start()
        with ExitStack() as stack:
            sockets = [stack.enter_context(connect(
                f"ws://127.0.0.1:{service.port}/graphql",
                subprotocols=["graphql-transport-ws"]))  # type: ignore[list-item]
                for _ in range(2)]
            for socket in sockets:
                socket.send(json.dumps({"type": "connection_init",
                                        "payload": {"Authorization": f"Bearer {token}"}}))
                assert json.loads(socket.recv(timeout=10))["type"] == "connection_ack"
            assert value(service.scrape(), "decisionlog_websocket_connections") == 2
            deadline = time.monotonic() + 10
            for still_open in (1, 0):
                sockets.pop().close()
                while value(service.scrape(), "decisionlog_websocket_connections") \
                        != still_open:
                    assert time.monotonic() < deadline, "a closed websocket is still counted"
                    time.sleep(0.05)
    finally:
        service.close()
