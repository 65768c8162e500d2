"""A third-party client: `graphql-ws`, the reference client of the graphql-transport-ws
protocol (npm, pinned in tests/live/node/package-lock.json, run with the machine's Node),
subscribes to `trajectoryEvents`, drops its connection part-way, resumes from the last
version it received on a new one, and stays live: what it received equals `history`.

Skipped, saying why, when node or npm is missing; the packages are installed with
`npm ci` from the lock file into a cache directory the first time (CI has the npm
registry).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import start
from tests.live.test_catch_up import client_of, grow

NODE = Path(__file__).parent / "node"
HISTORY = """query($id: ID!, $after: String) { trajectory(id: $id) {
  history(first: 100, after: $after) { edges { node { version type digest previousDigest } }
    pageInfo { hasNextPage endCursor } } } }"""


@pytest.fixture(scope="module")
def graphql_ws() -> Path:
    """A directory with client.mjs and the locked npm packages installed."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("graphql-ws client: node and npm are not installed "
                    "(Debian packages nodejs and npm)")
    version = subprocess.run(["node", "--version"], capture_output=True, text=True,
                             check=False).stdout.strip()
    if int(version.lstrip("v").split(".")[0] or 0) < 20:
        pytest.skip(f"graphql-ws 6 needs Node 20 or newer, not {version}")
    lock = (NODE / "package-lock.json").read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tools = cache / "decisionlog" / f"graphql-ws-{hashlib.sha256(lock).hexdigest()[:12]}"
    if not (tools / "node_modules" / "graphql-ws" / "package.json").exists():
        tools.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(NODE / name, tools / name)
        installed = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"],
                                   cwd=tools, capture_output=True, text=True, timeout=300,
                                   check=False)
        assert installed.returncode == 0, installed.stderr
    shutil.copy(NODE / "client.mjs", tools / "client.mjs")
    return tools


def stored(client: GraphQLClient, tid: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = None
    while True:
        page = client.execute(HISTORY, {"id": tid, "after": after})["trajectory"]["history"]
        events += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return events
        after = page["pageInfo"]["endCursor"]


class NodeClient:
    """client.mjs in a child process, spoken to over lines."""

    def __init__(self, tools: Path, server: Server, tid: str, first: int) -> None:
        url = server.url.replace("http://", "ws://") + "/graphql"
        self.process = subprocess.Popen(
            ["node", str(tools / "client.mjs"), url, server.facilitator_token, tid,
             str(first)], cwd=tools, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1)

    def line(self) -> str:
        assert self.process.stdout is not None
        text = self.process.stdout.readline()
        if not text:
            self.process.wait(timeout=30)
            assert self.process.stderr is not None
            raise AssertionError(f"client.mjs ended ({self.process.returncode}): "
                                 f"{self.process.stderr.read()}")
        return text.strip()

    def events(self) -> list[dict[str, Any]]:
        message = json.loads(self.line())
        return list(message["events"])

    def say(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


@pytest.mark.timeout(120)
def test_graphql_ws_subscribes_receives_and_resumes(graphql_ws: Path, server: Server
                                                    ) -> None:
    client = client_of(server)
    tid = start(client)
    grow(client, tid, 5)  # versions 1-6 stored
    node = NodeClient(graphql_ws, server, tid, first=3)
    try:
        received = node.events()  # 1-3, then the connection is dropped
        assert node.line() == "DROPPED"
        grow(client, tid, 2)  # 7-8, written while no connection is open
        node.say("more 5")  # resumed after version 3: 4-8, stored
        received += node.events()
        assert node.line() == "CAUGHT-UP"
        grow(client, tid, 2)  # 9-10, live
        node.say("more 2")
        received += node.events()
        assert node.line() == "CAUGHT-UP"
        node.say("end")
        assert node.process.wait(timeout=30) == 0
    finally:
        node.close()
    assert [event["version"] for event in received] == list(range(1, 11))
    assert received == stored(client, tid)
