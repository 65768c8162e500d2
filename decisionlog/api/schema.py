"""The GraphQL schema. `python -m decisionlog.api.schema` prints it (schema.graphql).

`build_schema()` makes a schema with its own caches; `create_app()` makes one per app
(with the app's caches), so two apps in one process share nothing.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import strawberry
from anyio import CapacityLimiter, to_thread
from graphql import (
    OperationDefinitionNode,
    OperationType,
    OverlappingFieldsCanBeMergedRule,
    specified_rules,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from decisionlog.api.document_rules import BoundedOverlappingFieldsRule, OperationShapeRule
from decisionlog.api.documents import DocumentCache, DocumentPipeline
from decisionlog.api.freshnessnote import ReadModelFreshness
from decisionlog.api.limits import MAX_COST, OFF_LOOP_COST
from decisionlog.api.masking import MaskInternalErrors, log_expected
from decisionlog.api.mutations import Mutation
from decisionlog.api.queries import Query
from decisionlog.api.resultcache import ResultCache
from decisionlog.api.subscriptions import Subscription

if TYPE_CHECKING:
    from graphql import ASTValidationRule, GraphQLError
    from strawberry.types import ExecutionContext, ExecutionResult
    from strawberry.types.graphql import OperationType as StrawberryOperationType

OFF_LOOP_THREADS = 2  # heavy queries a worker runs at once; more wait their turn


def validation_rules(*, introspection: bool = True) -> tuple[type[ASTValidationRule], ...]:
    """graphql-core's rules (field merging on a smaller budget), the limits on depth and
    aliases (`document_rules.py`), strawberry's own, and no introspection when off."""
    rules: list[type[ASTValidationRule]] = [
        BoundedOverlappingFieldsRule if rule is OverlappingFieldsCanBeMergedRule else rule
        for rule in specified_rules]
    rules += [OperationShapeRule, MaybeNullValidationRule, OneOfInputValidationRule]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


class DecisionLogSchema(strawberry.Schema):
    """The schema, logging only what `MaskInternalErrors` masks (with its request id);
    with a `DocumentCache`, running queries that cost more than `OFF_LOOP_COST` in a
    worker thread; without introspection, without "Did you mean ...?" suggestions."""

    documents: DocumentCache | None = None
    rules: tuple[type[ASTValidationRule], ...] = ()
    hide_suggestions = False
    _limiter: tuple[asyncio.AbstractEventLoop, CapacityLimiter] | None = None

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        log_expected(errors)

    def _get_custom_context_kwargs(self, operation_extensions: dict[str, Any] | None = None,
                                   *, sync: bool = False) -> dict[str, Any]:
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        if self.hide_suggestions:
            kwargs["hide_suggestions"] = True  # in variable and argument coercion errors
        return kwargs

    async def execute(self, query: str | None, variable_values: dict[str, Any] | None = None,
                      context_value: Any | None = None, root_value: Any | None = None,
                      operation_name: str | None = None,
                      allowed_operation_types: Iterable[StrawberryOperationType] | None = None,
                      operation_extensions: dict[str, Any] | None = None) -> ExecutionResult:
        if allowed_operation_types is not None:  # subscriptions: over the websocket only
            allowed_operation_types = [kind for kind in allowed_operation_types
                                       if kind.value != "subscription"]
        run = functools.partial(
            self.execute_sync, query, variable_values, context_value, root_value,
            operation_name, allowed_operation_types, operation_extensions)
        if self.heavy_query(query, variable_values, operation_name):
            loop = asyncio.get_running_loop()
            if self._limiter is None or self._limiter[0] is not loop:  # one per loop
                self._limiter = (loop, CapacityLimiter(OFF_LOOP_THREADS))
            return await to_thread.run_sync(run, limiter=self._limiter[1])
        return await super().execute(query, variable_values, context_value, root_value,
                                     operation_name, allowed_operation_types,
                                     operation_extensions)

    def heavy_query(self, query: str | None, variables: dict[str, Any] | None,
                    operation_name: str | None) -> bool:
        """Whether the request is a valid query that costs more than `OFF_LOOP_COST`
        (and no more than `MAX_COST`): parsed, validated and costed here, once per
        document, through the cache the request itself then reads."""
        if self.documents is None or not query:
            return False
        try:
            document = self.documents.parsed(query)
        except Exception:  # a syntax error: the request reports it
            return False
        operations = [d for d in document.node.definitions
                      if isinstance(d, OperationDefinitionNode)
                      and (operation_name is None
                           or (d.name is not None and d.name.value == operation_name))]
        if len(operations) != 1 or operations[0].operation is not OperationType.QUERY \
                or document.validated(self._schema, self.rules,
                                      hide_suggestions=self.hide_suggestions):
            return False
        return OFF_LOOP_COST < document.cost(self._schema, operation_name,
                                             variables) <= MAX_COST


def build_schema(*, introspection: bool = True, documents: DocumentCache | None = None,
                 results: ResultCache | None = None,
                 refusal: Callable[[str], GraphQLError | None] | None = None
                 ) -> DecisionLogSchema:
    """The schema with its limits, caches and error masking; caches made here unless
    given (`create_app` gives the app's); `refusal`: with trusted documents, why a
    document may not run (`persisted.py`)."""
    documents = documents if documents is not None else DocumentCache()
    results = results if results is not None else ResultCache()
    rules = validation_rules(introspection=introspection)
    hide = not introspection
    schema = DecisionLogSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: DocumentPipeline(documents, rules, hide_suggestions=hide,
                                     refusal=refusal),
            MaskInternalErrors, results.extension, ReadModelFreshness,
        ],
    )
    schema.documents, schema.rules, schema.hide_suggestions = documents, rules, hide
    return schema


def schema_sdl() -> str:
    """The schema in GraphQL SDL, as committed in schema.graphql."""
    return str(build_schema()) + "\n"


if __name__ == "__main__":
    print(schema_sdl(), end="")
