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

from decisionlog.auth.principal import Principal
from decisionlog.auth.tokens import TokenRecord, TokenStore, split_token

DEFAULT_TTL_SECONDS = 5.0
DEFAULT_MAXSIZE = 1024


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
        record = self._record(key_id)
        return record.principal if record is not None and record.accepts(secret) else None

    def is_cached(self, token: str) -> bool:
        """Whether a lookup of the token would skip the store (for callers that would
        rather run store lookups in a thread)."""
        parts = split_token(token)
        if parts is None:
            return True
        with self._lock:
            entry = self._cache.get(parts[0])
            return entry is not None and entry[0] > self._clock()

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
