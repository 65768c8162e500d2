"""What a request did, noted where it is known, for its metrics and its log line.

The request middleware (`requests.py`) opens a `RequestNote` for each HTTP request and
makes it the current one (a context variable, so it is seen by everything that runs
for that request, in threads too). Whoever learns something about the request writes
it down: the GraphQL view the operation's name, root field and principal; a mutation
its trajectory and typed error; a fast path that answers without GraphQL (persisted
queries, ETags) calls `note_operation` itself. When the answer has gone, the middleware
counts and logs the request from its note.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

OK: Final = "ok"
GRAPHQL_ERROR: Final = "graphql_error"
CLIENT_ERROR: Final = "4xx"
SERVER_ERROR: Final = "5xx"
UNKNOWN: Final = ""


@dataclass
class RequestNote:
    """What is known of one request so far (empty strings for unknown)."""

    request_id: str = ""
    operation: str = UNKNOWN  # the GraphQL operation's name ("anonymous" without one)
    operation_type: str = UNKNOWN  # query, mutation, subscription
    root_field: str = UNKNOWN  # its first root field
    outcome: str = UNKNOWN  # OK, GRAPHQL_ERROR or a typed error's __typename
    principal: str = UNKNOWN  # the token's name (never the token)
    trajectory_id: str = UNKNOWN


_current: ContextVar[RequestNote | None] = ContextVar("decisionlog_request_note",
                                                      default=None)


def current_note() -> RequestNote | None:
    """The note of the request being served here, if any."""
    return _current.get()


def open_note(note: RequestNote) -> object:
    """Make `note` the current one; returns the token for `close_note`."""
    return _current.set(note)


def close_note(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def note_operation(*, operation: str | None = None, operation_type: str | None = None,
                   root_field: str | None = None, outcome: str | None = None,
                   principal: str | None = None, trajectory_id: str | None = None) -> None:
    """Write what is known onto the current request's note (nothing outside a request).
    An outcome already noted (a typed error) is kept over a later OK."""
    note = _current.get()
    if note is None:
        return
    if operation is not None:
        note.operation = operation
    if operation_type is not None:
        note.operation_type = operation_type
    if root_field is not None:
        note.root_field = root_field
    if outcome is not None and (not note.outcome or note.outcome == OK):
        note.outcome = outcome
    if principal is not None:
        note.principal = principal
    if trajectory_id is not None and not note.trajectory_id:
        note.trajectory_id = trajectory_id
