"""`/ready` and the lag gauges while another process rebuilds the read models: 200,
"rebuilding", how far behind; the gauges say the same, then fall back to 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, fresh_database
from tests.bulkdata import fill
from tests.e2e.test_rebuild_while_serving import ROOT, SLOW_REBUILD, ready, wait_until
from tests.operations.service import OpsService, value


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpsService]:
    with fresh_database(request.param, tmp_path, prefix="opsready") as url:
        fill(url, trajectories=20, decisions=20)
        service = OpsService(url, args=["--metrics"], log_level="warning")
        try:
            service.start()
            yield service
        finally:
            service.close()


def test_ready_and_the_lag_gauges_during_a_rebuild(served: OpsService) -> None:
    samples = served.scrape()
    assert value(samples, "decisionlog_readmodel_lag_events") == 0
    env = parse_database_url(served.database_url).env
    child = subprocess.Popen([sys.executable, "-c", SLOW_REBUILD, json.dumps(env)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None
        assert int(child.stdout.readline()) >= 0
        wait_until(lambda: value(served.scrape(), "decisionlog_readmodel_rebuilding") == 1)
        status, body = ready(served)
        views = body["checks"]["readModels"]
        assert status == 200 and views["status"] == "rebuilding" and views["behind"] > 0
        assert value(served.scrape(), "decisionlog_readmodel_lag_events") > 0
        assert httpx.get(f"{served.url}/health").status_code == 200
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    wait_until(lambda: value(served.scrape(), "decisionlog_readmodel_lag_events") == 0)
    assert value(served.scrape(), "decisionlog_readmodel_rebuilding") == 0
    assert ready(served)[1]["checks"]["readModels"]["status"] == "current"
