"""Live subscriptions end to end: real uvicorn servers on a SQLite file or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.backends import BACKENDS, fresh_database
from tests.e2e.client import Server

MakeServer = Callable[..., Server]


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on a fresh store, with an unscoped facilitator token."""
    directory: Path = tmp_path_factory.mktemp("live")
    with fresh_database(request.param, directory, prefix="live") as url:
        running = Server(url, log_path=directory / "server.log")
        try:
            running.facilitator_token = running.create_token("facilitator",
                                                             name="live-facilitator")
            running.start()
            yield running
        finally:
            running.close()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[MakeServer]:
    """`make_server(**env)`: a server of its own on a fresh SQLite file, with settings
    (DECISIONLOG_* variables) of its own; stopped after the test."""
    made: list[Server] = []

    def make(**env: str) -> Server:
        directory = tmp_path / f"server{len(made)}"
        directory.mkdir()
        running = Server(f"sqlite:///{directory}/decisionlog.db", extra_env=env,
                         log_path=directory / "server.log")
        made.append(running)
        running.facilitator_token = running.create_token("facilitator", name="facilitator")
        return running.start()

    yield make
    for running in made:
        running.close()
