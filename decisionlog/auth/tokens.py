"""Bearer tokens: how they look, how they are hashed, and the store that keeps them.

A token is `dl_<key id>_<secret>`: a 64-bit random key id (hex) that finds the stored
row, and a 256-bit random secret (hex) of which only `sha256(salt + secret)` with a
per-token 128-bit salt is stored. A fast hash is enough here: a slow one (scrypt,
PBKDF2) only helps against guessing low-entropy passwords, and 2**256 secrets cannot be
guessed; it would make every token check cost tens of milliseconds of CPU instead. The
key id is not secret: it only saves hashing against every row. Hashes are compared in
constant time.

Names are compared as the person reading `recordedBy` would: NFKC-normalised and
case-folded (`name_key`), so `Fac` cannot join `fac`, nor `Anonymous` the reserved
`anonymous`. Stores made before this rule may hold such pairs: both keep working, only
new names are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final

from decisionlog.auth.principal import RESERVED_NAMES, ROLES, Principal, canonical_trajectory_id

TOKEN_PATTERN: Final = re.compile(r"dl_([0-9a-f]{16})_([0-9a-f]{64})")
NAME_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")


class TokenError(Exception):
    """Raised when a token cannot be created or revoked; the message says why."""


class TokenNameTakenError(TokenError):
    """Raised when a token with that name, or one that differs only in case or width,
    exists already (revoked or not)."""

    def __init__(self, name: str, existing: str | None = None) -> None:
        if existing is None or existing == name:
            text = f"A token named {name!r} exists already"
        else:
            text = (f"A token named {existing!r} exists already, and {name!r} would read "
                    "as the same name (names are compared ignoring case)")
        super().__init__(text + "; names are never reused, so that every recordedBy "
                         "names one token.")
        self.name = name
        self.existing = existing or name


class TokenNotFoundError(TokenError):
    """Raised when no token has that name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"No token is named {name!r}.")
        self.name = name


@dataclass(frozen=True)
class TokenRecord:
    """A stored token: everything but the secret."""

    name: str
    role: str
    trajectories: frozenset[str]
    key_id: str
    salt: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def principal(self) -> Principal:
        return Principal(name=self.name, role=self.role, trajectories=self.trajectories)

    def matches(self, secret: str) -> bool:
        """Whether `secret` is this token's secret (in constant time)."""
        return hmac.compare_digest(hash_secret(self.salt, secret), self.secret_hash)

    def accepts(self, secret: str) -> bool:
        """Whether a token with this key id and `secret` is valid: not revoked, and the
        secret matches."""
        return self.revoked_at is None and self.matches(secret)


def hash_secret(salt: str, secret: str) -> str:
    """The stored hash of a secret (both hex)."""
    return hashlib.sha256(bytes.fromhex(salt) + bytes.fromhex(secret)).hexdigest()


def name_key(name: str) -> str:
    """What two token names must not share: the name NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()


RESERVED_KEYS: Final = frozenset(name_key(name) for name in RESERVED_NAMES)


def split_token(token: str) -> tuple[str, str] | None:
    """The key id and secret of a well-formed token; None for anything else."""
    match = TOKEN_PATTERN.fullmatch(token)
    return (match[1], match[2]) if match else None


def new_token(
    *, name: str, role: str, trajectories: frozenset[str] | set[str] | list[str] = frozenset(),
) -> tuple[str, TokenRecord]:
    """A fresh token and the record to store for it; checks name, role and scope. The
    name is stored NFKC-normalised (full-width letters become plain ones)."""
    name = unicodedata.normalize("NFKC", name)
    if not NAME_PATTERN.fullmatch(name):
        raise TokenError(f"Token name {name!r}: use 1 to 64 letters, digits and ._@+- , "
                         "starting with a letter or digit.")
    if name_key(name) in RESERVED_KEYS:
        raise TokenError(f"Token name {name!r} is reserved.")
    if role not in ROLES:
        raise TokenError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    key_id, secret, salt = secrets.token_hex(8), secrets.token_hex(32), secrets.token_hex(16)
    record = TokenRecord(
        name=name, role=role,
        trajectories=frozenset(canonical_trajectory_id(t) for t in trajectories),
        key_id=key_id, salt=salt, secret_hash=hash_secret(salt, secret),
        created_at=datetime.now(UTC),
    )
    return f"dl_{key_id}_{secret}", record


class TokenStore(ABC):
    """Where tokens are kept: `create` returns the token, which is never stored."""

    def create(self, *, name: str, role: str,
               trajectories: frozenset[str] | set[str] | list[str] = frozenset()) -> str:
        """Store a new token and return it; raises `TokenError` for a bad or taken name."""
        token, record = new_token(name=name, role=role, trajectories=trajectories)
        self._insert(record)
        return token

    def authenticate(self, token: str) -> TokenRecord | None:
        """The record of a valid, unrevoked token; None for any other string."""
        parts = split_token(token)
        if parts is None:
            return None
        record = self.by_key_id(parts[0])
        return record if record is not None and record.accepts(parts[1]) else None

    @abstractmethod
    def _insert(self, record: TokenRecord) -> None:
        """Store a record; raises `TokenNameTakenError` if a token's name has the same
        `name_key` (race-safe)."""

    @abstractmethod
    def by_key_id(self, key_id: str) -> TokenRecord | None:
        """The record with that key id, revoked or not."""

    @abstractmethod
    def get(self, name: str) -> TokenRecord | None:
        """The record with that name, revoked or not."""

    @abstractmethod
    def records(self) -> list[TokenRecord]:
        """Every record, revoked ones too, in the order they were created."""

    @abstractmethod
    def revoke(self, name: str) -> TokenRecord:
        """Revoke a token (again is harmless); raises `TokenNotFoundError`."""


class MemoryTokenStore(TokenStore):
    """Tokens in this process only: for `memory://` databases and tests."""

    def __init__(self) -> None:
        self._records: dict[str, TokenRecord] = {}
        self._lock = threading.Lock()

    def _insert(self, record: TokenRecord) -> None:
        key = name_key(record.name)
        with self._lock:
            taken = next((n for n in self._records if name_key(n) == key), None)
            if taken is not None:
                raise TokenNameTakenError(record.name, taken)
            self._records[record.name] = record

    def by_key_id(self, key_id: str) -> TokenRecord | None:
        with self._lock:
            return next((r for r in self._records.values() if r.key_id == key_id), None)

    def get(self, name: str) -> TokenRecord | None:
        with self._lock:
            return self._records.get(name)

    def records(self) -> list[TokenRecord]:
        with self._lock:
            return sorted(self._records.values(), key=lambda r: r.created_at)

    def revoke(self, name: str) -> TokenRecord:
        with self._lock:
            record = self._records.get(name)
            if record is None:
                raise TokenNotFoundError(name)
            if record.revoked_at is None:
                record = self._records[name] = replace(record, revoked_at=datetime.now(UTC))
            return record
