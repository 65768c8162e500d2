"""Choosing the answer's media type from `Accept` (GraphQL over HTTP)."""

from __future__ import annotations

import pytest
from graphql import GraphQLError

from decisionlog.api.media import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    request_error_status,
    response_media_type,
)


@pytest.mark.parametrize(("accept", "expected"), [
    (None, JSON),
    ("", JSON),
    ("*/*", JSON),
    ("application/json", JSON),
    ("text/html", JSON),
    ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
    ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE_JSON),
    ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
    ("application/json;q=0.9, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
    ("application/json, application/graphql-response+json", JSON),
    ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE_JSON),
    ("application/graphql-response+json;q=0.5, */*", JSON),
    ("application/graphql-response+json;q=0", JSON),
    ("application/graphql-response+json;q=oops, application/json;q=0.1", JSON),
])
def test_the_preferred_supported_type_wins_and_json_is_the_default(
        accept: str | None, expected: str) -> None:
    assert response_media_type(accept) == expected


def test_only_errors_before_execution_are_request_errors() -> None:
    syntax = GraphQLError("Syntax Error: Unexpected Name")
    field = GraphQLError("bad cursor", path=["trajectories"])
    internal = GraphQLError("Internal error (request id x).",
                            extensions={"code": "INTERNAL_ERROR"})
    assert request_error_status(None, [syntax]) == 400
    assert request_error_status(None, [internal]) == 500
    assert request_error_status(None, [field]) is None  # it ran: a field error nulled data
    assert request_error_status({"a": 1}, [field]) is None
    assert request_error_status({"a": 1}, None) is None
