"""Structured logs: `--log-format json` writes one JSON object a line, naming each
request; no line, in either format and on any path that logs, carries a token or a
password."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from decisionlog.operations.logs import JSONFormatter, TextFormatter
from tests.backends import BACKENDS, fresh_database
from tests.operations.service import OpsService

ADD = ("mutation Add($input: AddMemberInput!) { addMember(input: $input) { __typename } }")
START = ("mutation Start { startTrajectory(input: {name: \"Logged\"}) { __typename "
         "... on TrajectoryPayload { trajectory { id } } } }")


def lines_of(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_json_logs_are_one_object_a_line_naming_each_request(
        metrics_service: OpsService) -> None:
    service = metrics_service
    client = service.client(service.facilitator_token)
    trajectory_id = client.execute(START)["startTrajectory"]["trajectory"]["id"]
    response = client.http.post("/graphql", json={"query": ADD, "variables": {"input": {
        "trajectoryId": trajectory_id, "name": "", "role": "r", "side": "CLIENT",
        "membership": "CORE"}}})
    request_id = response.headers["x-request-id"]
    assert service.log_path is not None
    # Access lines are flushed once per turn of the event loop, not held back till exit.
    deadline = time.monotonic() + 2
    while request_id not in service.log_path.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the access line was not written while serving"
        time.sleep(0.01)
    service.stop()  # the lines are all written

    assert service.log_path is not None
    entries = [json.loads(line) for line in lines_of(service.log_path)]  # every line
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any(e["logger"] == "uvicorn.error" for e in entries)
    access = [e for e in entries if e["logger"] == "decisionlog.access"]
    add = next(e for e in access if e.get("request_id") == request_id)
    assert add["method"] == "POST" and add["path"] == "/graphql" and add["status"] == 200
    assert add["operation"] == "Add" and add["root_field"] == "addMember"
    assert add["outcome"] == "ValidationError"
    assert add["token_name"] == "ops-anna"
    assert add["trajectory_id"] == trajectory_id
    assert isinstance(add["duration_ms"], float) and add["duration_ms"] > 0
    start = next(e for e in access if e.get("operation") == "Start")
    assert start["outcome"] == "ok" and start["trajectory_id"] == trajectory_id
    assert not any(e["logger"] == "uvicorn.access" for e in entries)  # replaced


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_no_token_or_password_in_any_log_line(tmp_path: Path, backend: str,
                                              log_format: str) -> None:
    with fresh_database(backend, tmp_path, prefix="opslog") as url:
        service = OpsService(url, log_path=tmp_path / "serve.log", log_level="debug",
                             args=["--log-format", log_format, "--metrics"])
        try:
            good = service.create_token("facilitator", name="anna")
            revoked = service.create_token("reader", name="gone")
            service.revoke_token("gone")
            service.start()
            client = service.client(good)
            client.execute(START)
            # Tokens where they do not belong: in the query string, in a variable, in a
            # header, revoked, and cut short
            httpx.get(f"{service.url}/graphql?token={good}&query={{__typename}}")
            client.post("query($t: String) { __typename }", {"t": good})
            for bad in (revoked, good[:-3], f"{good}x"):
                httpx.post(f"{service.url}/graphql", json={"query": "{ __typename }"},
                           headers={"Authorization": f"Bearer {bad}"})
            httpx.get(f"{service.url}/sign-in?token={good}")
            httpx.get(f"{service.url}/metrics", headers={"Authorization": f"Bearer {good}"})
        finally:
            service.close()
        logged = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert logged.strip()
    for token in (good, revoked):
        assert token not in logged
        assert token.split("_")[2][:16] not in logged  # not even part of the secret
    password = urlsplit(url).password
    if password:
        assert f":{password}@" not in logged
        assert url not in logged
    if log_format == "json":
        for line in logged.splitlines():
            json.loads(line)


def test_a_wrong_database_password_is_not_written_where_serve_says_so(
        tmp_path: Path) -> None:
    # A password nothing else contains, on a port nothing listens on: the error path
    from tests.e2e.client import free_port

    wrong = f"postgresql://someone:Zq9-unique-Pw-77@127.0.0.1:{free_port()}/db"
    for log_format in ("text", "json"):
        done = subprocess.run(
            [sys.executable, "-m", "decisionlog.cli", "serve", "--database", wrong,
             "--port", "0", "--log-format", log_format],
            capture_output=True, text=True, timeout=60)
        assert done.returncode == 2
        assert "Zq9-unique-Pw-77" not in done.stdout + done.stderr
        assert "cannot reach PostgreSQL" in done.stderr


@pytest.mark.parametrize("formatter", [JSONFormatter(), TextFormatter("%(message)s")])
def test_what_any_logger_writes_is_redacted(formatter: logging.Formatter) -> None:
    token = "dl_0123456789abcdef_" + "ab" * 32
    try:
        raise RuntimeError(f"token {token} at postgresql://u:S3cret-pw@db:5432/x")
    except RuntimeError:
        record = logging.LogRecord(
            "decisionlog.api", logging.ERROR, __file__, 1,
            "failed with %s and %s; password=S3cret-pw", (token, "postgres://u:S3cret-pw@h/d"),
            sys.exc_info())
    text = formatter.format(record)
    assert token not in text and "S3cret-pw" not in text
    assert "dl_0123456789abcdef_***" in text
