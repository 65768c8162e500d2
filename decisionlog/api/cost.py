"""What an operation costs, computed from the document and its variables before it runs.

As GitHub's GraphQL API counts nodes: every field a response would hold counts its weight
once for each time it is resolved, and a list multiplies what is selected under it by the
number of items it can hold: a page's `first` (20 when not given; at most 100), or
`Cost.items` for lists that are not paged. So

    trajectories(first: 100) { edges { node { history(first: 100) { edges { node { type } } } } } }

costs 5 + 1 + 100 x (1 + 5 + 1 + 100 x (1 + 1)) = 20,706. An operation over `MAX_COST`
(`limits.py`) is refused before it runs, with its cost and the limit in the message; one
over `OFF_LOOP_COST` runs in a worker thread, so that the event loop keeps answering
other requests (health checks too) meanwhile.

**Weights.** `FIELD_COSTS` is the one table: `"Type.field"` to a `Cost`. A field not in it
costs `DEFAULT_WEIGHT` (1: about what graphql-core spends resolving a field, 3-8 us), and,
if it is a list without `first`, holds `UNPAGED_ITEMS`. Give a new field an entry when it
does more than read what its parent already holds: a read of the event store or the read
models (5), a loaded aggregate (5), a scan of a whole stream (hundreds and more). The weight
may depend on the field's arguments (a function of them, as `verifyTrajectory` does with
`checkSnapshot`). The figure is an estimate that must be cheap to compute; measured costs
are in BENCHMARKS.md.

Every fragment is costed once, as a function of the page it is spread under, so the cost
of a document whose fragments spread each other is computed in linear time (its value
can be huge, and is then refused).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from graphql import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)

from decisionlog.api.document_rules import fragment_order
from decisionlog.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

Arguments = Mapping[str, Any]


@dataclass(frozen=True)
class Cost:
    """What one resolution of a field costs, and how many items it holds when it is a
    list without `first`."""

    weight: int | Callable[[Arguments], int] = 1
    items: int | None = None


DEFAULT_WEIGHT: Final = 1
UNPAGED_ITEMS: Final = 10
STORE_READ: Final = 5  # one query of the event store or the read models
VERIFY: Final = 10_000  # reading and hashing a whole stream (200 ms for a long one)

FIELD_COSTS: Final[dict[str, Cost]] = {
    # Root fields: each reads the store
    "Query.trajectory": Cost(STORE_READ),
    "Query.trajectories": Cost(STORE_READ),
    "Query.decisions": Cost(STORE_READ),
    "Query.mandates": Cost(STORE_READ, items=20),
    "Query.openImplicitDecisions": Cost(STORE_READ),
    "Query.decisionsDueForReview": Cost(STORE_READ),
    "Query.decisionsUpForReview": Cost(STORE_READ),
    "Query.auditLog": Cost(2 * STORE_READ),
    "Query.verifyTrajectory": Cost(
        lambda arguments: 2 * VERIFY if arguments.get("checkSnapshot") else VERIFY),
    # Fields that read the store or load an aggregate
    "Trajectory.history": Cost(STORE_READ),
    "DecisionSummary.decision": Cost(STORE_READ),
    # Fields derived from a whole trajectory state (once per state, see memo.py)
    "Trajectory.whoDecidesWhat": Cost(STORE_READ),
    "Trajectory.gaps": Cost(STORE_READ),
    "Trajectory.outOfMandate": Cost(STORE_READ),
    "Trajectory.decisionsInForceAt": Cost(STORE_READ),
    "Trajectory.consultationGaps": Cost(STORE_READ),
    "Phase.whoDecidesWhat": Cost(STORE_READ),
    "Phase.gaps": Cost(STORE_READ),
    "Phase.outOfMandate": Cost(STORE_READ),
    "Phase.consultationGaps": Cost(STORE_READ),
    "Trajectory.reviewQueue": Cost(STORE_READ),
    "Trajectory.decisionsDueForReview": Cost(STORE_READ),
    "Trajectory.attention": Cost(2 * STORE_READ, items=20),  # six derivations together
    # Fields walking a decision's frames (an index per state, see memo.py)
    "Decision.framed": Cost(2),
    "Decision.reviewReasons": Cost(2),
    # Fields judging one decision against the trajectory's rights and team
    "Decision.outOfMandateReason": Cost(2),
    "Decision.notConsulted": Cost(2),
    "Decision.toInform": Cost(2),
    # Introspection: the schema is fixed; what a selection under it costs is not counted
    "Query.__schema": Cost(100),
    "Query.__type": Cost(20),
}
MUTATION_WEIGHT: Final = 10  # every mutation field: a command and a write


def operation_cost(schema: GraphQLSchema, document: DocumentNode,
                   operation_name: str | None, variables: Mapping[str, Any] | None) -> int:
    """The cost of the operation the request runs (0 when there is none to pick: other
    checks refuse such a request)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                  and (operation_name is None or (d.name and d.name.value == operation_name))]
    if len(operations) != 1:
        return 0
    operation = operations[0]
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    defaults = {d.variable.name.value: d.default_value
                for d in operation.variable_definitions or ()}
    costing = _Costing(schema, document, variables or {}, defaults)
    return costing.selections(operation.selection_set, root).at(None)


