"""Rendered parts of pages, kept while what they show is unchanged.

A board for a given state of a trajectory (its id, version and head digest) and a given
view (time travel, what the visitor may do) always renders the same HTML, so the part
of the page below the site's header is kept and reused: rendering it costs about 8 ms
for the demo trajectory and 90 ms for a 10,000-event one, reusing it a dictionary
lookup. The key holds the trajectory's version and head digest, read from the store on
every request, so a change is seen at once, on any worker (like the API's result
cache). Bounded by size in characters, least recently used first out; a fragment larger
than a tenth of the bound is not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

DEFAULT_MAX_CHARS = 16 * 1024 * 1024


class FragmentCache:
    """Rendered HTML by key, at most `max_chars` characters in all; thread-safe."""

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.max_chars = max_chars
        self._entries: OrderedDict[Hashable, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
            return html

    def put(self, key: Hashable, html: str) -> None:
        if len(html) > self.max_chars // 10:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._chars -= len(old)
            self._entries[key] = html
            self._chars += len(html)
            while self._chars > self.max_chars:
                _, dropped = self._entries.popitem(last=False)
                self._chars -= len(dropped)

    @property
    def chars(self) -> int:
        with self._lock:
            return self._chars

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
