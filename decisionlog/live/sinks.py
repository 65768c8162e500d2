"""Where the follower puts what it reads: one sink per live subscription, bounded.

`EntryQueue` holds the entries a subscription has not sent yet, at most `capacity` of
them; one more and the subscription is too slow: the queue is emptied (its memory given
back at once), and the next `get` raises `SlowConsumerError` for the stream to close
with the position to resume from. `Changes` holds only whether a trajectory changed
since it was last read, so it never fills: bursts are coalesced.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decisionlog.audit.log import AuditEntry


class SlowConsumerError(Exception):
    """Raised when a subscription fell `capacity` entries behind the log."""

    def __init__(self, capacity: int) -> None:
        super().__init__(f"More than {capacity} events waited to be sent.")
        self.capacity = capacity


class Sink:
    """What the follower hands entries to. `floor`: entries at or before this position
    are not wanted (the stream read them from the store); `trajectory_id`: only that
    trajectory's entries are (None: every trajectory's)."""

    def __init__(self, *, floor: int, trajectory_id: str | None = None) -> None:
        self.floor = floor
        self.trajectory_id = trajectory_id
        self._ready = asyncio.Event()

    def offer(self, entry: AuditEntry) -> None:
        """Take an entry after `floor` (called on the event loop, never blocks)."""
        raise NotImplementedError


class EntryQueue(Sink):
    """The entries a subscription has yet to send, in log order, at most `capacity`."""

    def __init__(self, *, floor: int, capacity: int, trajectory_id: str | None = None,
                 wants: Callable[[AuditEntry], bool] | None = None) -> None:
        super().__init__(floor=floor, trajectory_id=trajectory_id)
        self.capacity = capacity
        self.wants = wants
        self.overflowed = False
        self._entries: deque[AuditEntry] = deque()

    def offer(self, entry: AuditEntry) -> None:
        if self.overflowed or (self.wants is not None and not self.wants(entry)):
            return
        if len(self._entries) >= self.capacity:
            self.overflowed = True
            self._entries.clear()
        else:
            self._entries.append(entry)
        self._ready.set()

    async def get(self) -> AuditEntry:
        """The next entry, when there is one; raises `SlowConsumerError` once the queue
        overflowed."""
        while not self._entries:
            if self.overflowed:
                raise SlowConsumerError(self.capacity)
            self._ready.clear()
            await self._ready.wait()
        return self._entries.popleft()

    def __len__(self) -> int:
        return len(self._entries)


class Changes(Sink):
    """Whether one trajectory changed since the stream last looked: one flag, however
    many events arrived."""

    def __init__(self, *, floor: int, trajectory_id: str) -> None:
        super().__init__(floor=floor, trajectory_id=trajectory_id)
        self.changed = False
        self.version = 0

    def offer(self, entry: AuditEntry) -> None:
        self.changed = True
        self.version = max(self.version, entry.version)
        self._ready.set()

    async def wait(self) -> int:
        """Once the trajectory changed (at once if it did already): the latest version
        offered; clears the flag."""
        while not self.changed:
            self._ready.clear()
            await self._ready.wait()
        self.changed = False
        return self.version
