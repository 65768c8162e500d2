"""End-to-end fixtures: a real uvicorn serving a temporary SQLite file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol
from uuid import uuid4

import pytest

from tests.e2e.client import GraphQLClient, Server


class MakeClient(Protocol):
    """`make_client(role, trajectories, revoked=False)`; role None: no token at all."""

    def __call__(self, role: str | None, trajectories: Iterable[str] = (), *,
                 revoked: bool = False) -> GraphQLClient: ...


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on a fresh SQLite file, with an unscoped facilitator token made for it."""
    directory: Path = tmp_path_factory.mktemp("e2e")
    running = Server(f"sqlite:///{directory}/decisionlog.db", log_path=directory / "server.log")
    running.facilitator_token = running.create_token("facilitator", name="e2e-facilitator")
    running.start()
    yield running
    running.close()


@pytest.fixture
def client(server: Server) -> GraphQLClient:
    """A facilitator client: may record and read everything."""
    return server.client(server.facilitator_token)


@pytest.fixture
def make_client(server: Server) -> MakeClient:
    """A client with a new token of a role, scoped to some trajectories or (by default)
    to all of them; revoked before its first use when asked."""
    def make(role: str | None, trajectories: Iterable[str] = (), *,
             revoked: bool = False) -> GraphQLClient:
        if role is None:
            return server.client()
        name = f"{role}-{uuid4().hex[:8]}"
        token = server.create_token(role, name=name, trajectories=trajectories)
        if revoked:
            server.revoke_token(name)
        return server.client(token)
    return make
