"""From a bearer token to a `Principal`, with a small cache in front of the store.

Staleness bound: a token's record is cached for `ttl` seconds (default 5) per process,
so a revoked token keeps working for at most that long in each server worker that used
it just before; a new token works at once (a miss always asks the store). The cache
holds at most `maxsize` key ids, least recently used first out.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from enum import Enum
from typing import Final

from decisionlog.auth.principal import Principal
from decisionlog.auth.tokens import TokenRecord, TokenStore, split_token

DEFAULT_TTL_SECONDS = 5.0
DEFAULT_MAXSIZE = 1024


class NotCached(Enum):
    """The answer of `Authenticator.cached_principal` when the store must be asked."""

    NOT_CACHED = "not cached"


NOT_CACHED: Final = NotCached.NOT_CACHED


class Authenticator:
    """Finds the principal of a token; thread-safe."""

    def __init__(self, store: TokenStore, *, ttl: float = DEFAULT_TTL_SECONDS,
                 maxsize: int = DEFAULT_MAXSIZE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.ttl = ttl
        self.maxsize = maxsize
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, TokenRecord | None]] = OrderedDict()
        self._lock = threading.Lock()

    def principal(self, token: str) -> Principal | None:
        """The principal of a valid, unrevoked token; None for anything else."""
        parts = split_token(token)
        if parts is None:
            return None
        key_id, secret = parts
        return _principal(self._record(key_id), secret)

    def cached_principal(self, token: str) -> Principal | NotCached | None:
        """What `principal(token)` answers when that needs no store lookup; else
        `NOT_CACHED` (for callers that would rather run store lookups in a thread)."""
        parts = split_token(token)
        if parts is None:
            return None
        key_id, secret = parts
        now = self._clock()
        with self._lock:
            entry = self._cache.get(key_id)
            if entry is None or entry[0] <= now:
                return NOT_CACHED
            self._cache.move_to_end(key_id)
        return _principal(entry[1], secret)

    def _record(self, key_id: str) -> TokenRecord | None:
        now = self._clock()
        with self._lock:
            entry = self._cache.get(key_id)
            if entry is not None and entry[0] > now:
                self._cache.move_to_end(key_id)
                return entry[1]
        record = self.store.by_key_id(key_id)
        with self._lock:
            self._cache[key_id] = (now + self.ttl, record)
            self._cache.move_to_end(key_id)
            while len(self._cache) > self.maxsize:
                self._cache.popitem(last=False)
        return record


def _principal(record: TokenRecord | None, secret: str) -> Principal | None:
    return record.principal if record is not None and record.accepts(secret) else None
