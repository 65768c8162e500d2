"""`decisionlog serve` with the operations options, and a Prometheus scrape parsed."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.scaleout.service import Service

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@dataclass
class OpsService(Service):
    """`decisionlog serve ARGS` (stdout and stderr in `log_path`)."""

    log_level: str = "info"
    ready_path: str = "/ready"

    def scrape(self, token: str | None = None) -> Samples:
        """Every sample of `GET /metrics`, parsed by prometheus-client's own parser."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = httpx.get(f"{self.url}/metrics", headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain")
        return parse(response.text)


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 when absent: a counter not yet incremented)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    return sum(v for (n, pairs), v in samples.items()
               if n == name and set(labels.items()) <= set(pairs))
