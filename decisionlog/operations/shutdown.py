"""A graceful shutdown: what a worker does on SIGTERM.

uvicorn, on SIGTERM, stops accepting connections, closes the idle ones, lets every
request already received run to its answer (a mutation waiting in the group commit is
stored with its batch and answered), then runs the app's shutdown and exits. Two things
are decisionlog's:
- websockets are closed with 1001 "going away" (the code RFC 6455 gives a server that
  goes down; uvicorn says 1012 "service restart"), so that clients reconnect elsewhere.
  An operation still running on such a socket is not answered: a mutation in it is
  stored or not, and its idempotency key tells the client which on a retry;
- requests still running `SHUTDOWN_SECONDS` (default 25: under the 30 s an orchestrator
  commonly waits before SIGKILL) after SIGTERM are cancelled, so that the worker exits
  on its own; `DECISIONLOG_SHUTDOWN_SECONDS` sets it.
"""

from __future__ import annotations

import os
from typing import Final

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

GOING_AWAY: Final = 1001
SHUTDOWN_SECONDS_VARIABLE: Final = "DECISIONLOG_SHUTDOWN_SECONDS"
DEFAULT_SHUTDOWN_SECONDS: Final = 25
WS_PROTOCOL: Final = "decisionlog.operations.shutdown:GoingAwayWebSocketProtocol"


def shutdown_seconds() -> int:
    """How long a worker lets running requests finish after SIGTERM (whole seconds,
    as uvicorn takes them)."""
    value = os.environ.get(SHUTDOWN_SECONDS_VARIABLE, "").strip()
    return max(1, round(float(value))) if value else DEFAULT_SHUTDOWN_SECONDS


class GoingAwayWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, closing with 1001 "going away" on shutdown."""

    def shutdown(self) -> None:
        if self.close_sent or not self.handshake_complete or self.initial_response:
            super().shutdown()
            return
        self.stop_keepalive()
        self.queue.put_nowait({"type": "websocket.disconnect", "code": GOING_AWAY,
                               "reason": "going away"})
        self.conn.send_close(GOING_AWAY, "going away")
        self.close_sent = True
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.transport.close()
