"""How uvicorn serves the app: the HTTP protocol with the bounds uvicorn lacks.

uvicorn (with httptools, which the service uses for speed: see NOTES.md) keeps no bound on
header size or on the time to receive headers, nor on connections: ten connections each
sending an unfinished 200 MB header took 2.1 GB, and 21,000 idle sockets exhausted the
descriptors. `GuardedHttpToolsProtocol` adds, per worker:
- `MAX_HEADER_BYTES` (64 KiB) for the request line and headers together: more is
  answered with 431 and the connection closed, counted as the bytes arrive (an unfinished
  header is refused too);
- `ServerLimits.header_seconds` (10 s) from a connection's first byte, or its opening,
  to the end of the headers: after that, 408 and closed (slowly trickled headers, and
  connections that never send anything);
- `ServerLimits.max_connections` open connections (HTTP and websocket; default 2,048 or
  three quarters of the descriptor limit): one more is answered 503 and closed.
Every answer it gives itself carries an `X-Request-ID`, as the app's do.

`decisionlog serve` and the tests' server start uvicorn with `uvicorn_options()`.
"""

from __future__ import annotations

import asyncio
import os
import resource
from dataclasses import dataclass
from typing import Any, Final

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from decisionlog.api.limits import MAX_BODY_BYTES
from decisionlog.api.masking import new_request_id
from decisionlog.operations.shutdown import WS_PROTOCOL, shutdown_seconds

MAX_HEADER_BYTES: Final = 64 * 1024
MAX_CONNECTIONS_VARIABLE: Final = "DECISIONLOG_MAX_CONNECTIONS"
HEADER_SECONDS_VARIABLE: Final = "DECISIONLOG_HEADER_SECONDS"
PROTOCOL: Final = "decisionlog.api.serving:GuardedHttpToolsProtocol"


@dataclass(frozen=True)
class ServerLimits:
    """What one worker accepts at the connection level (from the environment, as the
    protocol is made by uvicorn, not by the app)."""

    max_connections: int
    header_seconds: float = 10.0

    @classmethod
    def from_env(cls) -> ServerLimits:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        default = 2048 if soft == resource.RLIM_INFINITY else min(2048, soft * 3 // 4)
        connections = os.environ.get(MAX_CONNECTIONS_VARIABLE, "").strip()
        seconds = os.environ.get(HEADER_SECONDS_VARIABLE, "").strip()
        return cls(max_connections=int(connections) if connections else default,
                   header_seconds=float(seconds) if seconds else 10.0)


class HeaderLimitExceededError(Exception):
    """Raised inside the parser's callbacks when the headers pass `MAX_HEADER_BYTES`."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, bounded in header bytes, header time and connections."""

    limits: ServerLimits | None = None

    def __init__(self, config: Config, server_state: ServerState,
                 app_state: dict[str, Any], _loop: asyncio.AbstractEventLoop | None = None
                 ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        if GuardedHttpToolsProtocol.limits is None:
            GuardedHttpToolsProtocol.limits = ServerLimits.from_env()
        self.bounds: ServerLimits = GuardedHttpToolsProtocol.limits
        self._reading_headers = True
        self._received = 0  # bytes of chunks that ended with the headers unfinished
        self._parsed = 0  # bytes of the request line and headers parsed so far
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.bounds.max_connections:
            self._answer(503, "Too many connections; try again later.")
            return
        self._start_header_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_clock()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """uvicorn's, with the header bounds (a parse error here names the request)."""
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as error:
            if isinstance(error.__context__, HeaderLimitExceededError):
                self._too_large()
            else:
                self.logger.warning("Invalid HTTP request received.")
                self._answer(400, "Invalid HTTP request received.")
            return
        if self._reading_headers:  # the whole chunk was (unfinished) headers
            self._received += len(data)
            if self._received > MAX_HEADER_BYTES:
                self._too_large()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_headers = True
        self._received = self._parsed = 0
        self._start_header_clock()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._stop_header_clock()
        super().on_headers_complete()

    # The bounds

    def _count(self, size: int) -> None:
        self._parsed += size
        if self._parsed > MAX_HEADER_BYTES:
            raise HeaderLimitExceededError

    def _too_large(self) -> None:
        self._answer(431, f"Request headers larger than {MAX_HEADER_BYTES} bytes.")

    def _start_header_clock(self) -> None:
        if self._header_timer is None and self.transport is not None \
                and not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.bounds.header_seconds,
                                                      self._header_time_out)

    def _stop_header_clock(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_time_out(self) -> None:
        self._header_timer = None
        if self._reading_headers and not self.transport.is_closing():
            self._answer(408, f"Request headers not received within "
                              f"{self.bounds.header_seconds:g} seconds.")

    def _answer(self, status: int, message: str) -> None:
        """Answer with `status` and a plain-text reason, and close the connection."""
        self._stop_header_clock()
        self._reading_headers = False
        if self.transport.is_closing():
            return
        body = message.encode("utf-8")
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [b"content-type: text/plain; charset=utf-8\r\n",
                 b"content-length: ", str(len(body)).encode(), b"\r\n",
                 b"x-request-id: ", new_request_id().encode(), b"\r\n",
                 b"connection: close\r\n\r\n", body]
        self.transport.write(b"".join(head))
        self.transport.close()


def uvicorn_options() -> dict[str, Any]:
    """The options every server of the app runs with (`decisionlog serve`, the tests);
    the websocket protocol and the shutdown bound are `operations/shutdown.py`'s."""
    return {"http": PROTOCOL, "ws_max_size": MAX_BODY_BYTES,
            "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
            "ws": WS_PROTOCOL, "timeout_graceful_shutdown": shutdown_seconds()}


def uvicorn_arguments() -> list[str]:
    """`uvicorn_options()` as uvicorn's command-line arguments."""
    return ["--http", PROTOCOL, "--ws-max-size", str(MAX_BODY_BYTES),
            "--h11-max-incomplete-event-size", str(MAX_HEADER_BYTES),
            "--ws", WS_PROTOCOL, "--timeout-graceful-shutdown", str(shutdown_seconds())]
