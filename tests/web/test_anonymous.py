"""With anonymous reads allowed (`serve --allow-anonymous-read`), the pages read without
a token, as an unscoped reader, and still refuse every change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from decisionlog.application import DecisionLog
from decisionlog.demo import seed_demo
from decisionlog.infrastructure.config import parse_database_url
from tests.e2e.client import Server
from tests.web.pages_client import Visitor


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    directory: Path = tmp_path_factory.mktemp("anonymous")
    url = f"sqlite:///{directory}/decisionlog.db"
    log = DecisionLog(env=parse_database_url(url).env)
    try:
        demo_id = seed_demo(log)
    finally:
        log.close()
    server = Server(url, extra_env={"DECISIONLOG_ALLOW_ANONYMOUS_READ": "1"})
    try:
        yield server.start(), demo_id
    finally:
        server.close()


def test_anonymous_visitors_read_and_change_nothing(open_server: tuple[Server, str]) -> None:
    server, demo_id = open_server
    someone = Visitor(server)
    assert someone.get("/").response.url.path == "/trajectories"
    board = someone.get(f"/trajectories/{demo_id}")
    assert board.status == 200 and "Reading without a token" in board.text
    assert board.document.find("a", href="/sign-in")
    assert not board.document.find("section", class_="actions")
    hidden = someone.get("/sign-in").document.hidden()  # this session's CSRF token
    form = f"/trajectories/{demo_id}/forms/define-domain"
    assert someone.get(form).status == 403
    assert someone.post(form, {**hidden, "expected_version": "25", "name": "x"}).status == 403
    assert someone.get("/audit").status == 403
