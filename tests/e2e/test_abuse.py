"""Raw HTTP abuse: every bad request gets a 4xx or a GraphQL error, never a 5xx, the
server keeps serving, and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.client import GraphQLClient, Server

MiB = 1024 * 1024


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    """A raw client with the facilitator's token: abuse from an authenticated caller."""
    with httpx.Client(base_url=server.url, timeout=30, headers={
            "Authorization": f"Bearer {server.facilitator_token}"}) as client:
        yield client


def still_serves(client: GraphQLClient) -> int:
    """The server answers a plain query; returns the number of trajectories."""
    total: int = client.execute("{ trajectories { totalCount } }")["trajectories"]["totalCount"]
    return total


def rejected(response: httpx.Response) -> list[dict[str, Any]] | None:
    """The GraphQL errors of a response that must be a 4xx or carry errors."""
    assert response.status_code < 500, response.text
    if 400 <= response.status_code < 500:
        return None
    errors: list[dict[str, Any]] = response.json().get("errors") or []
    assert errors, response.text
    return errors


RAW_BODIES: dict[str, tuple[bytes, str]] = {
    "malformed JSON": (b'{"query": "{ trajectories { totalCount } }"', "application/json"),
    "JSON string": (b'"{ trajectories { totalCount } }"', "application/json"),
    "JSON number": (b"42", "application/json"),
    "JSON null": (b"null", "application/json"),
    "nested 100,000 deep": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "not UTF-8": (b'{"query": "\xff\xfe"}', "application/json"),
    "query not a string": (b'{"query": 42}', "application/json"),
    "variables not an object": (b'{"query": "{ __typename }", "variables": [1]}',
                                "application/json"),
    "operationName not a string": (b'{"query": "{ __typename }", "operationName": 5}',
                                   "application/json"),
    "a batch": (b'[{"query": "{ __typename }"}, {"query": "{ __typename }"}]',
                "application/json"),
    "empty body": (b"", "application/json"),
    "wrong content type": (b'{"query": "{ __typename }"}', "text/plain"),
    "form data": (b"query=%7B+__typename+%7D", "application/x-www-form-urlencoded"),
    "multipart": (b"--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{}\r\n"
                  b"--x--\r\n", "multipart/form-data; boundary=x"),
}


@pytest.mark.parametrize("case", list(RAW_BODIES))
def test_a_bad_body_is_refused(http: httpx.Client, client: GraphQLClient, case: str) -> None:
    before = still_serves(client)
    body, content_type = RAW_BODIES[case]

    response = http.post("/graphql", content=body, headers={"Content-Type": content_type})

    rejected(response)
    assert "Traceback" not in response.text
    assert still_serves(client) == before


def test_a_two_mib_body_gets_413(http: httpx.Client, client: GraphQLClient) -> None:
    padding = "x" * (2 * MiB)
    response = http.post("/graphql", json={"query": "{ __typename }",
                                           "variables": {"pad": padding}})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    still_serves(client)


def test_a_chunked_body_without_length_is_counted(http: httpx.Client,
                                                   client: GraphQLClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(64):
            yield b"x" * 32 * 1024
        yield b'"}}'

    response = http.post("/graphql", content=chunks(),
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    still_serves(client)


def test_a_body_just_under_the_limit_is_read(http: httpx.Client) -> None:
    response = http.post("/graphql", json={"query": "{ __typename }",
                                           "variables": {"pad": "x" * (MiB - 100)}})
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


def test_a_ten_thousand_deep_query_is_an_error(http: httpx.Client,
                                               client: GraphQLClient) -> None:
    query = "{ " + "trajectories { edges { node { " * 3334 + "id" + " } } }" * 3334 + " }"
    errors = rejected(http.post("/graphql", json={"query": query}))
    assert errors is None or "nested too deeply" in errors[0]["message"] \
        or "tokens" in errors[0]["message"]
    still_serves(client)


def test_a_query_deeper_than_the_limit_is_an_error(http: httpx.Client) -> None:
    supersedes = "supersedes { " * 12 + "id" + " }" * 12
    query = ('{ trajectory(id: "x") { decisions { edges { node { ' + supersedes
             + " } } } } }")
    errors = rejected(http.post("/graphql", json={"query": query}))
    assert errors and "exceeds maximum operation depth" in errors[0]["message"]


def test_a_thousand_aliases_are_an_error(http: httpx.Client, client: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"
    errors = rejected(http.post("/graphql", json={"query": query}))
    assert errors and ("aliases" in errors[0]["message"] or "tokens" in errors[0]["message"])
    still_serves(client)


def test_aliases_over_the_limit_are_an_error(http: httpx.Client) -> None:
    query = "{ " + " ".join(f"a{i}: trajectories {{ totalCount }}" for i in range(31)) + " }"
    errors = rejected(http.post("/graphql", json={"query": query}))
    assert errors and "31 aliases found. Allowed: 30" in errors[0]["message"]


def test_a_hundred_kb_string_field_is_refused_and_writes_nothing(
        http: httpx.Client, client: GraphQLClient) -> None:
    before = still_serves(client)
    big = "x" * 100_000

    result = client.mutate("startTrajectory", {"name": big})
    inline = http.post("/graphql", json={"query": f'{{ trajectory(id: "{big}") {{ id }} }}'})

    assert result["__typename"] == "ValidationError"
    assert inline.status_code == 200 and inline.json()["data"] == {"trajectory": None}
    assert still_serves(client) == before


def test_a_mutation_over_get_is_refused(http: httpx.Client) -> None:
    response = http.get("/graphql", params={
        "query": 'mutation { startTrajectory(input: {name: "x"}) { __typename } }'})
    assert 400 <= response.status_code < 500


def test_readable_errors_stay_readable(client: GraphQLClient) -> None:
    errors = client.post("{ trajectories(first: 1000) { totalCount } }")["errors"]
    assert errors[0]["message"] == "first must be between 0 and 100, not 1000."
    errors = client.post('{ trajectories(after: "nonsense") { totalCount } }')["errors"]
    assert "Invalid cursor" in errors[0]["message"]
    errors = client.post("{ nope }")["errors"]
    assert "Cannot query field 'nope'" in errors[0]["message"]
