"""Access under the serve settings: anonymous reads, no introspection, the revocation
delay of the token cache, and authentication of websockets in `connection_init`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.backends import BACKENDS, fresh_database
from tests.e2e.client import Server
from tests.e2e.helpers import start

CACHE_SECONDS = 0.5


@pytest.fixture(scope="module", params=BACKENDS)
def open_server(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server allowing anonymous reads, without introspection, trusting a token lookup
    for half a second."""
    directory: Path = tmp_path_factory.mktemp("e2e-open")
    with fresh_database(request.param, directory, prefix="e2e_open") as url:
        running = Server(url, log_path=directory / "server.log",
                         extra_env={"DECISIONLOG_ALLOW_ANONYMOUS_READ": "1",
                                    "DECISIONLOG_NO_INTROSPECTION": "1",
                                    "DECISIONLOG_TOKEN_CACHE_SECONDS": str(CACHE_SECONDS)})
        try:
            running.facilitator_token = running.create_token("facilitator",
                                                             name="open-facilitator")
            running.start()
            yield running
        finally:
            running.close()


def test_anonymous_callers_read_everything_and_change_nothing(open_server: Server) -> None:
    tid = start(open_server.client(open_server.facilitator_token))
    anonymous = open_server.client()

    assert anonymous.execute("query($id: ID!) { trajectory(id: $id) { id } }",
                             {"id": tid})["trajectory"]["id"] == tid
    assert anonymous.mutate("defineDomain", {"trajectoryId": tid, "name": "D"}
                            )["__typename"] == "NotAuthorized"
    assert anonymous.mutate("startTrajectory", {"name": "Mine"})["__typename"] \
        == "NotAuthorized"
    bad = httpx.post(f"{open_server.url}/graphql", json={"query": "{ __typename }"},
                     headers={"Authorization": "Bearer dl_nonsense"})
    assert bad.status_code == 401  # a bad token is refused, not read as anonymous


def test_introspection_can_be_switched_off(open_server: Server) -> None:
    body = open_server.client(open_server.facilitator_token).post(
        "{ __schema { queryType { name } } }")
    assert body["errors"] and "introspection" in body["errors"][0]["message"].lower()


def test_a_revoked_token_stops_working_within_the_cache_time(open_server: Server) -> None:
    token = open_server.create_token("facilitator", name="short-lived")
    client = open_server.client(token)
    tid = start(client)

    open_server.revoke_token("short-lived")
    time.sleep(CACHE_SECONDS + 0.2)

    response = client.http.post("/graphql", json={
        "query": "mutation($id: ID!) { closeTrajectory(input: {trajectoryId: $id}) "
                 "{ __typename } }", "variables": {"id": tid}})
    assert response.status_code == 401


def ws_url(server: Server) -> str:
    return server.url.replace("http://", "ws://") + "/graphql"


def run_over_websocket(server: Server, payload: dict[str, Any] | None,
                       query: str) -> dict[str, Any]:
    """connection_init with `payload`, one operation; the `next` message's payload."""
    with connect(ws_url(server), subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                 open_timeout=5, close_timeout=2) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        ack = json.loads(ws.recv(timeout=5))
        assert ack["type"] == "connection_ack", ack
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        message = json.loads(ws.recv(timeout=5))
        assert message["type"] == "next", message
        result: dict[str, Any] = message["payload"]
        return result


def test_a_websocket_authenticates_in_connection_init(server: Server) -> None:
    client = server.client(server.facilitator_token)
    start(client)
    known = client.execute("{ trajectories { totalCount } }")["trajectories"]["totalCount"]
    assert known >= 1
    result = run_over_websocket(server, {"Authorization": f"Bearer {server.facilitator_token}"},
                                "{ trajectories { totalCount } }")
    assert "errors" not in result, result
    assert result["data"]["trajectories"]["totalCount"] >= 0
    assert result == {"data": {"trajectories": {"totalCount": known}}}


@pytest.mark.parametrize("payload", [None, {"Authorization": "Bearer dl_nonsense"},
                                     {"Authorization": 42}, {"token": "x"}])
def test_a_websocket_without_a_valid_token_is_closed(server: Server,
                                                     payload: dict[str, Any] | None) -> None:
    with pytest.raises(ConnectionClosed) as closed:
        run_over_websocket(server, payload, "{ trajectories { totalCount } }")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def test_a_websocket_cannot_run_anything_before_connection_init(server: Server) -> None:
    with connect(ws_url(server), subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                 open_timeout=5) as ws:
        ws.send(json.dumps({"id": "1", "type": "subscribe",
                            "payload": {"query": "{ trajectories { totalCount } }"}}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_a_websocket_stops_working_when_its_token_is_revoked(open_server: Server) -> None:
    token = open_server.create_token("facilitator", name="socket-revoked")
    with connect(ws_url(open_server), subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                 open_timeout=5, close_timeout=2) as ws:
        ws.send(json.dumps({"type": "connection_init",
                            "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(ws.recv(timeout=5))["type"] == "connection_ack"
        start_one = {"id": "1", "type": "subscribe", "payload": {
            "query": 'mutation { startTrajectory(input: {name: "Before"}) { __typename } }'}}
        ws.send(json.dumps(start_one))
        assert json.loads(ws.recv(timeout=5))["payload"]["data"] == {
            "startTrajectory": {"__typename": "TrajectoryPayload"}}
        assert json.loads(ws.recv(timeout=5))["type"] == "complete"

        open_server.revoke_token("socket-revoked")
        time.sleep(CACHE_SECONDS + 0.2)  # the documented bound: the token cache's time

        ws.send(json.dumps({**start_one, "id": "2"}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    names = open_server.client(open_server.facilitator_token).execute(
        "{ trajectories(first: 100) { edges { node { name } } } }")["trajectories"]["edges"]
    assert [n for n in names if n["node"]["name"] == "Before"]  # the first one only ran


SUGGESTING: dict[str, tuple[str, dict[str, Any]]] = {
    "a field": ("{ trajectorie { totalCount } }", {}),
    "an argument": ("{ trajectories(frist: 1) { totalCount } }", {}),
    "a type": ("query($s: TrajectoryStatu) { trajectories(status: $s) { totalCount } }", {}),
    "an enum value": ("{ trajectories(status: ACTIV) { totalCount } }", {}),
    "an enum value in a variable": (
        "query($s: TrajectoryStatus) { trajectories(status: $s) { totalCount } }",
        {"s": "ACTIV"}),
    "an input field": ("mutation($i: StartTrajectoryInput!) { startTrajectory(input: $i) "
                       "{ __typename } }", {"i": {"nam": "x"}}),
}


@pytest.mark.parametrize("case", list(SUGGESTING))
def test_without_introspection_errors_suggest_no_names(open_server: Server, case: str) -> None:
    query, variables = SUGGESTING[case]
    body = open_server.client(open_server.facilitator_token).post(query, variables)
    assert body["errors"], body
    for error in body["errors"]:
        assert "Did you mean" not in error["message"], error


def test_with_introspection_errors_still_suggest_names(server: Server) -> None:
    body = server.client(server.facilitator_token).post(SUGGESTING["a field"][0])
    assert "Did you mean 'trajectories'" in body["errors"][0]["message"]
