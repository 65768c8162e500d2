"""Cursors that reveal nothing: positions in the event log, sealed with a server key.

The audit log's and the cross-trajectory lists' cursors are positions in the whole
event log. Given as numbers, a token scoped to one trajectory would read from the gaps
between its own cursors how much the other trajectories do, and when. So a cursor is
the position encrypted and authenticated with a key kept in the database
(`secrets.py`, shared by every worker and host): deterministic authenticated encryption
in the SIV manner from HMAC-SHA256, the standard library's only keyed primitive.

    tag    = HMAC(mac key, list kind || position)[:12]
    sealed = position XOR HMAC(encryption key, tag)[:8]
    cursor = base64url(0x01 || tag || sealed)

A cursor opens only for the list it came from, and a forged or altered one is refused.
A list ordered by something that can change (a review date) seals a pair: the sort key
and the position (`seal_pair`, 16 bytes sealed the same way), so that a page resumes
after the row it ended on even when that row has changed or left the list since.

Cursors issued before sealing (`base64("kind:position")`) keep working for positions up
to the end of the log when the key was made: every such cursor was issued then, and
they name nothing its holder could not already see. A legacy-looking cursor beyond that
is refused, so new positions cannot be probed by forging old cursors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import weakref
from typing import TYPE_CHECKING, Any

from decisionlog.auth.secrets import random_key, secret_store

if TYPE_CHECKING:
    from eventsourcing.application import Application

VERSION = b"\x01"
TAG_BYTES = 12
POSITION_BYTES = 8
KEY_NAME = "cursor-key"
LEGACY_LIMIT_NAME = "cursor-key-legacy-limit"


INVALID = "invalid"  # not a cursor at all
OTHER_LIST = "other list"  # a cursor, but not one issued for this list (or altered)
UNKNOWN_POSITION = "unknown position"  # an old cursor past what was issued then


class InvalidCursorError(ValueError):
    """Raised when a cursor is not one this service issued for that list; `problem`
    says which way (INVALID, OTHER_LIST, UNKNOWN_POSITION)."""

    def __init__(self, cursor: str, problem: str) -> None:
        super().__init__(f"{cursor!r} is not a cursor of this list ({problem}).")
        self.cursor = cursor
        self.problem = problem


class CursorSealer:
    """Seals positions into cursors and opens them again."""

    def __init__(self, key: bytes, *, legacy_limit: int) -> None:
        self._mac_key = hmac.digest(key, b"decisionlog cursor mac", hashlib.sha256)
        self._enc_key = hmac.digest(key, b"decisionlog cursor encryption", hashlib.sha256)
        self.legacy_limit = legacy_limit

    def seal(self, kind: str, position: int) -> str:
        """The cursor of a position in a list of `kind`."""
        return self._seal(kind, position.to_bytes(POSITION_BYTES, "big"))

    def seal_pair(self, kind: str, key: int, position: int) -> str:
        """The cursor of a (sort key, position) pair in a list of `kind`."""
        return self._seal(kind, key.to_bytes(POSITION_BYTES, "big", signed=True)
                          + position.to_bytes(POSITION_BYTES, "big"))

    def open_pair(self, kind: str, cursor: str) -> tuple[int, int]:
        """The (sort key, position) a pair cursor of `kind` names; raises
        `InvalidCursorError`."""
        raw = _decode(cursor)
        if raw is None or len(raw) != 1 + TAG_BYTES + 2 * POSITION_BYTES \
                or raw[:1] != VERSION:
            raise InvalidCursorError(cursor, INVALID)
        tag, sealed = raw[1:1 + TAG_BYTES], raw[1 + TAG_BYTES:]
        plain = _xor(sealed, self._stream(tag, len(sealed)))
        if not hmac.compare_digest(tag, self._tag(kind, plain)):
            raise InvalidCursorError(cursor, OTHER_LIST)
        return (int.from_bytes(plain[:POSITION_BYTES], "big", signed=True),
                int.from_bytes(plain[POSITION_BYTES:], "big"))

    def _seal(self, kind: str, plain: bytes) -> str:
        tag = self._tag(kind, plain)
        sealed = _xor(plain, self._stream(tag, len(plain)))
        return base64.urlsafe_b64encode(VERSION + tag + sealed).rstrip(b"=").decode()

    def open(self, kind: str, cursor: str) -> int:
        """The position a cursor of `kind` names; raises `InvalidCursorError`."""
        raw = _decode(cursor)
        if raw is not None and len(raw) == 1 + TAG_BYTES + POSITION_BYTES \
                and raw[:1] == VERSION:
            tag, sealed = raw[1:1 + TAG_BYTES], raw[1 + TAG_BYTES:]
            plain = _xor(sealed, self._stream(tag))
            if hmac.compare_digest(tag, self._tag(kind, plain)):
                return int.from_bytes(plain, "big")
            raise InvalidCursorError(cursor, OTHER_LIST)
        legacy = _legacy(raw)
        if legacy is None:
            raise InvalidCursorError(cursor, INVALID)
        if legacy[0] != kind:
            raise InvalidCursorError(cursor, OTHER_LIST)
        if legacy[1] > self.legacy_limit:
            raise InvalidCursorError(cursor, UNKNOWN_POSITION)
        return legacy[1]

    def _tag(self, kind: str, plain: bytes) -> bytes:
        return hmac.digest(self._mac_key, kind.encode() + b"\x00" + plain,
                           hashlib.sha256)[:TAG_BYTES]

    def _stream(self, tag: bytes, length: int = POSITION_BYTES) -> bytes:
        return hmac.digest(self._enc_key, tag, hashlib.sha256)[:length]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _decode(cursor: str) -> bytes | None:
    try:
        text = cursor.encode("ascii")
        return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
    except (UnicodeError, ValueError, binascii.Error):
        return None


def _legacy(raw: bytes | None) -> tuple[str, int] | None:
    """The list kind and position of a cursor issued before sealing (`kind:position`)."""
    if raw is None:
        return None
    try:
        kind, colon, number = raw.decode("ascii").partition(":")
    except UnicodeError:
        return None
    if not colon or not number.isdigit() or len(number) > 19:
        return None
    return kind, int(number)


_SEALERS: weakref.WeakKeyDictionary[Application[Any], CursorSealer] = \
    weakref.WeakKeyDictionary()
_SEALERS_LOCK = threading.Lock()


def cursor_sealer(app: Application[Any]) -> CursorSealer:
    """The sealer of the application's database: its key made on first use and kept
    there, with the end of the log at that moment as the limit of legacy cursors."""
    with _SEALERS_LOCK:
        sealer = _SEALERS.get(app)
    if sealer is not None:
        return sealer
    store = secret_store(app)
    limit = store.get_or_make(LEGACY_LIMIT_NAME,
                              lambda: str(app.recorder.max_notification_id() or 0))
    key = store.get_or_make(KEY_NAME, random_key)
    sealer = CursorSealer(bytes.fromhex(key), legacy_limit=int(limit))
    with _SEALERS_LOCK:
        return _SEALERS.setdefault(app, sealer)
