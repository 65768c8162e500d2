"""Masked internal errors and limits that keep the validation cache working, on the
schema itself (no server)."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import strawberry
from graphql import print_ast

from decisionlog.api import documents
from decisionlog.api.app import create_app
from decisionlog.api.arguments import QueryError
from decisionlog.api.context import Context
from decisionlog.api.masking import MaskInternalErrors
from decisionlog.api.schema import DecisionLogSchema, build_schema
from decisionlog.api.settings import Settings
from decisionlog.application import DecisionLog
from decisionlog.auth import ANONYMOUS_READER, token_store


@strawberry.type
class Query:
    @strawberry.field
    def boom(self) -> str:
        raise RuntimeError("secret: SELECT * FROM dl_tokens")

    @strawberry.field
    def bad_argument(self) -> str:
        raise QueryError("first must be between 0 and 100, not 1000.")


BOOM_SCHEMA = DecisionLogSchema(query=Query, extensions=[MaskInternalErrors])


def test_an_unexpected_exception_is_masked_and_logged_with_the_request_id(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="decisionlog.api"):
        result = BOOM_SCHEMA.execute_sync("{ boom }",
                                          context_value=SimpleNamespace(request_id="r-42"))

    assert result.errors is not None
    error = result.errors[0]
    assert error.message == "Internal error (request id r-42)."
    assert error.extensions == {"code": "INTERNAL_ERROR", "requestId": "r-42"}
    assert "secret" not in str(error.formatted)
    assert "r-42" in caplog.text and "secret: SELECT" in caplog.text
    assert "RuntimeError" in caplog.text  # with its traceback


def test_expected_errors_stay_readable_and_are_not_logged_as_errors(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        result = BOOM_SCHEMA.execute_sync("{ badArgument }")
        invalid = BOOM_SCHEMA.execute_sync("{ nope }")

    assert result.errors and result.errors[0].message.startswith("first must be between")
    assert invalid.errors and "Cannot query field 'nope'" in invalid.errors[0].message
    assert caplog.records == []


SCHEMA = build_schema()


def run(query: str, target: strawberry.Schema = SCHEMA) -> list[str]:
    log = DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    context = Context(app=log, principal=ANONYMOUS_READER)
    result = asyncio.run(target.execute(query, context_value=context))
    return [e.message for e in result.errors or []]


def test_repeated_queries_hit_the_validation_cache_with_the_limits_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    validated: list[str] = []
    validate = documents.validate

    def counting(schema: object, document: Any, rules: Any, **options: Any) -> Any:
        validated.append(print_ast(document))
        return validate(schema, document, rules, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(documents, "validate", counting)
    query = "{ trajectories(first: 3) { totalCount } }"
    other = "{ trajectories(first: 4) { totalCount } }"
    for _ in range(5):
        assert run(query) == []
        assert run(other) == []
    assert len(validated) == 2  # once per document
    assert run("{ nope }") == ["Cannot query field 'nope' on type 'Query'."]
    assert run("{ nope }") == ["Cannot query field 'nope' on type 'Query'."]  # cached too
    assert len(validated) == 3


def test_the_limits_apply() -> None:
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    deep = '{ trajectory(id: "x") { decisions { edges { node { ' + "supersedes { " * 12 \
        + "id" + " }" * 12 + " } } } } }"
    many = "{ " + "__typename " * 2001 + "}"

    assert run(aliases) == ["31 aliases found. Allowed: 30"]
    assert "exceeds maximum operation depth of 12" in run(deep)[0]
    assert "more than 2000 tokens" in run(many)[0]


def test_introspection_can_be_switched_off() -> None:
    closed = build_schema(introspection=False)
    assert run("{ __schema { queryType { name } } }") == []
    assert "introspection" in run("{ __schema { queryType { name } } }", closed)[0].lower()
    assert run("{ trajectories { totalCount } }", closed) == []


def test_the_service_masks_a_failing_store_and_names_the_request(
        caplog: pytest.LogCaptureFixture) -> None:
    log = DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    token = token_store(log).create(name="ines", role="facilitator")

    def broken(**kwargs: object) -> None:
        raise RuntimeError("connection to db password=hunter2 failed")

    log.readmodels.trajectories = broken  # type: ignore[method-assign,assignment]
    app = create_app(decision_log=log, settings=Settings())

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post("/graphql", json={"query": "{ trajectories { totalCount } }"},
                                     headers={"Authorization": f"Bearer {token}"})

    with caplog.at_level(logging.ERROR, logger="decisionlog.api"):
        response = asyncio.run(ask())

    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"] == f"Internal error (request id {request_id})."
    assert "hunter2" not in response.text
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        f"Internal error (request id {request_id}) at trajectories"]
