"""Every GraphQL example in the README and in docs/, and GraphiQL's first query, run
against the demo as a reader would run them, in the order they are written
(subscriptions over the websocket, up to their first message).

The examples depend on no stored id: `$id` is the demo trajectory's id, and every other
variable is an id an earlier example (a mutation, or a query) returned, under the name of
the field (or alias) that returned it, just as a reader copies `member { id }` into
`{"member": …}`; from a list, the last such object's.
Each must answer without a GraphQL error, and each mutation with its success payload.
The README's curl example runs too, where curl is installed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, OperationType, parse

from decisionlog.api.graphiql import FIRST_QUERY
from tests.e2e.demo import DemoServer

ROOT = Path(__file__).resolve().parents[2]
FIRST_PAGES = [ROOT / "README.md", ROOT / "docs" / "changes.md"]  # as the README leads
PAGES = [*FIRST_PAGES, *sorted(set((ROOT / "docs").glob("*.md")) - set(FIRST_PAGES))]
GRAPHQL_BLOCK = re.compile(r"^```graphql\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHORT_DIGEST = re.compile(r"\b[0-9a-f]{8}…")


def examples() -> list[tuple[str, str]]:
    """(where, document) for every example, in reading order."""
    found = [("GraphiQL's first query", FIRST_QUERY)]
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for number, match in enumerate(GRAPHQL_BLOCK.finditer(text), start=1):
            found.append((f"{page.relative_to(ROOT)} example {number}", match[1]))
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    running = DemoServer(tmp_path_factory.mktemp("docs"))
    try:
        yield running
    finally:
        running.stop()


def test_the_readme_and_docs_have_examples_of_every_mutation() -> None:
    mutations = set()
    for _, document in examples():
        for definition in parse(document).definitions:
            if isinstance(definition, OperationDefinitionNode) \
                    and definition.operation is OperationType.MUTATION:
                mutations |= {field.name.value for field in definition.selection_set.selections
                              if hasattr(field, "name")}
    schema = (ROOT / "schema.graphql").read_text()
    block = schema[schema.index("type Mutation {"):]
    declared = set(re.findall(r"^  (\w+)\(", block[:block.index("\n}")], re.MULTILINE))
    assert declared and mutations == declared


def test_every_graphql_example_runs_against_the_demo(demo: DemoServer) -> None:
    ids: dict[str, str] = {"id": demo.trajectory_id}
    http = httpx.Client(base_url=demo.origin, timeout=30,
                        headers={"Authorization": f"Bearer {demo.token}"})
    ran = 0
    for where, document in examples():
        operations = [d for d in parse(document).definitions
                      if isinstance(d, OperationDefinitionNode)]
        assert len(operations) == 1, f"{where}: one operation per example"
        wanted = [v.variable.name.value for v in operations[0].variable_definitions or ()]
        missing = [name for name in wanted if name not in ids]
        assert not missing, (f"{where} needs ${', $'.join(missing)}, which no example "
                             "before it returned")
        variables = {n: ids[n] for n in wanted}
        if operations[0].operation is OperationType.SUBSCRIPTION:
            body = first_message(demo, document, variables)
            assert not body.get("errors"), f"{where}: {body['errors']}"
            ran += 1
            continue
        answer = http.post("/graphql", json={"query": document, "variables": variables})
        assert answer.status_code == 200, f"{where}: {answer.status_code} {answer.text}"
        body = answer.json()
        assert not body.get("errors"), f"{where}: {body['errors']}"
        if operations[0].operation is OperationType.MUTATION:
            for field, result in body["data"].items():
                assert result["__typename"].endswith("Payload"), f"{where} {field}: {result}"
        ids.update(returned_ids(body["data"]))
        ran += 1
    assert ran >= 20


def first_message(demo: DemoServer, document: str, variables: dict[str, Any]
                  ) -> dict[str, Any]:
    """A subscription's first message (its payload), over the websocket as a client
    (GraphiQL, gql) sends it."""
    from websockets.sync.client import connect

    url = demo.origin.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init",
                            "payload": {"Authorization": f"Bearer {demo.token}"}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe",
                            "payload": {"query": document, "variables": variables}}))
        message = json.loads(ws.recv(timeout=10))
        ws.send(json.dumps({"id": "1", "type": "complete"}))
    if message["type"] == "error":
        return {"errors": message["payload"]}
    assert message["type"] == "next", message
    return dict(message["payload"])


def returned_ids(value: Any) -> dict[str, str]:
    """Every object with an id in a result, under the key that holds it."""
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found[key] = item["id"]
            found.update(returned_ids(item))
    elif isinstance(value, list):
        for item in value:
            found.update(returned_ids(item))
    return found


def test_the_readmes_curl_example_answers(demo: DemoServer) -> None:
    if shutil.which("curl") is None:
        pytest.skip("README's curl example: curl is not installed")
    scripts = [m[1] for m in SHELL_BLOCK.finditer((ROOT / "README.md").read_text())
               if "curl " in m[1]]
    assert scripts
    for script in scripts:
        token_file = demo.folder / "decisionlog.db.demo-token"
        assert token_file.read_text().strip() == demo.token
        run = subprocess.run(["bash", "-c", script.replace("http://127.0.0.1:8000",
                                                           demo.origin)],
                             cwd=demo.folder, capture_output=True, text=True, timeout=60,
                             env={**os.environ}, check=False)
        assert run.returncode == 0, run.stderr
        body = json.loads(run.stdout)
        assert "errors" not in body and body["data"], body


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A demo no example has changed (docs/frames.md's examples record on the demo)."""
    running = DemoServer(tmp_path_factory.mktemp("transcripts"))
    try:
        yield running
    finally:
        running.stop()


