"""Building flat input objects without strawberry's per-field type resolution.

Strawberry converts an input value field by field, resolving each field's type and
GraphQL name on every request: about 85 us for `RecordDecisionInput`'s 14 fields, a
tenth of a whole `recordDecision` request. graphql-core has already coerced the value
(scalars parsed, enums as their Python members, required fields present), so for a
field whose type is a scalar or an enum, or a list of them, there is nothing left to
convert. `build_directly` gives an input class strawberry's documented `from_input`
hook, which builds it from a plan made once per class: plain fields are copied, any
other field is converted the way strawberry would (`InputContext.convert`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from strawberry.types.arguments import InputContext
from strawberry.types.base import StrawberryList, StrawberryOptional, StrawberryType

T = TypeVar("T", bound=type)

# How a field's value becomes the Python value: as it is, copied as a list, or converted.
PLAIN, LIST, CONVERT = "plain", "list", "convert"

_Plan = tuple[tuple[str, str, str, Any], ...]  # (GraphQL name, Python name, how, type)


def build_directly(cls: T) -> T:
    """Let strawberry build `cls` (a strawberry input class) with a plan made once."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    plans: dict[type, tuple[dict[str, None], _Plan]] = {}

    def from_input(type_: type, value: Mapping[str, Any], context: InputContext) -> Any:
        planned = plans.get(type_)
        if planned is None:
            planned = plans[type_] = _plan(type_, context)
        nulls, plan = planned
        kwargs: dict[str, Any] = dict(nulls)
        for graphql_name, python_name, how, field_type in plan:
            if graphql_name not in value:
                continue
            item = value[graphql_name]
            if item is None or how == PLAIN:
                kwargs[python_name] = item
            elif how == LIST:
                kwargs[python_name] = list(item)  # a list of its own, as strawberry does
            else:
                kwargs[python_name] = context.convert(item, field_type, graphql_name)
        return type_(**kwargs)

    definition.from_input = from_input
    return cls


def _plan(cls: type, context: InputContext) -> tuple[dict[str, None], _Plan]:
    """None for each field without a default (as strawberry: a nullable field the client
    left out), and how to build each field."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    names = context.config.name_converter
    nulls = {field.python_name: None for field in definition.fields
             if field.default is dataclasses.MISSING
             and field.default_factory is dataclasses.MISSING}
    plan = []
    for field in definition.fields:
        field_type = field.resolve_type(type_definition=definition)
        plan.append((names.from_field(field), field.python_name,
                     _how(field_type, context), field_type))
    return nulls, tuple(plan)


def _how(field_type: StrawberryType | type, context: InputContext) -> str:
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    if isinstance(field_type, StrawberryList):
        return LIST if _is_plain(field_type.of_type, context) else CONVERT
    return PLAIN if _is_plain(field_type, context) else CONVERT


def _is_plain(field_type: StrawberryType | type, context: InputContext) -> bool:
    if isinstance(field_type, StrawberryOptional):
        field_type = field_type.of_type
    if field_type in context.scalar_registry:
        return True
    return isinstance(field_type, type) and issubclass(field_type, Enum)
