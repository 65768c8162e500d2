"""Service settings that `decisionlog serve` hands to `create_app` through the
environment (uvicorn workers import the app by name, so arguments cannot travel)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from decisionlog.auth.authenticator import DEFAULT_TTL_SECONDS
from decisionlog.live.hub import LiveSettings

ALLOW_ANONYMOUS_READ_VARIABLE = "DECISIONLOG_ALLOW_ANONYMOUS_READ"
NO_INTROSPECTION_VARIABLE = "DECISIONLOG_NO_INTROSPECTION"
TOKEN_CACHE_SECONDS_VARIABLE = "DECISIONLOG_TOKEN_CACHE_SECONDS"
RESULT_CACHE_SIZE_VARIABLE = "DECISIONLOG_RESULT_CACHE_SIZE"
CACHE_MB_VARIABLE = "DECISIONLOG_CACHE_MB"
WEBSOCKETS_VARIABLE = "DECISIONLOG_MAX_WEBSOCKETS"
UNAUTHENTICATED_WEBSOCKETS_VARIABLE = "DECISIONLOG_MAX_UNAUTHENTICATED_WEBSOCKETS"
CONNECTION_INIT_SECONDS_VARIABLE = "DECISIONLOG_CONNECTION_INIT_SECONDS"
# Live subscriptions (docs/live.md)
SUBSCRIPTIONS_PER_CONNECTION_VARIABLE = "DECISIONLOG_MAX_SUBSCRIPTIONS_PER_CONNECTION"
SUBSCRIPTIONS_PER_TOKEN_VARIABLE = "DECISIONLOG_MAX_SUBSCRIPTIONS_PER_TOKEN"
SUBSCRIPTIONS_VARIABLE = "DECISIONLOG_MAX_SUBSCRIPTIONS"
SUBSCRIPTION_QUEUE_VARIABLE = "DECISIONLOG_SUBSCRIPTION_QUEUE"
LIVE_CHECK_SECONDS_VARIABLE = "DECISIONLOG_LIVE_CHECK_SECONDS"
WEBSOCKET_IDLE_SECONDS_VARIABLE = "DECISIONLOG_WEBSOCKET_IDLE_SECONDS"
TRUSTED_DOCUMENTS_VARIABLE = "DECISIONLOG_TRUSTED_DOCUMENTS"
PERSISTED_QUERIES_VARIABLE = "DECISIONLOG_PERSISTED_QUERIES"
FALSE_WORDS = frozenset({"0", "false", "no", "off"})

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
MiB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """How the service treats requests, and what one worker may hold."""

    allow_anonymous_read: bool = False
    """A request without a token reads everything, like an unscoped reader."""
    introspection: bool = True
    """Whether `__schema` and `__type` queries are answered (client tools need them);
    without, error messages make no "Did you mean ...?" suggestions either."""
    token_cache_seconds: float = DEFAULT_TTL_SECONDS
    """How long a worker trusts a token lookup: the bound on revocation delay, over HTTP
    and for each operation on an open websocket."""
    result_cache_entries: int = 256
    """Query results kept per worker (0: no result cache)."""
    cache_bytes: int = 128 * MiB
    """What the caches of one worker may hold together: half for results, a quarter each
    for parsed documents and for values derived from trajectory states."""
    max_websockets: int = 1000
    """Open websockets per worker; more are refused (close code 1013)."""
    max_unauthenticated_websockets: int = 100
    """Websockets per worker that have not yet sent a valid `connection_init`."""
    connection_init_seconds: float = 5.0
    """How long a websocket may take to send `connection_init` (then closed, 4408)."""
    max_subscriptions_per_connection: int = 10
    """Subscriptions running at once on one websocket."""
    max_subscriptions_per_token: int = 100
    """Subscriptions running at once for one token, per worker."""
    max_subscriptions: int = 2000
    """Subscriptions running at once in one worker."""
    subscription_queue: int = 1000
    """Events a live subscription may have waiting to be sent; one more and it is too
    slow (the socket is closed with 4008 and the position to resume from)."""
    live_check_seconds: float | None = None
    """How often the log follower looks for writes it was not told of (default 0.25 s
    on SQLite, for other processes' writes; 1 s on PostgreSQL, behind LISTEN/NOTIFY)."""
    websocket_idle_seconds: float = 300.0
    """A websocket with no operation for this long is closed (1000)."""

    def live(self) -> LiveSettings:
        """The live subscriptions' part."""
        return LiveSettings(
            per_connection=self.max_subscriptions_per_connection,
            per_token=self.max_subscriptions_per_token, per_worker=self.max_subscriptions,
            queue=self.subscription_queue, check_seconds=self.live_check_seconds)
    trusted_documents: str | None = None
    """A manifest of the only documents to run (`api/manifest.py`); None: any."""
    persisted_queries: bool = True
    """Whether automatic persisted queries are accepted (`api/persisted.py`)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()

        def number(name: str, default: float) -> float:
            text = env.get(name, "").strip()
            return float(text) if text else default

        return cls(
            allow_anonymous_read=env.get(ALLOW_ANONYMOUS_READ_VARIABLE, "").lower()
            in TRUE_WORDS,
            introspection=env.get(NO_INTROSPECTION_VARIABLE, "").lower() not in TRUE_WORDS,
            token_cache_seconds=number(TOKEN_CACHE_SECONDS_VARIABLE,
                                       defaults.token_cache_seconds),
            result_cache_entries=int(number(RESULT_CACHE_SIZE_VARIABLE,
                                            defaults.result_cache_entries)),
            cache_bytes=int(number(CACHE_MB_VARIABLE, defaults.cache_bytes / MiB) * MiB),
            max_websockets=int(number(WEBSOCKETS_VARIABLE, defaults.max_websockets)),
            max_unauthenticated_websockets=int(number(
                UNAUTHENTICATED_WEBSOCKETS_VARIABLE, defaults.max_unauthenticated_websockets)),
            connection_init_seconds=number(CONNECTION_INIT_SECONDS_VARIABLE,
                                           defaults.connection_init_seconds),
            max_subscriptions_per_connection=int(number(
                SUBSCRIPTIONS_PER_CONNECTION_VARIABLE,
                defaults.max_subscriptions_per_connection)),
            max_subscriptions_per_token=int(number(SUBSCRIPTIONS_PER_TOKEN_VARIABLE,
                                                   defaults.max_subscriptions_per_token)),
            max_subscriptions=int(number(SUBSCRIPTIONS_VARIABLE, defaults.max_subscriptions)),
            subscription_queue=int(number(SUBSCRIPTION_QUEUE_VARIABLE,
                                          defaults.subscription_queue)),
            live_check_seconds=number(LIVE_CHECK_SECONDS_VARIABLE, 0) or None,
            websocket_idle_seconds=number(WEBSOCKET_IDLE_SECONDS_VARIABLE,
                                          defaults.websocket_idle_seconds),
            trusted_documents=env.get(TRUSTED_DOCUMENTS_VARIABLE, "").strip() or None,
            persisted_queries=env.get(PERSISTED_QUERIES_VARIABLE, "").strip().lower()
            not in FALSE_WORDS,
        )

    def to_env(self) -> dict[str, str]:
        """The variables that give these settings to `from_env`."""
        return {
            ALLOW_ANONYMOUS_READ_VARIABLE: "1" if self.allow_anonymous_read else "0",
            NO_INTROSPECTION_VARIABLE: "0" if self.introspection else "1",
            TOKEN_CACHE_SECONDS_VARIABLE: str(self.token_cache_seconds),
            RESULT_CACHE_SIZE_VARIABLE: str(self.result_cache_entries),
            CACHE_MB_VARIABLE: str(self.cache_bytes / MiB),
            WEBSOCKETS_VARIABLE: str(self.max_websockets),
            UNAUTHENTICATED_WEBSOCKETS_VARIABLE: str(self.max_unauthenticated_websockets),
            CONNECTION_INIT_SECONDS_VARIABLE: str(self.connection_init_seconds),
            SUBSCRIPTIONS_PER_CONNECTION_VARIABLE: str(self.max_subscriptions_per_connection),
            SUBSCRIPTIONS_PER_TOKEN_VARIABLE: str(self.max_subscriptions_per_token),
            SUBSCRIPTIONS_VARIABLE: str(self.max_subscriptions),
            SUBSCRIPTION_QUEUE_VARIABLE: str(self.subscription_queue),
            LIVE_CHECK_SECONDS_VARIABLE: str(self.live_check_seconds or ""),
            WEBSOCKET_IDLE_SECONDS_VARIABLE: str(self.websocket_idle_seconds),
            TRUSTED_DOCUMENTS_VARIABLE: self.trusted_documents or "",
            PERSISTED_QUERIES_VARIABLE: "1" if self.persisted_queries else "0",
        }
