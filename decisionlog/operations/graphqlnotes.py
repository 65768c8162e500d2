"""The GraphQL view's part of a request's note: operation, root field, caller, outcome.

`NotingGraphQL` is mixed into the GraphQL view (`api/app.py`). After strawberry has run
an operation over HTTP it writes onto the request's note (`notes.py`) the operation's
name ("anonymous" without one) and type, its first root field (only a field the schema
has: the label stays bounded), the token's name, the trajectory a root field's `id` or
`trajectoryId` argument names, and `graphql_error` when the answer has errors (a typed
error noted by the mutation is kept otherwise). The document is looked up in the
parsed-document cache the request itself filled: nothing is parsed twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    OperationDefinitionNode,
    StringValueNode,
    VariableNode,
)

from decisionlog.operations.notes import GRAPHQL_ERROR, OK, current_note

if TYPE_CHECKING:
    from graphql import GraphQLSchema
    from strawberry.http import GraphQLRequestData
    from strawberry.types import ExecutionResult

    from decisionlog.operations.notes import RequestNote

ANONYMOUS = "anonymous"
TRAJECTORY_ARGUMENTS = ("id", "trajectoryId")


class NotingGraphQL:
    """A mixin for strawberry's ASGI view (put it first among the bases)."""

    schema: Any

    async def execute_single(self, request: Any, request_adapter: Any, sub_response: Any,
                             context: Any, root_value: Any,
                             request_data: GraphQLRequestData) -> ExecutionResult:
        result: ExecutionResult = await super().execute_single(  # type: ignore[misc]
            request, request_adapter, sub_response, context, root_value, request_data)
        note = current_note()
        if note is not None:
            describe(note, self.schema, request_data, context, result)
        return result


def describe(note: RequestNote, schema: Any, request_data: GraphQLRequestData,
             context: Any, result: ExecutionResult) -> None:
    """Write what the operation was and how it ended onto `note`."""
    principal = getattr(context, "principal", None)
    name = getattr(principal, "name", "")
    if name:
        note.principal = name
    if result.errors:
        note.outcome = GRAPHQL_ERROR
    elif not note.outcome:
        note.outcome = OK
    documents = getattr(schema, "documents", None)
    query = request_data.query
    document = documents.get(query) if documents is not None and query else None
    if document is None:
        return
    # What the document says is worked out once per document and operation name, and
    # kept on the cached document itself.
    summaries: dict[str | None, _Summary | None] | None = getattr(document, SUMMARIES, None)
    if summaries is None:
        summaries = {}
        setattr(document, SUMMARIES, summaries)
    wanted = request_data.operation_name
    if wanted in summaries:
        summary = summaries[wanted]
    else:
        summary = summaries[wanted] = _summary(schema, document.node, wanted) \
            if len(summaries) < 16 else None
    if summary is None:
        return
    note.operation, note.operation_type, root_field, argument = summary
    if not root_field:
        return
    note.root_field = root_field
    if argument is not None and not note.trajectory_id:
        trajectory_id = _argument_value(argument, request_data.variables)
        if trajectory_id:
            note.trajectory_id = trajectory_id


_Summary = tuple[str, str, str, Any]  # operation, type, root field, trajectory argument
SUMMARIES = "_operations_summaries"


def _summary(schema: Any, node: Any, name: str | None) -> _Summary | None:
    operation = _operation(node.definitions, name)
    if operation is None:
        return None
    label = operation.name.value if operation.name is not None else ANONYMOUS
    kind = operation.operation.value
    field = next((s for s in operation.selection_set.selections
                  if isinstance(s, FieldNode)), None)
    if field is None or not _known(schema._schema, operation, field.name.value):
        return label, kind, "", None
    argument = next((a.value for a in field.arguments or ()
                     if a.name.value in TRAJECTORY_ARGUMENTS), None)
    return label, kind, field.name.value, argument


def _operation(definitions: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        operations = [o for o in operations if o.name is not None and o.name.value == name]
    return operations[0] if len(operations) == 1 else None


def _known(schema: GraphQLSchema, operation: OperationDefinitionNode, field: str) -> bool:
    if field in ("__typename", "__schema", "__type"):
        return True
    root = schema.get_root_type(operation.operation)
    return root is not None and field in root.fields


def _argument_value(value: Any, variables: dict[str, Any] | None) -> str:
    if isinstance(value, StringValueNode):
        return value.value[:64]
    if isinstance(value, VariableNode) and variables:
        found = variables.get(value.name.value)
        return found[:64] if isinstance(found, str) else ""
    return ""
