"""End-to-end fixtures: a real uvicorn serving a temporary SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.client import GraphQLClient, Server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory: Path = tmp_path_factory.mktemp("e2e")
    running = Server(f"sqlite:///{directory}/decisionlog.db",
                     log_path=directory / "server.log").start()
    yield running
    running.stop()


@pytest.fixture
def client(server: Server) -> GraphQLClient:
    return server.client()
