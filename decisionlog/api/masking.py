"""Unexpected errors are logged with a request id and reach the client masked.

Expected errors stay readable: GraphQL syntax and validation errors, limits, bad
variables (graphql-core and strawberry make them, as `GraphQLError`s or with no
original error), `QueryError` (bad query arguments), domain errors, and a full storage
(`StorageFullError`, with `extensions.code` STORAGE_FULL).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from decisionlog.api.arguments import QueryError
from decisionlog.domain.errors import DecisionLogError
from decisionlog.infrastructure.errors import StorageFullError

logger = logging.getLogger("decisionlog.api")

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    QueryError, DecisionLogError, GraphQLError, StorageFullError)


def new_request_id() -> str:
    """A short random id that ties a masked error to its server-side log entry."""
    return uuid.uuid4().hex[:16]


def should_mask_error(error: GraphQLError) -> bool:
    """Whether the error came from an exception nobody expected (a bug, a database
    failure): its text may reveal internals, so the client must not see it."""
    original = error.original_error
    return original is not None and not isinstance(original, EXPECTED_ERRORS)


def masked_error(error: GraphQLError, request_id: str) -> GraphQLError:
    """Log an unexpected error with its traceback and return what the client sees."""
    original = error.original_error
    logger.error(
        "Internal error (request id %s) at %s: %s", request_id,
        ".".join(str(p) for p in error.path or ()) or "-", error.message,
        exc_info=(type(original), original, original.__traceback__) if original else None,
    )
    return GraphQLError(
        f"Internal error (request id {request_id}).",
        nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
        extensions={"code": "INTERNAL_ERROR", "requestId": request_id},
    )


def request_id_of(context: Any) -> str:
    """The request id a context carries, or a new one."""
    request_id = getattr(context, "request_id", None)
    return request_id if isinstance(request_id, str) else new_request_id()


def log_expected(errors: list[GraphQLError]) -> None:
    """Expected errors are the client's business: debug level only."""
    for error in errors:
        if not should_mask_error(error):
            logger.debug("GraphQL error: %s", error.message)


class MaskInternalErrors(MaskErrors):
    """`MaskErrors` that logs each masked error and names the request in the message."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask_error)

    def on_operation(self) -> Iterator[None]:
        self._request_id = request_id_of(self.execution_context.context)
        yield from super().on_operation()

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked_error(error, self._request_id)
