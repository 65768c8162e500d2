"""Signed, expiring session cookies and the CSRF tokens bound to them.

The cookie never holds the token: it holds the token's key id (which finds the stored
token row, and says nothing secret), a random session id, and when the session began
and ends, signed with HMAC-SHA256 under the server's page key (`keys.py`). Whoever shows
the key id in a validly signed cookie showed the whole token at sign-in. On every
request the key id goes through the same `Authenticator` cache as an API token, so a
revoked token's session ends within the API's bound (DECISIONLOG_TOKEN_CACHE_SECONDS).

A visitor who has not signed in gets a session without a key id, so that the sign-in
form can carry a CSRF token too (against signing someone in as somebody else). A
CSRF token is an HMAC of the session id: it is valid for as long as its session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

SESSION_COOKIE = "dl_session"
FLASH_COOKIE = "dl_flash"
SESSION_SECONDS = 12 * 3600
"""How long a sign-in lasts: a working day and some; then the token is asked again."""
VISITOR_SECONDS = 3600
"""How long the session of someone who has not signed in lasts (the sign-in form)."""


@dataclass(frozen=True)
class Session:
    """What a session cookie says: who signed in (a token key id), since and until when."""

    session_id: str
    key_id: str | None
    issued_at: int
    expires_at: int

    @property
    def signed_in(self) -> bool:
        return self.key_id is not None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Makes and reads session cookies, flash cookies and CSRF tokens under one key."""

    def __init__(self, key: bytes, *, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._clock = clock

    def _mac(self, purpose: str, data: bytes) -> bytes:
        return hmac.new(self._key, purpose.encode() + b"\n" + data, hashlib.sha256).digest()

    def _sign(self, purpose: str, payload: dict[str, object]) -> str:
        data = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(data)}.{_b64(self._mac(purpose, data))}"

    def _unsign(self, purpose: str, value: str | None) -> dict[str, object] | None:
        if not value or value.count(".") != 1 or len(value) > 2048:
            return None
        encoded, mac = value.split(".")
        try:
            data, given = _unb64(encoded), _unb64(mac)
        except ValueError:
            return None
        if not hmac.compare_digest(given, self._mac(purpose, data)):
            return None
        try:
            payload = json.loads(data)
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    def new_session(self, key_id: str | None) -> Session:
        """A fresh session (a new id: signing in never keeps a visitor's id)."""
        now = int(self._clock())
        lasts = SESSION_SECONDS if key_id is not None else VISITOR_SECONDS
        return Session(secrets.token_urlsafe(16), key_id, now, now + lasts)

    def encode(self, session: Session) -> str:
        return self._sign("session", {"sid": session.session_id, "kid": session.key_id,
                                      "iat": session.issued_at, "exp": session.expires_at})

    def decode(self, value: str | None) -> Session | None:
        """The session of a cookie value signed here and not expired; None otherwise."""
        payload = self._unsign("session", value)
        if payload is None:
            return None
        sid, kid, iat, exp = (payload.get(k) for k in ("sid", "kid", "iat", "exp"))
        if not isinstance(sid, str) or not isinstance(iat, int) or not isinstance(exp, int):
            return None
        if kid is not None and not isinstance(kid, str):
            return None
        if exp <= self._clock():
            return None
        return Session(sid, kid, iat, exp)

    def csrf_token(self, session: Session) -> str:
        """The token every form of this session carries."""
        return _b64(self._mac("csrf", session.session_id.encode()))

    def csrf_ok(self, session: Session | None, token: str | None) -> bool:
        """Whether `token` is this session's CSRF token."""
        if session is None or not token:
            return False
        return hmac.compare_digest(token.encode(), self.csrf_token(session).encode())

    def flash(self, message: str) -> str:
        """A one-time message for the next page (after a redirect), signed."""
        return self._sign("flash", {"m": message[:500], "exp": int(self._clock()) + 120})

    def read_flash(self, value: str | None) -> str | None:
        payload = self._unsign("flash", value)
        if payload is None:
            return None
        message, exp = payload.get("m"), payload.get("exp")
        if not isinstance(message, str) or not isinstance(exp, int) or exp <= self._clock():
            return None
        return message
