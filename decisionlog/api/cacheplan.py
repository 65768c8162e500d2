"""Which operations the result cache may keep and tag, and what they depend on besides
what their resolvers record: the review of every root field.

`ROOT_FIELDS` names each root field an answer may be kept and tagged for, and what it
depends on:
- `NOTHING`: the schema alone (`__typename`, introspection);
- `RECORDED`: what its resolver records (`trajectory`: the trajectory it read, its
  absence, or, for `asOf`, its current state; see `queries.py`);
- `SCOPE`: the state of every trajectory the principal may read (the lists and
  searches, served from read models): recorded before the query runs
  (`dependencies.scope_dependencies`).
Any other root field makes the whole answer untagged and not kept: `auditLog` and
`verifyTrajectory` read the stored rows as they are, to show damage that no version
records, and a new field stays out until it is reviewed and listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Final

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

if TYPE_CHECKING:
    from strawberry.types import ExecutionContext

    from decisionlog.auth.principal import Principal


class Depends(Enum):
    """What a root field's answer depends on, besides document, variables, principal."""

    NOTHING = "nothing"
    RECORDED = "recorded"
    SCOPE = "scope"


ROOT_FIELDS: Final = {
    "__typename": Depends.NOTHING,
    "__schema": Depends.NOTHING,
    "__type": Depends.NOTHING,
    "trajectory": Depends.RECORDED,
    "trajectories": Depends.SCOPE,
    "decisions": Depends.SCOPE,
    "mandates": Depends.SCOPE,
    "openImplicitDecisions": Depends.SCOPE,
    "decisionsUpForReview": Depends.SCOPE,
    "decisionsDueForReview": Depends.SCOPE,  # due by `before`, given: not by the clock
}


@dataclass(frozen=True)
class Plan:
    """A query the cache may keep: its key's parts, and whether it reads the scope."""

    query: str
    operation_name: str | None
    variables: bytes
    principal: Principal
    reads_scope: bool


def plan_of(context: ExecutionContext) -> Plan | None:
    """The plan of an operation the cache may keep and tag; None for any other."""
    document = context.graphql_document
    principal = getattr(context.context, "principal", None)
    if document is None or principal is None or context.query is None:
        return None
    # As the request gave it (strawberry fills in the name of a lone operation), so
    # that the fast path, which parses nothing, computes the same key
    operation_name: str | None = getattr(context, "_provided_operation_name",
                                         context.operation_name)
    operation = selected_operation(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        return None
    fields = root_field_names(document, operation.selection_set)
    if fields is None or not fields <= ROOT_FIELDS.keys():
        return None
    variables = variables_key(context.variables)
    if variables is None:
        return None
    return Plan(query=context.query, operation_name=operation_name,
                variables=variables, principal=principal,
                reads_scope=any(ROOT_FIELDS[f] is Depends.SCOPE for f in fields))


def selected_operation(document: DocumentNode, operation_name: str | None
                       ) -> OperationDefinitionNode | None:
    """The operation a request runs: the one named, or the only one."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations
                      if o.name is not None and o.name.value == operation_name]
    return operations[0] if len(operations) == 1 else None


def root_field_names(document: DocumentNode, selection_set: SelectionSetNode
                     ) -> set[str] | None:
    """Every field name the selection set may select at its level, through inline
    fragments and fragment spreads (whatever their directives); None when it spreads
    a fragment the document does not define."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    names: set[str] = set()
    spread: set[str] = set()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in spread:
                    continue
                spread.add(name)
                fragment = fragments.get(name)
                if fragment is None:
                    return None
                pending.append(fragment.selection_set)
    return names


def variables_key(variables: dict[str, Any] | None) -> bytes | None:
    """The variables as part of a key: canonical JSON; None when they are not JSON."""
    try:
        return orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
