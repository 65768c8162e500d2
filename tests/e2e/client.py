"""A small GraphQL-over-HTTP client, and a real uvicorn server to point it at."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from decisionlog.api.serving import uvicorn_arguments
from decisionlog.application import DecisionLog
from decisionlog.auth import TokenStore, token_store
from decisionlog.infrastructure.config import parse_database_url


class GraphQLErrors(AssertionError):
    """Raised when a response carries GraphQL errors the test did not expect."""


@dataclass
class GraphQLClient:
    """Posts GraphQL operations to one server."""

    base_url: str
    token: str | None = None
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        # Plain HTTP on 127.0.0.1: verify=False skips loading the CA bundle, which costs
        # about 30 ms per client (one or more clients per test).
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=30,
                                 verify=False)

    def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole JSON response: data and errors."""
        response = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code < 500, response.text
        body: dict[str, Any] = response.json()
        return body

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data of a response that must have no errors."""
        body = self.post(query, variables)
        if body.get("errors"):
            raise GraphQLErrors(body["errors"])
        data: dict[str, Any] = body["data"]
        return data

    def mutate(self, name: str, input: dict[str, Any], selection: str = "") -> dict[str, Any]:
        """Run one mutation; returns its result object with `__typename`."""
        input_type = name[0].upper() + name[1:] + "Input"
        query = (
            f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename "
            "... on ValidationError { message field } ... on NotFound { message kind id } "
            "... on RuleViolation { message code } "
            "... on VersionConflict { message expectedVersion actualVersion } "
            "... on NotAuthorized { message } "
            f"{selection} }} }}"
        )
        result: dict[str, Any] = self.execute(query, {"input": input})[name]
        return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """`uvicorn decisionlog.api.app:create_app` in a child process, on a real database."""

    database_url: str
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    facilitator_token: str | None = None
    _log: DecisionLog | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def backend(self) -> str:
        """"sqlite" or "postgres"."""
        return parse_database_url(self.database_url).backend

    def start(self) -> Server:
        env = {**os.environ, "DECISIONLOG_DATABASE_URL": self.database_url, **self.extra_env}
        log = open(self.log_path or os.devnull, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "decisionlog.api.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             *uvicorn_arguments()],
            env=env, stdout=log, stderr=log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.process = None

    def client(self, token: str | None = None) -> GraphQLClient:
        return GraphQLClient(self.url, token=token)

    def tokens(self) -> TokenStore:
        """The token store of the server's database (the same table the server reads)."""
        return token_store(self.log())

    def log(self) -> DecisionLog:
        """The test's own `DecisionLog` on the server's database (to seed it, say)."""
        if self._log is None:
            self._log = DecisionLog(env=parse_database_url(self.database_url).env)
        return self._log

    def create_token(self, role: str, *, name: str,
                     trajectories: Iterable[str] = ()) -> str:
        """A new token in the server's database; it works at once, started or not."""
        return self.tokens().create(name=name, role=role, trajectories=list(trajectories))

    def revoke_token(self, name: str) -> None:
        self.tokens().revoke(name)

    def close(self) -> None:
        """Stop the server and close the test's own connection to its database."""
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None
