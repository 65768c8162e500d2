"""Validation results reused per parsed document, found without hashing the document.

strawberry's `ValidationCache` is an `lru_cache` over (schema, document, rules), and a
graphql-core `DocumentNode` hashes by walking its whole tree: for the read query's 150
nodes that walk cost about a third of a cached read. The parser cache (`ParserCache`)
hands back the same document object for the same query text, so this cache finds the
result by the object's identity instead. An entry keeps its document alive, so its id
cannot be reused by another document while the entry exists.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

if TYPE_CHECKING:
    from graphql import DocumentNode, GraphQLError

DEFAULT_SIZE = 1024

# (document, schema, rules, errors), under id(document)
_Entry = tuple["DocumentNode", Any, tuple[Any, ...], list["GraphQLError"]]


class DocumentValidationCache(SchemaExtension):
    """Validates each parsed document once per schema and set of rules."""

    _entries: OrderedDict[int, _Entry] = OrderedDict()
    _lock = threading.Lock()
    size = DEFAULT_SIZE

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is None:  # nothing parsed: strawberry reports that itself
            yield
            return
        schema, rules = context.schema._schema, tuple(context.validation_rules)
        key = id(document)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if (entry is None or entry[0] is not document or entry[1] is not schema
                or entry[2] != rules):
            errors = validate_document(schema, document, rules)
            with self._lock:
                self._entries[key] = (document, schema, rules, errors)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        else:
            errors = entry[3]
        context.pre_execution_errors = errors
        yield
