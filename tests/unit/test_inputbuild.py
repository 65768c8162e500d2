"""Mutation inputs built by `build_directly` equal what strawberry's own conversion builds."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    coerce_input_value,
)
from strawberry.types.arguments import convert_argument

from decisionlog.api import inputs
from decisionlog.api.schema import build_schema

schema = build_schema()
SAMPLES = {"String": "text", "ID": "id-1", "Int": 3,
           "DateTime": "2026-01-02T03:04:05+00:00", "Boolean": True}
INPUT_CLASSES = [value for value in vars(inputs).values()
                 if isinstance(value, type) and hasattr(value, "__strawberry_definition__")
                 and getattr(value.__strawberry_definition__, "is_input", False)
                 and schema._schema.get_type(value.__strawberry_definition__.name)]


def sample(graphql_type: Any, index: int) -> Any:
    """A value of the type; the index picks among enum values, so runs differ."""
    if isinstance(graphql_type, GraphQLNonNull):
        return sample(graphql_type.of_type, index)
    if isinstance(graphql_type, GraphQLList):
        return [sample(graphql_type.of_type, index + n) for n in range(2)]
    if isinstance(graphql_type, GraphQLEnumType):
        names = list(graphql_type.values)
        return names[index % len(names)]
    assert isinstance(graphql_type, GraphQLScalarType), graphql_type
    return SAMPLES[graphql_type.name]


def strawberry_built(cls: type, value: dict[str, Any]) -> Any:
    """What strawberry builds without the `from_input` hook."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    hook, definition.from_input = definition.from_input, None
    try:
        return convert_argument(value, cls, schema.schema_converter.scalar_registry,
                                schema.config)
    finally:
        definition.from_input = hook


@pytest.mark.parametrize("cls", INPUT_CLASSES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("shape", ["every field", "required fields only", "nulls"])
def test_built_directly_equals_strawberrys_conversion(cls: type, shape: str) -> None:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    assert definition.from_input is not None, "not built directly"
    graphql_type = schema._schema.get_type(definition.name)
    assert isinstance(graphql_type, GraphQLInputObjectType)
    raw: dict[str, Any] = {}
    for index, (name, field) in enumerate(graphql_type.fields.items()):
        required = isinstance(field.type, GraphQLNonNull)
        if shape == "every field" or required:
            raw[name] = sample(field.type, index)
        elif shape == "nulls":
            raw[name] = None
    value = coerce_input_value(raw, graphql_type)
    built = convert_argument(value, cls, schema.schema_converter.scalar_registry,
                             schema.config)
    assert built == strawberry_built(cls, value)
    assert type(built) is cls


def test_lists_are_copies() -> None:
    """The input's list is its own (graphql-core may hand the same default list to every
    request)."""
    graphql_type = schema._schema.get_type("RecordDecisionInput")
    value = coerce_input_value({"trajectoryId": "t", "domainId": "d", "title": "t",
                                "statement": "s", "decidedBy": ["m"]}, graphql_type)
    built = convert_argument(value, inputs.RecordDecisionInput,
                             schema.schema_converter.scalar_registry, schema.config)
    assert built.decided_by == value["decidedBy"]
    assert built.decided_by is not value["decidedBy"]
