"""`Observer`: where the layers below the API report what operations wants to count.

The store, the group commit, the caches and the command handling call these methods at
the moments that matter (an event batch saved, a cache looked up, a command answered);
this base does nothing, so a service without metrics or traces pays one method call
that returns at once. `decisionlog.operations.telemetry.Telemetry` implements them with
Prometheus metrics and OpenTelemetry spans. Nothing here imports either.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Final

AGGREGATES: Final = "aggregates"
RESULTS: Final = "results"
TOKENS: Final = "tokens"

_NO_SPAN: Final[AbstractContextManager[None]] = nullcontext()


class Observer:
    """Reports from the layers below the API; every method does nothing here."""

    def events_saved(self, events: int, seconds: float) -> None:
        """`events` events were stored in one transaction that took `seconds`."""

    def batch_committed(self, requests: int) -> None:
        """The group commit ran a batch of `requests` command requests."""

    def cache_lookup(self, cache: str, hit: bool) -> None:
        """A lookup in one of the caches (`AGGREGATES`, `RESULTS`, `TOKENS`)."""

    def command_answered(self, command: str, outcome: str) -> None:
        """A command was answered: "stored", "repeated" or a typed error's name."""

    def span(self, name: str) -> AbstractContextManager[None]:
        """A tracing span around a block (none here)."""
        return _NO_SPAN


NO_OBSERVER: Final = Observer()
