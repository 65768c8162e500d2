"""The GraphQL schema. `python -m decisionlog.api.schema` prints it (schema.graphql)."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from decisionlog.api.mutations import Mutation
from decisionlog.api.queries import Query

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[lambda: ParserCache(maxsize=1024), lambda: ValidationCache(maxsize=1024)],
)


def schema_sdl() -> str:
    """The schema in GraphQL SDL, as committed in schema.graphql."""
    return str(schema) + "\n"


if __name__ == "__main__":
    print(schema_sdl(), end="")
