"""Validation rules on the shape of a document, each linear in the document's size.

strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` expand every fragment spread
again where it occurs: a document whose fragments each spread the previous one twice
(`fragment F1 on Query { ...F0 ...F0 }` ... `query { ...F23 }`, 1.6 KB) took 2^23 steps,
96 s on the event loop. `OperationShapeRule` measures each fragment once (its depth and
its aliases, counted as if expanded) and adds the measures up wherever it is spread.

graphql-core's `OverlappingFieldsCanBeMergedRule` compares fields pairwise: 395 copies of
`trajectories { totalCount }` took 0.5 s within its own budget of 500,000 comparisons.
`BoundedOverlappingFieldsRule` gives it `OVERLAP_BUDGET` instead (about 50 ms).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import OverlappingFieldsCanBeMergedRule

from decisionlog.api.limits import MAX_ALIASES, MAX_DEPTH

OVERLAP_BUDGET: Final = 50_000
ABORTED: Final = "Validation aborted."
ABORTED_READABLE: Final = (
    "The query is too complex to validate: its fields and fragments overlap in too many "
    "ways. Send fewer repeated fields or fragment spreads.")


@dataclass(frozen=True)
class Shape:
    """How deep a selection set nests fields, and how many aliases it holds, with every
    fragment spread counted as if expanded."""

    depth: int = 0
    aliases: int = 0


NOTHING = Shape()


class OperationShapeRule(ValidationRule):
    """Refuses operations deeper than `MAX_DEPTH` and documents with more than
    `MAX_ALIASES` aliases (the messages of strawberry's limiters), in linear time."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        fragments = {d.name.value: d for d in context.document.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        self._measured: dict[str, Shape] = {}
        for name in fragment_order(fragments):  # each after the fragments it spreads
            self._measured[name] = self._shape(fragments[name].selection_set)
        self._aliases = 0

    def enter_operation_definition(self, node: OperationDefinitionNode,
                                   *_args: Any) -> None:
        shape = self._shape(node.selection_set)
        self._aliases += shape.aliases
        if shape.depth > MAX_DEPTH:
            name = node.name.value if node.name else "anonymous"
            self.report_error(GraphQLError(
                f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}", [node]))

    def leave_document(self, *_args: Any) -> None:
        if self._aliases > MAX_ALIASES:
            self.report_error(GraphQLError(
                f"{self._aliases} aliases found. Allowed: {MAX_ALIASES}"))

    def _shape(self, selection_set: SelectionSetNode | None) -> Shape:
        if selection_set is None:
            return NOTHING
        depth = aliases = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                aliases += selection.alias is not None
                if selection.name.value.startswith("__") or selection.selection_set is None:
                    continue  # introspection and leaves add no depth
                inner = self._shape(selection.selection_set)
                depth, aliases = max(depth, inner.depth + 1), aliases + inner.aliases
            else:  # unknown or cyclic fragments measure nothing: other rules report them
                inner = self._measured.get(selection.name.value, NOTHING) \
                    if isinstance(selection, FragmentSpreadNode) \
                    else self._shape(selection.selection_set) \
                    if isinstance(selection, InlineFragmentNode) else NOTHING
                depth, aliases = max(depth, inner.depth), aliases + inner.aliases
        return Shape(depth, aliases)


def fragment_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """The fragments' names, each after every fragment it spreads (cycles broken
    anywhere), found without recursion: a chain of 200 fragments is 200 deep."""
    order: list[str] = []
    seen: set[str] = set()
    for root in fragments:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, spreads_in(fragments[root].selection_set))]
        while stack:
            name, pending = stack[-1]
            for spread in pending:
                if spread in fragments and spread not in seen:
                    seen.add(spread)
                    stack.append((spread, spreads_in(fragments[spread].selection_set)))
                    break
            else:
                stack.pop()
                order.append(name)
    return order


def spreads_in(selection_set: SelectionSetNode | None) -> Iterator[str]:
    """The names of the fragments spread anywhere in a selection set."""
    pending = [selection_set]
    while pending:
        current = pending.pop()
        for selection in current.selections if current is not None else ():
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            else:
                pending.append(getattr(selection, "selection_set", None))


class BoundedOverlappingFieldsRule(OverlappingFieldsCanBeMergedRule):
    """graphql-core's field-merging rule with a smaller budget of comparisons; over it,
    validation stops with `ABORTED` (made readable by `readable_validation_errors`)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.rule_context.remaining_complexity_budget = OVERLAP_BUDGET


def readable_validation_errors(errors: list[GraphQLError]) -> list[GraphQLError]:
    """Validation errors as a client should read them: graphql-core's bare "Validation
    aborted." (a budget ran out) said as a reason; a value Python could not convert (an
    Int literal of 5,000 digits) said without Python's words or the value."""
    return [_readable(error) for error in errors]


def _readable(error: GraphQLError) -> GraphQLError:
    if error.message == ABORTED:
        return GraphQLError(ABORTED_READABLE, extensions={"code": "QUERY_TOO_COMPLEX"})
    original = error.original_error
    if isinstance(original, ValueError) and "integer string conversion" in str(original):
        return GraphQLError("A number in the query has too many digits (an Int is a 32-bit "
                            "integer).", error.nodes)
    return error
