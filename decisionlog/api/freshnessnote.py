"""`extensions.readModels` on answers read from read models behind the event log.

While the views are being rebuilt (or caught up after an interrupted rebuild), lists and
searches answer from them as far as they go. Every read of the views inside an
execution also reads, in the same snapshot, how far they are behind
(`readmodels.watching_freshness`); when any was behind, the answer says so:

    "extensions": {"readModels": {"status": "rebuilding", "behind": 18061, ...}}

Such an answer is neither kept nor tagged (`resultcache.py`): it runs after the result
cache's hook in the schema's extension list, so it ends first, while the cache still
listens.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from decisionlog.api.readiness import freshness_note
from decisionlog.api.resultcache import uncacheable
from decisionlog.readmodels import watching_freshness
from decisionlog.readmodels.reader import FreshnessSeen


class ReadModelFreshness(SchemaExtension):
    """Notes in the answer's extensions that it was read from lagging views."""

    _seen: FreshnessSeen | None = None

    def on_execute(self) -> Iterator[None]:
        with watching_freshness() as seen:
            self._seen = seen
            yield
        if seen.lagging is not None:
            uncacheable()  # a later answer may differ with no new event: untagged

    def get_results(self) -> dict[str, Any]:
        lagging = None if self._seen is None else self._seen.lagging
        return {} if lagging is None else {"readModels": freshness_note(lagging)}
