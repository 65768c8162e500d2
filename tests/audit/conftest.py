"""Audit fixtures: `app`, a fresh `DecisionLog` on each store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from decisionlog.application import DecisionLog
from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, fresh_database


@pytest.fixture(params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DecisionLog]:
    """A fresh application on a SQLite file or a PostgreSQL schema."""
    with fresh_database(request.param, tmp_path, prefix="audit") as url:
        log = DecisionLog(env=parse_database_url(url).env)
        yield log
        log.close()
