"""A store written by the previous landed version (tests/fixtures/store_v1, made by its
generate.py with that version's code) opened by today's: it loads, verifies to the same
head digests, answers the same queries the same, and recognises its idempotency keys."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.client import GraphQLClient, Server

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store_v1"
EXPECTED: dict[str, Any] = json.loads((FIXTURE / "expectations.json").read_text())
CURSOR_KEYS = frozenset({"cursor", "endCursor"})


def copy_of_store(directory: Path) -> str:
    """A copy of the fixture's database (the fixture itself is never opened)."""
    target = directory / "decisionlog.db"
    shutil.copyfile(FIXTURE / "decisionlog.db", target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("store_v1")
    running = Server(copy_of_store(directory), log_path=directory / "server.log")
    try:
        yield running.start()
    finally:
        running.close()


def client(server: Server, token: str) -> GraphQLClient:
    return server.client(EXPECTED["tokens"][token])


def without_summaries(answer: Any) -> Any:
    """An event's `summary` is prose for people: its wording may improve between versions
    (its meaning, one line saying what happened, may not)."""
    if isinstance(answer, dict):
        return {k: "<summary>" if k == "summary" and isinstance(v, str) else without_summaries(v)
                for k, v in answer.items()}
    if isinstance(answer, list):
        return [without_summaries(item) for item in answer]
    return answer


SEALED_LISTS = ("auditLog", "trajectories", "decisions")


def without_log_cursors(answer: Any, field: str) -> Any:
    """The cursors of the lists over the whole log (the audit log's, and those of
    trajectories and decisions across trajectories) are opaque and changed form: they
    are sealed now, and the old ones still resume (tested below). Every other field must
    be equal."""
    answer = copy.deepcopy(answer)
    connection = answer["data"][field]
    for edge in connection["edges"]:
        edge.pop("cursor")
    connection["pageInfo"].pop("endCursor")
    return answer


def test_verify_finds_every_chain_intact_with_the_same_heads(tmp_path: Path) -> None:
    url = copy_of_store(tmp_path)
    for trajectory_id, expected in EXPECTED["verify"].items():
        run = subprocess.run(
            [sys.executable, "-m", "decisionlog.cli", "verify", "--trajectory", trajectory_id,
             "--database", url], capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stderr
        assert run.stdout.splitlines()[0] == expected["line"]


@pytest.mark.parametrize("case", EXPECTED["queries"], ids=lambda q: q["name"])
def test_every_recorded_query_answers_the_same(server: Server, case: dict[str, Any]) -> None:
    answer = client(server, case["token"]).post(case["query"], case["variables"])
    expected = without_summaries(case["answer"])
    answer = without_summaries(answer)
    field = case["name"].split(" as ")[0]
    field = {"audit_log": "auditLog"}.get(field, field)
    if field in SEALED_LISTS:
        assert without_log_cursors(answer, field) == without_log_cursors(expected, field)
    else:
        assert answer == expected


def test_an_audit_log_cursor_of_the_previous_version_still_resumes(server: Server) -> None:
    case = next(q for q in EXPECTED["queries"] if q["name"] == "audit_log as auditor")
    old_cursor = case["answer"]["data"]["auditLog"]["pageInfo"]["endCursor"]
    page = ("query ($after: String) { auditLog(first: 5, after: $after) { edges { node { "
            "trajectoryId version } } } }")
    auditor = client(server, "auditor")
    resumed = auditor.execute(page, {"after": old_cursor})["auditLog"]["edges"]
    first_fifty = auditor.execute(
        "{ auditLog(first: 55) { edges { node { trajectoryId version } } } }")
    assert resumed == first_fifty["auditLog"]["edges"][50:55]


@pytest.mark.parametrize("field", ["trajectories", "decisions"])
def test_a_list_cursor_of_the_previous_version_still_resumes(server: Server,
                                                             field: str) -> None:
    case = next(q for q in EXPECTED["queries"] if q["name"] == f"{field} as auditor")
    old = case["answer"]["data"][field]["edges"]
    page = (f"query ($after: String) {{ {field}(first: 3, after: $after) "
            "{ edges { node { id } } } }")
    resumed = client(server, "auditor").execute(page, {"after": old[1]["cursor"]})
    assert [e["node"]["id"] for e in resumed[field]["edges"]] == \
        [e["node"]["id"] for e in old[2:5]]


@pytest.mark.parametrize("request_", EXPECTED["requests"],
                         ids=lambda r: f"{r['mutation']}-{r['input']['idempotencyKey']}")
def test_a_retry_of_a_request_stored_by_the_previous_version_is_recognised(
        server: Server, request_: dict[str, Any]) -> None:
    retry = client(server, request_["token"])
    result = retry.mutate(request_["mutation"], request_["input"],
                          selection=_selection(request_["result"]))
    assert result == request_["result"]


def test_a_retry_with_other_input_is_refused_as_a_reused_key(server: Server) -> None:
    facilitator = client(server, "facilitator")
    story = EXPECTED["trajectories"]["story"]
    before = facilitator.execute("query ($id: ID!) { trajectory(id: $id) { version } }",
                                 {"id": story})
    for request_ in EXPECTED["requests"]:
        changed = {**request_["input"]}
        for field in ("title", "name", "reason", "rationale", "description"):
            if field in changed:
                changed[field] = f"{changed[field]} (changed)"
                break
        else:
            continue
        result = facilitator.mutate(request_["mutation"], changed)
        assert result == {"__typename": "RuleViolation", "code": "IDEMPOTENCY_KEY_REUSED",
                          "message": result["message"]}, request_
    after = facilitator.execute("query ($id: ID!) { trajectory(id: $id) { version } }",
                                {"id": story})
    assert after == before


def test_a_new_change_continues_the_old_chain(tmp_path: Path) -> None:
    url = copy_of_store(tmp_path)
    running = Server(url, log_path=tmp_path / "server.log").start()
    try:
        story = EXPECTED["trajectories"]["story"]
        facilitator = client(running, "facilitator")
        domain = facilitator.execute(
            "query ($id: ID!) { trajectory(id: $id) { domains { id active } } }",
            {"id": story})["trajectory"]["domains"][0]["id"]
        made = facilitator.mutate("defineDomain", {"trajectoryId": story, "name": "Evaluation"},
                                  "... on DomainPayload { version }")
        assert made["__typename"] == "DomainPayload", made
        assert domain
    finally:
        running.close()
    run = subprocess.run([sys.executable, "-m", "decisionlog.cli", "verify", "--database", url],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    old_head = EXPECTED["verify"][story]["line"].rsplit(" ", 1)[1]
    (line,) = [x for x in run.stdout.splitlines() if x.startswith(story)]
    assert line.startswith(f"{story} OK 26 events")
    assert not line.endswith(old_head)


def _selection(result: dict[str, Any]) -> str:
    """The payload fields the fixture recorded for a result, to ask for them again."""
    payload = result["__typename"]
    made = [key for key in result if key not in ("__typename", "version", "trajectory")]
    inner = " ".join(f"{key} {{ id }}" for key in made)
    return f"... on {payload} {{ version trajectory {{ id }} {inner} }}"
