"""Validation results reused per parsed document, found without hashing the document.

strawberry's `ValidationCache` is an `lru_cache` over (schema, document, rules), and a
graphql-core `DocumentNode` hashes by walking its whole tree: for the read query's 150
nodes that walk cost about a third of a cached read. The parser cache (`ParserCache`)
hands back the same document object for the same query text, so this cache finds the
result by the object's identity instead. An entry keeps its document alive, so its id
cannot be reused by another document while the entry exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from decisionlog.infrastructure.lru import BoundedLRU

if TYPE_CHECKING:
    from graphql import DocumentNode, GraphQLError

DEFAULT_SIZE = 1024

# (document, schema, rules, errors), under id(document)
_Entry = tuple["DocumentNode", Any, tuple[Any, ...], list["GraphQLError"]]


class DocumentValidationCache(SchemaExtension):
    """Validates each parsed document once per schema and set of rules."""

    _entries: ClassVar[BoundedLRU[int, _Entry]] = BoundedLRU(DEFAULT_SIZE)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is None:  # nothing parsed: strawberry reports that itself
            yield
            return
        schema, rules = context.schema._schema, tuple(context.validation_rules)
        key = id(document)
        entry = self._entries.get(key)
        if (entry is None or entry[0] is not document or entry[1] is not schema
                or entry[2] != rules):
            errors = validate_document(schema, document, rules)
            self._entries.put(key, (document, schema, rules, errors))
        else:
            errors = entry[3]
        context.pre_execution_errors = errors
        yield
