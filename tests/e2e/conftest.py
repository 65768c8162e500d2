"""End-to-end fixtures: a real uvicorn serving a temporary SQLite file or PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol
from uuid import uuid4

import pytest

from tests.backends import BACKENDS, fresh_database
from tests.e2e.client import GraphQLClient, Server


class MakeClient(Protocol):
    """`make_client(role, trajectories, revoked=False)`; role None: no token at all."""

    def __call__(self, role: str | None, trajectories: Iterable[str] = (), *,
                 revoked: bool = False) -> GraphQLClient: ...


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on a fresh store (a SQLite file, or a new PostgreSQL schema per module),
    with an unscoped facilitator token made for it."""
    directory: Path = tmp_path_factory.mktemp("e2e")
    with fresh_database(request.param, directory, prefix="e2e") as url:
        running = Server(url, log_path=directory / "server.log")
        try:
            running.facilitator_token = running.create_token("facilitator",
                                                             name="e2e-facilitator")
            running.start()
            yield running
        finally:
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