def test_the_docs_console_transcripts_are_what_the_demo_answers(
        fresh_demo: DemoServer) -> None:
    """A `console` block: `$ command` lines and what they print, `…` standing for what
    differs from run to run (timings, and digests, which cover when events were
    recorded). A short digest in a command is the head digest printed before it. They
    read the demo as `serve --demo` made it."""
    demo = fresh_demo
    transcripts = [(page, m[1]) for page in PAGES
                   for m in CONSOLE_BLOCK.finditer(page.read_text(encoding="utf-8"))]
    assert transcripts
    for page, transcript in transcripts:
        head = ""
        expected: list[str] = []
        command: str | None = None
        for line in [*transcript.splitlines(), "$ "]:
            if not line.startswith("$ "):
                expected.append(line)
                continue
            if command is not None:
                printed = run_documented(command, head, demo)
                assert_matches(printed, expected, f"{page.name}: {command}")
                digests = re.findall(r"head(?: digest)? ([0-9a-f]{64})", printed)
                head = digests[-1] if digests else head
            command, expected = line[2:].strip() or None, []


def run_documented(command: str, head: str, demo: DemoServer) -> str:
    words = [head if SHORT_DIGEST.fullmatch(w) else w for w in shlex.split(command)]
    if words[0] == ".venv/bin/decisionlog":
        words[:1] = [sys.executable, "-m", "decisionlog.cli"]
    elif words[0] == "python3":
        words[0] = sys.executable
        words[1] = str(ROOT / words[1])
    run = subprocess.run(words, cwd=demo.folder, capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 0, f"{command}: {run.stderr}"
    return run.stdout


def assert_matches(printed: str, expected: list[str], where: str) -> None:
    lines = printed.splitlines()
    assert len(lines) == len(expected), f"{where} printed {printed!r}"
    for line, pattern in zip(lines, expected, strict=True):
        regex = ".*".join(re.escape(part) for part in SHORT_DIGEST.sub("…", pattern).split("…"))
        assert re.fullmatch(regex, line), f"{where}: {line!r} is not {pattern!r}"
