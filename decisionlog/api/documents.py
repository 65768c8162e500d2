"""Queries parsed, validated and costed once, kept per query text within a byte bound.

This replaces strawberry's `ParserCache` (an `lru_cache` of 1,024 documents of any size:
1,100 distinct 1 MB queries pinned 1.76 GB) and its validation cache. An entry is the
parsed document, its validation errors (computed once, with every rule of `rules.py`),
and its costs (`cost.py`) for the few sets of page sizes its requests asked for. The
cache counts each entry's bytes (`sizes.document_size`) and keeps at most `max_bytes`;
a document larger than an eighth of that is used once and not kept.

Automatic persisted queries (`persisted.py`) are kept here too: a document registered
under its SHA-256 hash is a second entry for the same `Document`, counted again (so the
bound errs on the large side).

`DocumentPipeline` is the schema extension that serves requests from it; the schema
also asks it first whether an operation is heavy enough to run off the event loop
(`schema.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, cast

from graphql import GraphQLError, parse, validate
from strawberry.extensions import SchemaExtension

from decisionlog.api.cost import operation_cost
from decisionlog.api.document_rules import readable_validation_errors
from decisionlog.api.limits import MAX_COST, MAX_QUERY_CHARS, MAX_TOKENS
from decisionlog.api.sizes import document_size
from decisionlog.infrastructure.lru import BoundedLRU

if TYPE_CHECKING:
    from graphql import ASTValidationRule, DocumentNode, GraphQLSchema

DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024
DEFAULT_MAX_ENTRIES: Final = 4096
COSTS_PER_DOCUMENT: Final = 32  # sets of page sizes remembered per document


class Document:
    """A parsed query with what is known about it: its validation errors (once
    validated) and the cost of the variable sets seen."""

    def __init__(self, node: DocumentNode, size: int, text: str) -> None:
        self.node = node
        self.text = text
        self.size = size
        self.errors: list[GraphQLError] | None = None
        self._costs: dict[tuple[Any, ...], int] = {}
        self._lock = threading.Lock()

    def validated(self, schema: GraphQLSchema, rules: tuple[type[ASTValidationRule], ...],
                  *, hide_suggestions: bool) -> list[GraphQLError]:
        """Its validation errors, computed the first time they are asked for."""
        errors = self.errors
        if errors is None:
            errors = self.errors = readable_validation_errors(validate(
                schema, self.node, rules, hide_suggestions=hide_suggestions))
        return list(errors)

    def cost(self, schema: GraphQLSchema, operation_name: str | None,
             variables: Mapping[str, Any] | None) -> int:
        """What the operation costs with these variables (see `cost.py`)."""
        key = (operation_name, *_cost_relevant(variables))
        with self._lock:
            known = self._costs.get(key)
        if known is not None:
            return known
        cost = operation_cost(schema, self.node, operation_name, variables)
        with self._lock:
            if len(self._costs) >= COSTS_PER_DOCUMENT:
                self._costs.clear()
            self._costs[key] = cost
        return cost


class DocumentCache:
    """Parsed and validated documents by query text, bounded in entries and bytes."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        # by query text, and by ("sha256", hash) for persisted queries
        self._entries: BoundedLRU[str | tuple[str, str], Document] = BoundedLRU(
            max_entries, max_bytes=max_bytes)

    def get(self, query: str) -> Document | None:
        return self._entries.get(query)

    def add(self, query: str, node: DocumentNode) -> Document:
        """The entry for a document just parsed (kept if it is small enough)."""
        document = Document(node, document_size(node, query), query)
        self._entries.put(query, document, size=document.size)
        return document

    def persist(self, sha256: str, query: str) -> Document:
        """Keep a document under its hash too (the caller checked the hash); raises
        GraphQLError for a syntax error, and then keeps nothing."""
        document = self.parsed(query)
        self._entries.put(("sha256", sha256), document, size=document.size)
        return document

    def persisted(self, sha256: str) -> Document | None:
        """The document kept under a hash, if any."""
        return self._entries.get(("sha256", sha256))

    def parsed(self, query: str) -> Document:
        """The entry for a query, parsed now if it is not kept; raises GraphQLError for
        a syntax error."""
        document = self.get(query)
        return document if document is not None else self.add(query, parse(
            query, max_tokens=MAX_TOKENS, max_source_length=MAX_QUERY_CHARS))

    @property
    def bytes(self) -> int:
        return self._entries.bytes

    def __len__(self) -> int:
        return len(self._entries)


class DocumentPipeline(SchemaExtension):
    """Parsing and validation from the `DocumentCache`, then the cost limit."""

    def __init__(self, documents: DocumentCache,
                 rules: tuple[type[ASTValidationRule], ...], *,
                 hide_suggestions: bool,
                 refusal: Callable[[str], GraphQLError | None] | None = None) -> None:
        self.documents = documents
        self.rules = rules
        self.hide_suggestions = hide_suggestions
        self.refusal = refusal  # with trusted documents: why a document may not run
        self._document: Document | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        document = self.documents.get(query) if query else None
        if document is not None and context.graphql_document is None:
            context.graphql_document = document.node
        else:
            options = cast("dict[str, Any]", context.parse_options)
            options.update(max_tokens=MAX_TOKENS, max_source_length=MAX_QUERY_CHARS)
        yield
        if document is None and query and context.graphql_document is not None:
            document = self.documents.add(query, context.graphql_document)
        self._document = document

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = self._document
        refused = None if self.refusal is None or not context.query \
            else self.refusal(context.query)
        if refused is not None:  # not trusted (over HTTP, refused before this)
            context.pre_execution_errors = [refused]
        elif document is not None and context.graphql_document is document.node:
            schema = context.schema._schema
            errors = document.validated(schema, self.rules,
                                        hide_suggestions=self.hide_suggestions)
            if not errors:
                cost = document.cost(schema, context.operation_name, context.variables)
                if cost > MAX_COST:
                    errors = [cost_error(cost)]
            context.pre_execution_errors = errors
        yield


def cost_error(cost: int) -> GraphQLError:
    """The error of an operation over the cost limit, with its cost and the limit."""
    return GraphQLError(
        f"The query costs {cost:,}, over the limit of {MAX_COST:,}: ask for smaller pages "
        "(first), fewer nested lists or fewer aliases (see the README, Limits and errors).",
        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": MAX_COST})


def _cost_relevant(variables: Mapping[str, Any] | None) -> Iterator[tuple[str, Any]]:
    """The variables as the cost sees them: numbers, booleans and nulls by value, any
    other value only by its type (no weight depends on text, lists or objects)."""
    for name, value in sorted((variables or {}).items()):
        yield name, value if value is None or isinstance(value, (bool, int)) \
            else type(value).__name__
