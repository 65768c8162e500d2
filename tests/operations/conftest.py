"""Fixtures: `decisionlog serve` with metrics, on a fresh SQLite file or PostgreSQL schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends import BACKENDS, fresh_database
from tests.operations.service import OpsService


@pytest.fixture(params=BACKENDS)
def metrics_service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpsService]:
    """`decisionlog serve --metrics --log-format json`, one worker, with a facilitator
    token (`facilitator_token`)."""
    with fresh_database(request.param, tmp_path, prefix="ops") as url:
        service = OpsService(url, log_path=tmp_path / "serve.log",
                             args=["--metrics", "--log-format", "json"])
        try:
            service.facilitator_token = service.create_token("facilitator", name="ops-anna")
            service.start()
            yield service
        finally:
            service.close()
