"""Service settings that `decisionlog serve` hands to `create_app` through the
environment (uvicorn workers import the app by name, so arguments cannot travel)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from decisionlog.auth.authenticator import DEFAULT_TTL_SECONDS

ALLOW_ANONYMOUS_READ_VARIABLE = "DECISIONLOG_ALLOW_ANONYMOUS_READ"
NO_INTROSPECTION_VARIABLE = "DECISIONLOG_NO_INTROSPECTION"
TOKEN_CACHE_SECONDS_VARIABLE = "DECISIONLOG_TOKEN_CACHE_SECONDS"

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class Settings:
    """How the service treats requests."""

    allow_anonymous_read: bool = False
    """A request without a token reads everything, like an unscoped reader."""
    introspection: bool = True
    """Whether `__schema` and `__type` queries are answered (client tools need them)."""
    token_cache_seconds: float = DEFAULT_TTL_SECONDS
    """How long a worker trusts a token lookup: the bound on revocation delay."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        seconds = env.get(TOKEN_CACHE_SECONDS_VARIABLE, "")
        return cls(
            allow_anonymous_read=env.get(ALLOW_ANONYMOUS_READ_VARIABLE, "").lower()
            in TRUE_WORDS,
            introspection=env.get(NO_INTROSPECTION_VARIABLE, "").lower() not in TRUE_WORDS,
            token_cache_seconds=float(seconds) if seconds else DEFAULT_TTL_SECONDS,
        )

    def to_env(self) -> dict[str, str]:
        """The variables that give these settings to `from_env`."""
        return {
            ALLOW_ANONYMOUS_READ_VARIABLE: "1" if self.allow_anonymous_read else "0",
            NO_INTROSPECTION_VARIABLE: "0" if self.introspection else "1",
            TOKEN_CACHE_SECONDS_VARIABLE: str(self.token_cache_seconds),
        }
