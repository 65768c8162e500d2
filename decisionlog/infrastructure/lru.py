"""A bounded, thread-safe least-recently-used map: the one behind the API's caches and
the authenticator's token cache.

It is bounded by entries and, when given `max_bytes`, by the bytes its entries say they
take (`put(key, value, size=...)`): a count alone let 1,100 distinct 1 MB queries pin
1.76 GB. An entry larger than `max_entry_bytes` (by default an eighth of the bound) is
not kept at all, so one huge entry cannot flush everything else.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar, overload

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")

ENTRY_SHARE = 8  # an entry may take at most 1/ENTRY_SHARE of max_bytes


class BoundedLRU(Generic[K, V]):
    """At most `maxsize` entries and `max_bytes` bytes; a `get` or `put` makes its key the
    most recently used, and a `put` beyond a bound drops the least recently used."""

    def __init__(self, maxsize: int, *, max_bytes: int | None = None,
                 max_entry_bytes: int | None = None) -> None:
        self.maxsize = maxsize
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes if max_entry_bytes is not None else (
            None if max_bytes is None else max_bytes // ENTRY_SHARE)
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...

    def get(self, key: K, default: object = None) -> object:
        """The value under `key` (now the most recently used), or `default`."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            self._entries.move_to_end(key)
            return entry[0]

    @overload
    def peek(self, key: K) -> V | None: ...
    @overload
    def peek(self, key: K, default: D) -> V | D: ...

    def peek(self, key: K, default: object = None) -> object:
        """The value under `key`, or `default`, leaving the order alone."""
        with self._lock:
            entry = self._entries.get(key)
            return default if entry is None else entry[0]

    def put(self, key: K, value: V, *, size: int = 0) -> bool:
        """Store `value` under `key` as the most recently used entry, counting `size`
        bytes for it; False (and nothing stored) when it is larger than an entry may be
        or the cache is off."""
        with self._lock:
            self._pop(key)
            if self.maxsize <= 0 or (self.max_entry_bytes is not None
                                     and size > self.max_entry_bytes):
                return False
            self._entries[key] = (value, size)
            self._bytes += size
            while len(self._entries) > self.maxsize or (
                    self.max_bytes is not None and self._bytes > self.max_bytes):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
            return True

    def discard(self, key: K) -> None:
        with self._lock:
            self._pop(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def values(self) -> list[V]:
        """The values, least recently used first (a copy)."""
        with self._lock:
            return [value for value, _ in self._entries.values()]

    @property
    def bytes(self) -> int:
        """The sizes of the entries kept, added up."""
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _pop(self, key: K) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[1]
