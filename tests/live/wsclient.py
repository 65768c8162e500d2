"""A graphql-transport-ws client for the tests: subscriptions over a real websocket,
each operation's messages kept apart, the close code and reason when the server closes."""

from __future__ import annotations

import json
import socket as sockets
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.e2e.client import Server


class Closed(AssertionError):
    """Raised when the server closed the socket while the test waited for a message."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed with {code} {reason!r}")
        self.code = code
        self.reason = reason


@dataclass
class LiveSocket:
    """One websocket, initialised with a token."""

    url: str
    token: str | None
    receive_buffer: int | None = None  # bytes: a small one makes a slow reader
    ws: ClientConnection = field(init=False)
    pending: dict[str, deque[dict[str, Any]]] = field(
        init=False, default_factory=lambda: defaultdict(deque))

    def __post_init__(self) -> None:
        sock = None
        if self.receive_buffer is not None:
            host, port = self.url.split("//", 1)[1].split("/", 1)[0].split(":")
            sock = sockets.socket()
            sock.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, self.receive_buffer)
            sock.connect((host, int(port)))
        self.ws = connect(self.url, sock=sock, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                          open_timeout=10, close_timeout=2,
                          max_queue=1 if self.receive_buffer else 4096).__enter__()
        payload = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert json.loads(self.ws.recv(timeout=10)) == {"type": "connection_ack"}

    @classmethod
    def to(cls, server: Server, token: str | None, **options: Any) -> LiveSocket:
        return cls(server.url.replace("http://", "ws://") + "/graphql", token, **options)

    def subscribe(self, operation_id: str, query: str, **variables: Any) -> None:
        self.ws.send(json.dumps({"id": operation_id, "type": "subscribe",
                                 "payload": {"query": query, "variables": variables}}))

    def complete(self, operation_id: str) -> None:
        self.ws.send(json.dumps({"id": operation_id, "type": "complete"}))

    def message(self, operation_id: str, timeout: float = 10) -> dict[str, Any]:
        """The next message for that operation (next, error or complete)."""
        deadline = time.monotonic() + timeout
        queue = self.pending[operation_id]
        while not queue:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no message for {operation_id} in {timeout} s")
            try:
                raw = self.ws.recv(timeout=left)
            except TimeoutError:
                continue
            except ConnectionClosed as closed:
                rcvd = closed.rcvd
                raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") \
                    from None
            message = json.loads(raw)
            self.pending[message.get("id", "")].append(message)
        return queue.popleft()

    def data(self, operation_id: str, field_name: str, timeout: float = 10) -> Any:
        """The payload field of the next `next` message (errors are a test failure)."""
        message = self.message(operation_id, timeout)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message["payload"]
        return message["payload"]["data"][field_name]

    def take(self, operation_id: str, field_name: str, count: int,
             timeout: float = 20) -> list[Any]:
        deadline = time.monotonic() + timeout
        return [self.data(operation_id, field_name, max(deadline - time.monotonic(), 0.1))
                for _ in range(count)]

    def nothing_for(self, operation_id: str, seconds: float) -> None:
        """Assert no message comes for that operation within `seconds`."""
        try:
            message = self.message(operation_id, seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected {message}")

    def closed_with(self, timeout: float = 15) -> tuple[int | None, str]:
        """Read until the server closes the socket; its code and reason."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                try:
                    self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01))
                except TimeoutError:
                    break
        except ConnectionClosed as closed:
            rcvd = closed.rcvd
            return (rcvd.code if rcvd else None, rcvd.reason if rcvd else "")
        raise AssertionError(f"the socket stayed open for {timeout} s")

    def close(self) -> None:
        self.ws.close()


class StalledSocket:
    """A websocket client that reads only when told to (sans-I/O, over a plain socket
    with a small receive buffer): a consumer that stops reading."""

    def __init__(self, server: Server, token: str, *, receive_buffer: int = 4096) -> None:
        from websockets.client import ClientProtocol
        from websockets.uri import parse_uri

        self.sock = sockets.socket()
        self.sock.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, receive_buffer)
        self.sock.connect(("127.0.0.1", server.port))
        self.sock.settimeout(10)
        self.protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{server.port}/graphql"),
                                       subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                                       max_size=None)
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        self.messages: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self.close_reason = ""
        from websockets.protocol import State

        while self.protocol.state is not State.OPEN:  # the handshake's answer
            assert self._read_once(), "the server closed during the handshake"
        self.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        while not self.messages:
            self._read_once()
        assert self.messages.pop(0) == {"type": "connection_ack"}

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def send(self, message: dict[str, Any]) -> None:
        self.protocol.send_text(json.dumps(message).encode())
        self._flush()

    def _read_once(self) -> bool:
        """Read what has arrived; False at the end of the connection."""
        data = self.sock.recv(65536)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        for event in self.protocol.events_received():
            text = getattr(event, "data", None)
            opcode = getattr(getattr(event, "opcode", None), "name", "")
            if opcode == "TEXT" and text is not None:
                self.messages.append(json.loads(text))
        if self.protocol.close_rcvd is not None and self.close_code is None:
            self.close_code = self.protocol.close_rcvd.code
            self.close_reason = self.protocol.close_rcvd.reason
        try:
            self._flush()  # pongs, the close reply
        except OSError:  # the server is gone
            return False
        return bool(data)

    def read_until_closed(self, timeout: float = 30) -> None:
        """Read everything the server sends until it closes the connection."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._read_once():
            pass

    def close(self) -> None:
        self.sock.close()