@dataclass(frozen=True)
class _Linear:
    """A cost as a function of the page its selection set is under (a fragment can be
    spread under different pages): `fixed + page * per_item`, or `fixed + unpaged`
    outside any page."""

    fixed: int = 0
    per_item: int = 0
    unpaged: int = 0

    def __add__(self, other: _Linear) -> _Linear:
        return _Linear(self.fixed + other.fixed, self.per_item + other.per_item,
                       self.unpaged + other.unpaged)

    def at(self, page: int | None) -> int:
        return self.fixed + (self.unpaged if page is None else page * self.per_item)


class _Costing:
    """One costing. Each fragment is costed once, after the fragments it spreads (so no
    step recurses through spreads), as a `_Linear` of the page it is spread under."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode,
                 variables: Mapping[str, Any], defaults: Mapping[str, ValueNode | None]
                 ) -> None:
        self.schema = schema
        self.variables = variables
        self.defaults = defaults
        fragments = {d.name.value: d for d in document.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        self.fragments: dict[str, _Linear] = {}
        for name in fragment_order(fragments):
            fragment = fragments[name]
            self.fragments[name] = self.selections(
                fragment.selection_set, schema.get_type(fragment.type_condition.name.value))

    def selections(self, selection_set: SelectionSetNode | None, parent: Any) -> _Linear:
        """The cost of one resolution of a selection set on `parent`, as a function of
        the page its connection field asked for (for the `edges` list under it)."""
        total = _Linear()
        for selection in selection_set.selections if selection_set is not None else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                # unknown or cyclic fragments cost nothing: validation refuses them
                total += self.fragments.get(selection.name.value, _Linear())
        return total

    def field(self, node: FieldNode, parent: Any) -> _Linear:
        name = node.name.value
        definition = _field(parent, name)
        key = f"{getattr(parent, 'name', '')}.{name}"
        cost = FIELD_COSTS.get(key)
        if cost is None and parent is self.schema.mutation_type:
            cost = Cost(MUTATION_WEIGHT)
        cost = cost or Cost(DEFAULT_WEIGHT)
        arguments = self.arguments(node)
        weight = cost.weight(arguments) if callable(cost.weight) else cost.weight
        if definition is None or name.startswith("__"):
            return _Linear(weight)  # introspection and __typename: nothing more under it
        own_page = _page_size(arguments) if "first" in definition.args else None
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)
        children = self.selections(node.selection_set, get_named_type(definition.type))
        if not is_list:
            return _Linear(weight + children.at(own_page))
        if own_page is not None:
            return _Linear(weight + own_page * children.at(None))
        # A list without `first`: the page it is under (edges), else its usual size
        each = children.at(None)
        items = cost.items if cost.items is not None else UNPAGED_ITEMS
        return _Linear(weight, per_item=each, unpaged=items * each)

    def arguments(self, node: FieldNode) -> dict[str, Any]:
        return {argument.name.value: self.value(argument.value)
                for argument in node.arguments or ()}

    def value(self, node: ValueNode | None) -> Any:
        if isinstance(node, VariableNode):
            name = node.name.value
            return self.variables[name] if name in self.variables \
                else self.value(self.defaults.get(name))
        if isinstance(node, IntValueNode):
            return _integer(node.value)
        if isinstance(node, (BooleanValueNode, StringValueNode, EnumValueNode)):
            return node.value
        if node is None or isinstance(node, NullValueNode):
            return None
        return node  # lists and objects: no weight depends on them yet


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:  # past Python's digit limit: validation refuses it anyway
        return None


def _field(parent: Any, name: str) -> GraphQLField | None:
    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        field: GraphQLField | None = parent.fields.get(name)
        return field
    return None


def _page_size(arguments: Arguments) -> int:
    """The page a field's `first` asks for, as the resolvers read it (bad values are
    refused when it runs)."""
    first = arguments.get("first")
    if first is None:
        return DEFAULT_PAGE_SIZE
    if isinstance(first, bool) or not isinstance(first, int):
        return MAX_PAGE_SIZE
    return min(max(first, 0), MAX_PAGE_SIZE)
