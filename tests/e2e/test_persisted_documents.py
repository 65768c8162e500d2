"""Persisted and trusted documents against a real server (issue 17): Apollo Client's
persisted-queries link as a client app runs it, and the trusted-documents lockdown for
every role, with the refusals in the server's log."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain.values import Side
from decisionlog.infrastructure.config import parse_database_url
from tests.e2e.client import Server
from tests.e2e.helpers import start

ROOT = Path(__file__).resolve().parents[2]
APOLLO = ROOT / "scripts" / "apollo-apq-client.sh"

BOARD = "query Board($id: ID!) { trajectory(id: $id) { name version members { name } } }"
LIST = "query List { trajectories(first: 50) { totalCount } }"
ADD = ("mutation Add($input: AddMemberInput!) { addMember(input: $input) { __typename "
       "... on NotAuthorized { message } } }")
UNTRUSTED_QUERY = "query Everything { auditLog(first: 100) { edges { node { version } } } }"
UNTRUSTED_MUTATION = 'mutation { startTrajectory(input: {name: "Smuggled in"}) { __typename } }'


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apollo_client(server: Server, token: str, tid: str, mode: str = "post") -> dict[str, Any]:
    run = subprocess.run([str(APOLLO), f"{server.url}/graphql", token, tid,
                          *(["get"] if mode == "get" else [])],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_apollo_clients_persisted_query_link(tmp_path: Path) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Apollo Client: node and npm are not installed (Debian packages "
                    "nodejs and npm)")
    server = Server(f"sqlite:///{tmp_path}/apq.db", log_path=tmp_path / "server.log")
    try:
        token = server.create_token("reader", name="dashboard")
        writer = server.create_token("facilitator", name="writer")
        server.start()
        tid = start(server.client(writer), "Programme for Apollo")

        # First by hash alone: not found; then with the document; later by hash only
        posted = apollo_client(server, token, tid)
        assert [(r["method"], r["document"], r["hash"], r["codes"])
                for r in posted["requests"]] == [
            ("POST", False, True, ["PERSISTED_QUERY_NOT_FOUND"]),
            ("POST", True, True, []),
            ("POST", False, True, []),
            ("POST", False, True, []),
        ]
        assert {d["name"] for d in posted["data"]} == {"Programme for Apollo"}

        # A restarted worker knows no hash: the client sends the document once more;
        # hashes by GET (the document itself always goes by POST)
        server.stop()
        server.start()
        got = apollo_client(server, token, tid, "get")
        assert [(r["method"], r["document"], r["codes"]) for r in got["requests"]] == [
            ("GET", False, ["PERSISTED_QUERY_NOT_FOUND"]),
            ("POST", True, []),
            ("GET", False, []),
            ("GET", False, []),
        ]
        assert {r["status"] for r in got["requests"]} == {200}
    finally:
        server.close()


# Trusted documents


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that runs only the documents of a manifest (GraphQL Codegen's shape:
    SHA-256 hash to document, and a Relay-style id)."""
    directory = tmp_path_factory.mktemp("trusted")
    manifest = directory / "persisted-documents.json"
    manifest.write_text(json.dumps({sha(BOARD): BOARD, sha(ADD): ADD, "relay-list": LIST}))
    server = Server(f"sqlite:///{directory}/trusted.db", log_path=directory / "server.log",
                    extra_env={"DECISIONLOG_TRUSTED_DOCUMENTS": str(manifest)})
    try:
        server.facilitator_token = server.create_token("facilitator", name="facilitator")
        server.start()
        yield server
    finally:
        server.close()


def post(server: Server, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{server.url}/graphql", json=body, timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("role", ["facilitator", "auditor", "reader", "scoped reader"])
def test_every_role_runs_the_manifests_documents_and_nothing_else(
        locked: Server, role: str) -> None:
    # The scene is written by another process: this server runs no startTrajectory
    log = DecisionLog(env=parse_database_url(locked.database_url).env)
    try:
        tid = str(log.handle(c.StartTrajectory(name="Locked down"), recorded_by="t")
                  .trajectory_id)
        log.handle(c.AddMember(trajectory_id=tid, name="Anna", role="r", side=Side.CLIENT),
                   recorded_by="t")
    finally:
        log.close()
    name = f"{role.replace(' ', '-')}-{tid[:8]}"
    token = locked.create_token(role.split()[-1], name=name,
                                trajectories=[tid] if role == "scoped reader" else [])
    board = {"variables": {"id": tid}}
    expected = post(locked, token, {"query": BOARD, **board})
    assert expected["data"]["trajectory"]["version"] == 2
    for named in ({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(BOARD)}}},
                  {"documentId": f"sha256:{sha(BOARD)}"}, {"doc_id": sha(BOARD)}):
        assert post(locked, token, {**named, **board}) == expected
    assert post(locked, token, {"doc_id": "relay-list"})["data"]["trajectories"]
    added = post(locked, token, {"documentId": sha(ADD), "variables": {"input": {
        "trajectoryId": tid, "name": "Trusted", "role": "r", "side": "CLIENT"}}})
    assert added["data"]["addMember"]["__typename"] == (
        "MemberPayload" if role == "facilitator" else "NotAuthorized")

    before = post(locked, locked.facilitator_token, {"query": LIST})
    log = Path(str(locked.log_path)).read_text()
    for document in (UNTRUSTED_QUERY, UNTRUSTED_MUTATION):
        refused = post(locked, token, {"query": document})
        assert refused["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
        assert "--trusted-documents" in refused["errors"][0]["message"]
        assert "data" not in refused
    # Never executed: nothing started, and each refusal is in the server's log
    assert post(locked, locked.facilitator_token, {"query": LIST}) == before
    new_lines = Path(str(locked.log_path)).read_text()[len(log):]
    for document in (UNTRUSTED_QUERY, UNTRUSTED_MUTATION):
        assert f"sha256 {sha(document)[:16]}" in new_lines


def test_a_bad_manifest_stops_serve_before_it_starts_with_one_line(tmp_path: Path) -> None:
    cases = {
        "missing.json": None,
        "malformed.json": b'{"a": ',
        "unparsable.json": json.dumps({"a": "query { trajectory("}).encode(),
        "directory": "dir",
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content == "dir":
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        run = subprocess.run(
            [sys.executable, "-m", "decisionlog.cli", "serve", "--database",
             f"sqlite:///{tmp_path}/never.db", "--trusted-documents", str(path)],
            capture_output=True, text=True, timeout=60, check=False)
        assert run.returncode == 2, run.stderr
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0], run.stderr
        assert not (tmp_path / "never.db").exists()
