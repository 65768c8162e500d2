"""The GraphQL schema. `python -m decisionlog.api.schema` prints it (schema.graphql)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry.extensions import ParserCache

from decisionlog.api.freshnessnote import ReadModelFreshness
from decisionlog.api.limits import limit_extensions
from decisionlog.api.masking import MaskInternalErrors, log_expected
from decisionlog.api.mutations import Mutation
from decisionlog.api.queries import Query
from decisionlog.api.resultcache import StateResultCache
from decisionlog.api.validationcache import DocumentValidationCache

if TYPE_CHECKING:
    from graphql import GraphQLError
    from strawberry.types import ExecutionContext


class DecisionLogSchema(strawberry.Schema):
    """The schema, logging only what `MaskInternalErrors` masks (with its request id)."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        log_expected(errors)


def build_schema(*, introspection: bool = True) -> strawberry.Schema:
    """The schema with its limits, caches and error masking (see `api/limits.py`)."""
    return DecisionLogSchema(
        query=Query,
        mutation=Mutation,
        extensions=[
            *limit_extensions(introspection=introspection),
            lambda: ParserCache(maxsize=1024), DocumentValidationCache,
            MaskInternalErrors, StateResultCache, ReadModelFreshness,
        ],
    )


schema = build_schema()


def schema_sdl() -> str:
    """The schema in GraphQL SDL, as committed in schema.graphql."""
    return str(schema) + "\n"


if __name__ == "__main__":
    print(schema_sdl(), end="")
