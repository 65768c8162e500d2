"""One websocket's side of the live subscriptions: its limits, its close codes, and the
watch that closes it when its token is revoked or it sits idle.

Close codes the server sends (documented in docs/live.md):
- 4008 a subscription fell too far behind (its queue overflowed); the reason says where
  to resume (`Too slow: auditLog, resume after <cursor>`);
- 4403 the token was revoked (or expired) while the socket was open: within the token
  cache's time (`DECISIONLOG_TOKEN_CACHE_SECONDS`, 5 s), checked every second;
- 1000 idle: no operation for `DECISIONLOG_WEBSOCKET_IDLE_SECONDS` (300 s);
- 1011 no pong to the server's ping within its timeout (uvicorn, `serving.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected, WebSocketState

if TYPE_CHECKING:
    from decisionlog.live import Admission, Live

logger = logging.getLogger("decisionlog.api")

SLOW_CONSUMER: Final = 4008
REVOKED: Final = 4403
IDLE: Final = 1000
WATCH_SECONDS: Final = 1.0  # how often a socket's token and idleness are checked
MAX_REASON_BYTES: Final = 123  # a close frame's reason (RFC 6455)
DISCONNECTED: Final = (WebSocketDisconnect, WebSocketDisconnected, OSError)


def close_reason(text: str) -> str:
    """`text` cut to what a close frame can carry."""
    encoded = text.encode()
    if len(encoded) <= MAX_REASON_BYTES:
        return text
    return encoded[:MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."


class LiveSession:
    """The live subscriptions of one websocket connection."""

    def __init__(self, live: Live, websocket: Any = None, *,
                 idle_seconds: float = 300.0) -> None:
        self.live = live
        self.websocket = websocket
        self.idle_seconds = idle_seconds
        self.closed: tuple[int, str] | None = None
        self.last_activity = time.monotonic()
        self._watch: asyncio.Task[None] | None = None

    def admit(self, token: str) -> Admission:
        """A place for one more subscription on this connection (see `Live.admit`)."""
        return self.live.admit(connection=self, token=token)

    def touch(self) -> None:
        """The client sent a message: the socket is not idle."""
        self.last_activity = time.monotonic()

    async def close(self, code: int, reason: str) -> None:
        """Close the socket (once) with `code`; quiet if the client is gone already."""
        if self.closed is not None:
            return
        self.closed = (code, close_reason(reason))
        websocket = self.websocket
        if websocket is None or websocket.application_state != WebSocketState.CONNECTED:
            return
        with contextlib.suppress(*DISCONNECTED):
            await websocket.close(code=code, reason=self.closed[1])

    async def close_slow(self, field: str, resume: str | None) -> None:
        """Close the socket because `field`'s subscription fell too far behind."""
        where = f", resume after {resume}" if resume else ", subscribe again"
        await self.close(SLOW_CONSUMER, f"Too slow: {field}{where}")

    async def wait_closed(self) -> None:
        """Wait for the socket's tasks to be cancelled as it closes (at once without a
        socket: in-process use)."""
        if self.websocket is not None:
            await asyncio.Event().wait()

    # The watch

    def start_watch(self, *, still_valid: Callable[[], Awaitable[bool]],
                    busy: Callable[[], bool]) -> None:
        """Check every second whether the token still holds and the socket is in use."""
        if self._watch is None:
            self._watch = asyncio.create_task(self._watching(still_valid, busy),
                                              name="decisionlog websocket watch")

    async def stop_watch(self) -> None:
        task, self._watch = self._watch, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _watching(self, still_valid: Callable[[], Awaitable[bool]],
                        busy: Callable[[], bool]) -> None:
        while self.closed is None:
            await asyncio.sleep(WATCH_SECONDS)
            now = time.monotonic()
            if busy():
                self.last_activity = now
            try:
                valid = await still_valid()
            except Exception:  # the token store is unreachable: keep the socket for now
                logger.warning("Could not check a websocket's token", exc_info=True)
                valid = True
            if not valid:
                self._watch = None
                await self.close(REVOKED, "Forbidden: the token is no longer valid")
            elif now - self.last_activity >= self.idle_seconds:
                self._watch = None
                await self.close(IDLE, f"Idle: no operation for {self.idle_seconds:g} s")
