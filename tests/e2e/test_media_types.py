"""`application/graphql-response+json` (the GraphQL-over-HTTP spec) beside the unchanged
`application/json`, and the spec authors' audit suite against a real server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.client import Server

AUDIT = Path(__file__).resolve().parents[2] / "scripts" / "graphql-http-audit.sh"
NEW = "application/graphql-response+json"


def post(server: Server, token: str | None, accept: str | None,
         body: dict[str, Any]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if accept is not None:
        headers["Accept"] = accept
    return httpx.post(f"{server.url}/graphql", json=body, headers=headers, timeout=30)


REQUEST_ERRORS = {
    "parse": {"query": "{ trajectories { "},
    "validation": {"query": "{ noSuchField }"},
    "variables": {"query": "query ($first: Int) { trajectories(first: $first) { totalCount } }",
                  "variables": {"first": "ten"}},
}


@pytest.mark.parametrize("case", sorted(REQUEST_ERRORS))
def test_a_request_error_is_400_without_data_under_the_new_media_type(
        server: Server, case: str) -> None:
    answer = post(server, server.facilitator_token, f"{NEW}, application/json;q=0.9",
                  REQUEST_ERRORS[case])
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith(NEW)
    body = answer.json()
    assert "data" not in body and body["errors"][0]["message"]


@pytest.mark.parametrize("case", sorted(REQUEST_ERRORS))
def test_application_json_answers_are_unchanged(server: Server, case: str) -> None:
    for accept in (None, "application/json", "*/*"):
        answer = post(server, server.facilitator_token, accept, REQUEST_ERRORS[case])
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        body = answer.json()
        assert body["data"] is None and body["errors"]


def test_an_operation_that_ran_is_200_under_the_new_media_type(server: Server) -> None:
    ok = post(server, server.facilitator_token, NEW,
              {"query": "{ trajectories { totalCount } }"})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith(NEW)
    assert isinstance(ok.json()["data"]["trajectories"]["totalCount"], int)
    field_error = post(server, server.facilitator_token, NEW,
                       {"query": '{ trajectories(after: "nonsense") { totalCount } }'})
    assert field_error.status_code == 200  # it ran: the field's error nulled the data
    assert "data" in field_error.json() and field_error.json()["errors"]


def test_the_spec_audit_finds_no_error_and_no_warning(tmp_path: Path) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("GraphQL-over-HTTP audit: node and npm are not installed "
                    "(Debian packages nodejs and npm)")
    # The audit reads the HTTP layer, the same on every store: one SQLite server.
    server = Server(f"sqlite:///{tmp_path}/audit.db")
    try:
        token = server.create_token("facilitator", name="audit")
        server.start()
        run = subprocess.run([str(AUDIT), f"{server.url}/graphql", token],
                             capture_output=True, text=True, timeout=300)
    finally:
        server.close()
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 warnings, 0 errors of " in summary, run.stdout
