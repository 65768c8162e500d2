"""Route tests of the pages: a real uvicorn on a SQLite file or a PostgreSQL schema,
with the demo trajectory and a token of every role; visitors keep their own cookies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol
from uuid import uuid4

import pytest

from decisionlog.application import DecisionLog
from decisionlog.demo import seed_demo
from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, fresh_database
from tests.e2e.client import Server
from tests.web.pages_client import Visitor


class MakeVisitor(Protocol):
    """`visitor(role, trajectories=())`: signed in with a new token of that role (role
    None: not signed in)."""

    def __call__(self, role: str | None, trajectories: Iterable[str] = ()) -> Visitor: ...


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on a fresh store with the demo trajectory (`server.demo_id`)."""
    directory: Path = tmp_path_factory.mktemp("web")
    with fresh_database(request.param, directory, prefix="web") as url:
        log = DecisionLog(env=parse_database_url(url).env)
        try:
            demo_id = seed_demo(log)
        finally:
            log.close()
        running = Server(url, log_path=directory / "server.log",
                         extra_env={"DECISIONLOG_TOKEN_CACHE_SECONDS": "1"})
        try:
            running.facilitator_token = running.create_token("facilitator", name="ana")
            running.demo_id = demo_id  # type: ignore[attr-defined]
            running.start()
            yield running
        finally:
            running.close()


@pytest.fixture
def demo_id(server: Server) -> str:
    return str(server.demo_id)  # type: ignore[attr-defined]


@pytest.fixture
def visitor(server: Server) -> Iterator[MakeVisitor]:
    made: list[Visitor] = []

    def make(role: str | None, trajectories: Iterable[str] = ()) -> Visitor:
        someone = Visitor(server)
        made.append(someone)
        if role is not None:
            someone.name = f"{role}-{uuid4().hex[:8]}"
            someone.token = server.create_token(role, name=someone.name,
                                                trajectories=trajectories)
            signed = someone.sign_in(someone.token)
            assert signed.status == 200, signed.text[:300]
        return someone

    yield make
    for someone in made:
        someone.close()
