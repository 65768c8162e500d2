"""Content negotiation for GraphQL over HTTP: `application/graphql-response+json` or
`application/json`, as the GraphQL-over-HTTP spec describes them.

Under `application/graphql-response+json` the status code tells a request error from an
executed operation: a document that does not parse or validate, or variables that do not
coerce, get 400 and a body without `data`; an operation that ran gets 200, whatever
errors its fields raised. `application/json` answers stay what they were (200 with
`"data": null`), so clients written against it see no change; it is also the answer when
`Accept` names neither type or is absent, as the spec recommends for existing servers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphql import GraphQLError

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
INTERNAL_ERROR = "INTERNAL_ERROR"


def response_media_type(accept: str | None) -> str:
    """The media type to answer in, for an `Accept` header value.

    The type with the higher quality wins; on a tie, the one the client listed first.
    `application/json` also matches `application/*` and `*/*`; the newer type counts
    only when named.
    """
    best, best_quality, best_rank = JSON, -1.0, 0
    for rank, item in enumerate((accept or "").split(",")):
        media_range, quality = _media_range(item)
        if media_range == GRAPHQL_RESPONSE_JSON:
            candidate = GRAPHQL_RESPONSE_JSON
        elif media_range in (JSON, "application/*", "*/*"):
            candidate = JSON
        else:
            continue
        if quality > best_quality or (quality == best_quality and rank < best_rank):
            best, best_quality, best_rank = candidate, quality, rank
    return best if best_quality > 0 else JSON


def _media_range(item: str) -> tuple[str, float]:
    """`type/subtype` in lower case and its `q` (1 when absent, 0 when malformed)."""
    media_range, *parameters = (part.strip() for part in item.split(";"))
    quality = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = min(max(float(value), 0.0), 1.0)
            except ValueError:
                quality = 0.0
    return media_range.lower(), quality


def request_error_status(data: object, errors: Sequence[GraphQLError] | None) -> int | None:
    """400 when the request failed before execution (nothing ran: no data, and no error
    has a path, which every field error has), 500 when that failure was our own fault
    (a masked internal error); None when the operation ran."""
    if data is not None or not errors or any(error.path for error in errors):
        return None
    internal = any((error.extensions or {}).get("code") == INTERNAL_ERROR for error in errors)
    return 500 if internal else 400
