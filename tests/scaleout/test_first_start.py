"""First start on an empty PostgreSQL schema by several processes at once: the schema and
every table are made once, no start fails, and the service works at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from decisionlog.application import DecisionLog
from decisionlog.auth import token_store
from decisionlog.cli.main import main
from decisionlog.infrastructure.config import parse_database_url
from tests.e2e.helpers import define_domain, start
from tests.scaleout.service import Service, in_threads

pytestmark = pytest.mark.timeout(60)


def test_eight_applications_opening_an_empty_schema_at_once_all_start(database: str) -> None:
    env = {**parse_database_url(database).env, "POSTGRES_POOL_SIZE": "1"}
    apps: list[DecisionLog] = []
    lock = threading.Lock()

    def open_one(index: int) -> None:
        app = DecisionLog(env=env)
        with lock:
            apps.append(app)
        token_store(app).records()  # the token table too

    try:
        in_threads(8, open_one)
        assert len(apps) == 8
        token = token_store(apps[0]).create(name="first", role="facilitator")
        assert token_store(apps[7]).get("first") is not None and token
    finally:
        for app in apps:
            app.close()


def test_serve_with_four_workers_on_an_empty_schema(
        database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "serve.log"
    service = Service(database, workers=4, log_path=log)
    try:
        service.start()  # nothing exists yet: four workers make the schema together
        assert len(service.worker_pids()) == 4
        assert main(["token", "create", "--role", "facilitator", "--name", "late",
                     "--database", database]) == 0
        service.facilitator_token = capsys.readouterr().out.strip()
        client = service.client(service.facilitator_token)
        define_domain(client, start(client), "Programme design")
    finally:
        service.close()
    text = log.read_text()
    assert "Traceback" not in text and "Error" not in text, text
