"""Tokens, roles and who may do what: below the API, beside the application."""

from decisionlog.auth.authenticator import Authenticator
from decisionlog.auth.principal import (
    ANONYMOUS_READER,
    AUDITOR,
    FACILITATOR,
    NOBODY,
    READER,
    ROLES,
    Principal,
)
from decisionlog.auth.sqlstore import token_store
from decisionlog.auth.tokens import (
    TokenError,
    TokenNameTakenError,
    TokenNotFoundError,
    TokenRecord,
    TokenStore,
)

__all__ = [
    "ANONYMOUS_READER",
    "AUDITOR",
    "FACILITATOR",
    "NOBODY",
    "READER",
    "ROLES",
    "Authenticator",
    "Principal",
    "TokenError",
    "TokenNameTakenError",
    "TokenNotFoundError",
    "TokenRecord",
    "TokenStore",
    "token_store",
]
