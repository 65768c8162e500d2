"""From a bearer token to a `Principal`, with a small cache in front of the store.

Staleness bound: a token's record is cached for `ttl` seconds (default 5) per process,
so a revoked token keeps working for at most that long in each server worker that used
it just before; a new token works at once (a miss always asks the store). The cache
holds at most `maxsize` key ids, least recently used first out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum
from typing import Final

from decisionlog.auth.principal import Principal
from decisionlog.auth.tokens import TokenRecord, TokenStore, split_token
from decisionlog.infrastructure.lru import BoundedLRU
from decisionlog.infrastructure.observer import NO_OBSERVER, TOKENS, Observer

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
        self._clock = clock
        # key id: (expiry time, record)
        self._cache: BoundedLRU[str, tuple[float, TokenRecord | None]] = BoundedLRU(maxsize)
        self.observer: Observer = NO_OBSERVER  # counts hits and misses (operations sets it)

    def principal(self, token: str, *, max_age: float | None = None) -> Principal | None:
        """The principal of a valid, unrevoked token; None for anything else. With
        `max_age`, a cached lookup older than that many seconds is made again (a check
        that repeats every second then still notices a revocation within `ttl`)."""
        parts = split_token(token)
        if parts is None:
            return None
        key_id, secret = parts
        return _principal(self._record(key_id, max_age), secret)

    def cached_principal(self, token: str, *, max_age: float | None = None,
                         count: bool = True
                         ) -> Principal | NotCached | None:
        """What `principal(token)` answers when that needs no store lookup; else
        `NOT_CACHED` (for callers that would rather run store lookups in a thread).
        `count=False`: not counted as a lookup (a caller that may yet hand the request
        on to one that looks the token up again counts its own hit)."""
        parts = split_token(token)
        if parts is None:
            return None
        key_id, secret = parts
        entry = self._cache.get(key_id)
        if entry is None or not self._fresh(entry[0], max_age):
            return NOT_CACHED  # (the lookup that follows counts the miss)
        if count:
            self.observer.cache_lookup(TOKENS, True)
        return _principal(entry[1], secret)

    def principal_of_key(self, key_id: str) -> Principal | None:
        """The principal of the unrevoked token with that key id, for a caller that
        checked the whole token earlier (a signed page session); None for anything else.
        Cached like `principal`, so revocation reaches both within `ttl`."""
        record = self._record(key_id)
        return None if record is None or record.revoked_at is not None else record.principal

    def cached_principal_of_key(self, key_id: str) -> Principal | NotCached | None:
        """What `principal_of_key` answers when that needs no store lookup; else
        `NOT_CACHED`."""
        entry = self._cache.get(key_id)
        if entry is None or entry[0] <= self._clock():
            return NOT_CACHED
        self.observer.cache_lookup(TOKENS, True)
        record = entry[1]
        return None if record is None or record.revoked_at is not None else record.principal

    def _fresh(self, expiry: float, max_age: float | None) -> bool:
        """Whether a cache entry expiring at `expiry` may still answer."""
        now = self._clock()
        return expiry > now and (max_age is None or expiry - self.ttl + max_age > now)

    def _record(self, key_id: str, max_age: float | None = None) -> TokenRecord | None:
        now = self._clock()
        entry = self._cache.get(key_id)
        if entry is not None and self._fresh(entry[0], max_age):
            self.observer.cache_lookup(TOKENS, True)
            return entry[1]
        self.observer.cache_lookup(TOKENS, False)
        record = self.store.by_key_id(key_id)
        self._cache.put(key_id, (now + self.ttl, record))
        return record


def _principal(record: TokenRecord | None, secret: str) -> Principal | None:
    return record.principal if record is not None and record.accepts(secret) else None
