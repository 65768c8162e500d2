"""The hash chain over HTTP: digests on every event, the head digest, and verifyTrajectory
on an intact store and after tampering with the SQLite file under the running server."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from decisionlog.infrastructure.config import parse_database_url
from tests.audit.helpers import delete, forge, set_state, state_of, stored_events
from tests.e2e.client import GraphQLClient, Server
from tests.e2e.conftest import MakeClient
from tests.e2e.helpers import assert_readable
from tests.e2e.scenes import make_scene

VERIFY = """query($id: ID!, $head: String) { verifyTrajectory(id: $id, expectHeadDigest: $head) {
  trajectoryId ok eventCount intactCount headDigest damage { version problem detail } } }"""
CHAIN = """query($id: ID!, $asOf: AsOf) { trajectory(id: $id, asOf: $asOf) { version headDigest
  history(first: 100) { edges { node { version type digest previousDigest data } } } } }"""


def database_file(server: Server) -> Path:
    if server.backend != "sqlite":
        pytest.skip("tampers with the SQLite file itself (the chain is backend-neutral)")
    return Path(parse_database_url(server.database_url).env["SQLITE_DBNAME"])


def verification(client: GraphQLClient, tid: str, head: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = client.execute(VERIFY, {"id": tid, "head": head})[
        "verifyTrajectory"]
    return result


def test_digests_on_the_history_chain_up_to_the_head_digest(client: GraphQLClient) -> None:
    tid = make_scene(client)["tid"]
    trajectory = client.execute(CHAIN, {"id": tid})["trajectory"]
    events = [edge["node"] for edge in trajectory["history"]["edges"]]
    assert [e["version"] for e in events] == list(range(1, trajectory["version"] + 1))
    # the first event chains from the digest of the trajectory id, each next from the last
    assert events[0]["previousDigest"] == hashlib.sha256(tid.encode()).hexdigest()
    for before, after in itertools.pairwise(events):
        assert after["previousDigest"] == before["digest"]
    assert len({e["digest"] for e in events}) == len(events)
    assert all(len(e["digest"]) == 64 for e in events)
    assert trajectory["headDigest"] == events[-1]["digest"]
    # as of an earlier version, the head is that version's digest
    earlier = client.execute(CHAIN, {"id": tid, "asOf": {"version": 3}})["trajectory"]
    assert earlier["headDigest"] == events[2]["digest"]


def test_verify_trajectory_on_an_intact_store(client: GraphQLClient,
                                              make_client: MakeClient) -> None:
    tid = make_scene(client)["tid"]
    head = client.execute(CHAIN, {"id": tid})["trajectory"]["headDigest"]
    auditor = make_client("auditor")
    result = verification(auditor, tid)
    assert result == {"trajectoryId": tid, "ok": True, "eventCount": 8, "intactCount": 8,
                      "headDigest": head, "damage": None}
    # the facilitator may check too, and an anchor kept elsewhere is still reached
    assert verification(client, tid, head)["ok"]
    # an anchor the chain never reaches: cut short, or rewritten
    wrong = verification(auditor, tid, "0" * 64)
    assert not wrong["ok"] and wrong["damage"]["problem"] == "TRUNCATED"
    assert wrong["damage"]["version"] == 9
    # unknown ids are null, as are ids that are no trajectory id at all
    assert verification(auditor, str(UUID(int=7))) is None
    assert verification(auditor, "not-an-id") is None


def test_verify_trajectory_is_for_auditors_and_facilitators_within_their_scope(
        client: GraphQLClient, make_client: MakeClient) -> None:
    mine, other = make_scene(client)["tid"], make_scene(client)["tid"]
    for reader in (make_client("reader"), make_client("reader", [mine])):
        body = reader.post(VERIFY, {"id": mine})
        assert body["data"] is None or body["data"]["verifyTrajectory"] is None
        assert_readable(body["errors"], "auditors and facilitators")
    scoped = make_client("auditor", [mine])
    assert verification(scoped, mine)["ok"]
    assert verification(scoped, other) is None  # as if it did not exist


Tamper = Callable[[Any, UUID], None]


def _flip_a_byte(connection: Any, tid: UUID) -> None:
    state = bytearray(state_of(connection, tid, 7))
    state[state.index(b"Kick-off")] ^= 0x01  # "K" becomes "J"
    set_state(connection, tid, 7, bytes(state))


def _swap(connection: Any, tid: UUID) -> None:
    three, six = state_of(connection, tid, 3), state_of(connection, tid, 6)
    set_state(connection, tid, 3, six)
    set_state(connection, tid, 6, three)


# (what is done to the scene's 8 stored events, the version and problem reported)
TAMPERING: dict[str, tuple[Tamper, int, str]] = {
    "one byte changed": (_flip_a_byte, 7, "ALTERED"),
    "a row deleted": (lambda c, tid: delete(c, tid, 4), 4, "MISSING"),
    "two rows swapped": (_swap, 3, "REORDERED"),
    "a forged row appended": (
        lambda c, tid: forge(c, tid, 9, state_of(c, tid, 7), like=7), 9, "INSERTED"),
}


@pytest.mark.parametrize("tampering", list(TAMPERING))
def test_verify_trajectory_finds_tampering_with_the_file_under_the_running_server(
        server: Server, client: GraphQLClient, make_client: MakeClient,
        tampering: str) -> None:
    tamper, version, problem = TAMPERING[tampering]
    tid = make_scene(client)["tid"]
    served = client.execute(CHAIN, {"id": tid})["trajectory"]
    auditor = make_client("auditor")
    assert verification(auditor, tid)["ok"]

    with stored_events(database_file(server)) as connection:
        tamper(connection, UUID(tid))

    result = verification(auditor, tid)
    assert not result["ok"]
    assert (result["damage"]["version"], result["damage"]["problem"]) == (version, problem)
    assert result["intactCount"] == version - 1
    assert result["damage"]["detail"]
    # The server keeps aggregates in a cache and does not reread what it already holds:
    # the trajectory it serves (version, head digest) stays as it was, while
    # verifyTrajectory reads the stored rows and so sees the damage at once.
    if tampering != "a forged row appended":  # a new row is read on the next load
        again = client.execute("query($id: ID!) { trajectory(id: $id) { version headDigest "
                               "} }", {"id": tid})["trajectory"]
        assert again == {"version": served["version"], "headDigest": served["headDigest"]}


def test_a_row_that_does_not_decode_shows_in_the_audit_log_with_its_problem(
        server: Server, client: GraphQLClient, make_client: MakeClient) -> None:
    tid = make_scene(client)["tid"]
    with stored_events(database_file(server)) as connection:
        set_state(connection, UUID(tid), 5, b"{not json")
    auditor = make_client("auditor")
    page = auditor.execute(
        "query($id: ID!) { auditLog(first: 100, trajectoryId: $id) { edges { node { "
        "trajectoryId version problem event { version digest } } } } }",
        {"id": tid})["auditLog"]
    nodes = [edge["node"] for edge in page["edges"]]
    assert [n["version"] for n in nodes] == list(range(1, 9))  # none hidden
    broken = nodes[4]
    assert broken["event"] is None and "does not decode" in broken["problem"]
    assert all(n["event"] is not None and n["problem"] is None for n in nodes if n != broken)
    damage = verification(auditor, tid)["damage"]
    assert (damage["version"], damage["problem"]) == (5, "ALTERED")
