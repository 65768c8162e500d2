"""Entity tags of query answers, and conditional GETs.

An answer's ETag is an HMAC of what the answer depends on: the document, operation name
and variables, the principal (name, role and scope), the dependencies it read
(`dependencies.py`: the version and head digest of each trajectory, or the state of
every trajectory in the principal's scope for lists), the code and schema that
computed it, and the media type it is sent in. It is computed, not stored, so every
worker and host gives the same answer the same tag, and a worker that never saw the
answer can still recognise it. The key is a server secret kept in the database
(`auth/secrets.py`), so the tag reveals nothing, not even to someone who could guess
all the inputs.

Answers carry `Cache-Control: private, no-cache` (a browser or client may keep them,
and must ask again each time: the answer to `If-None-Match` is cheap) and
`Vary: Accept, Authorization`. Answers that cannot be tagged (mutations, errors, what
depends on the clock or on stored rows as they are) carry `Cache-Control: no-store`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from decisionlog import __version__
from decisionlog.api.media import GRAPHQL_RESPONSE_JSON
from decisionlog.auth.secrets import random_key, secret_store

if TYPE_CHECKING:
    from decisionlog.api.dependencies import Dependency
    from decisionlog.application import DecisionLog
    from decisionlog.auth.principal import Principal

KEY_NAME: Final = "etag-key"
CACHE_CONTROL: Final = "private, no-cache"
NO_STORE: Final = "no-store"
VARY: Final = "Accept, Authorization"
MAX_TAGS: Final = 32  # entity tags read from one If-None-Match


class EtagSigner:
    """Computes the tags of one application's answers, for one schema."""

    def __init__(self, key: bytes, schema_text: str) -> None:
        self._key = key
        self._salt = hashlib.sha256(f"{__version__}\n{schema_text}".encode()).digest()

    @classmethod
    def of(cls, app: DecisionLog, schema_text: str) -> EtagSigner:
        key = secret_store(app).get_or_make(KEY_NAME, random_key)
        return cls(bytes.fromhex(key), schema_text)

    def base(self, *, query: str, operation_name: str | None, variables: bytes,
             principal: Principal, dependencies: Iterable[Dependency]) -> str:
        """The media-independent part of an answer's tag."""
        mac = hmac.new(self._key, self._salt, hashlib.sha256)
        for part in (query, operation_name or "", principal.name, principal.role,
                     *sorted(principal.trajectories)):
            mac.update(b"\x00" + part.encode("utf-8", "surrogatepass"))
        mac.update(b"\x00" + variables)
        for dependency in sorted(dependencies, key=lambda d: d.token()):
            mac.update(b"\x00" + dependency.token().encode())
        return base64.urlsafe_b64encode(mac.digest()[:18]).decode()


def etag(base: str, media_type: str) -> str:
    """The strong entity tag of an answer sent as `media_type`."""
    return f'"{base}{"g" if media_type == GRAPHQL_RESPONSE_JSON else "j"}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an `If-None-Match` value names `tag` (weak comparison, as RFC 9110 asks
    for this header) or is `*`. A value that is not a list of entity tags names none."""
    if not if_none_match:
        return False
    value = if_none_match.strip()
    if value == "*":
        return True
    for count, item in enumerate(value.split(",")):
        if count >= MAX_TAGS:
            return False
        candidate = item.strip()
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == tag:
            return True
    return False


def conditional_headers(tag: str) -> list[tuple[bytes, bytes]]:
    """The headers of a tagged answer (and of its 304)."""
    return [(b"etag", tag.encode()), (b"cache-control", CACHE_CONTROL.encode()),
            (b"vary", VARY.encode())]
