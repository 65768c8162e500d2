"""The Grafana dashboard in docs/ uses only metrics the service exports, and every
decisionlog metric the service exports has a panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

from decisionlog.operations.metrics import Metrics
from tests.operations.service import parse

DASHBOARD = Path(__file__).parents[2] / "docs" / "grafana-dashboard.json"
SUFFIXES = ("_bucket", "_sum", "_count", "_total")


def base(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def test_the_dashboard_and_the_metrics_agree() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"]
                   for target in panel["targets"]]
    used = {base(name) for expr in expressions
            for name in re.findall(r"decisionlog_[a-z_]+", expr)}
    metrics = Metrics(backend="sqlite")
    metrics.count_request(route="/graphql", operation="Q", root_field="trajectory",
                          outcome="ok", seconds=0.001)
    metrics.commands.labels("AddMember", "stored").inc()
    exported = {base(name) for name, _ in parse(metrics.render().decode())
                if name.startswith("decisionlog_")}
    assert used <= exported, used - exported
    assert exported <= used, exported - used
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
