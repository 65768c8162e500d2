"""What a cached value takes in memory, roughly: the byte accounting of the API's caches.

The figures are estimates that err on the large side, so that a cache's byte bound holds:
- a value (a result's data, a memo entry): `sys.getsizeof` of every object reached through
  containers and public attributes, each object counted once; attributes whose name starts
  with `_` (strawberry's `Private` fields: the aggregate a type wraps) are left out, as
  their objects belong to other caches;
- a parsed document: its source text twice (the `Source` and the string values cut from
  it) and `DOCUMENT_BYTES_PER_TOKEN` per token, measured with tracemalloc on graphql-core
  3.3 (390-540 bytes per token for the token, its AST node and location).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from graphql import DocumentNode

DOCUMENT_BYTES_PER_TOKEN: Final = 600
_ATOMS: Final = (str, bytes, int, float, bool, type(None))


def approximate_size(value: object) -> int:
    """The bytes `value` and what it reaches (see the module docstring)."""
    seen: set[int] = set()
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, _ATOMS):
            continue
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            pending.extend(item)
        else:
            pending.extend(_public_attributes(item))
    return total


def document_size(document: DocumentNode, text: str) -> int:
    """The bytes a parsed document keeps alive, with its source text."""
    tokens = 0
    token = document.loc.start_token if document.loc is not None else None
    while token is not None:
        tokens += 1
        token = token.next
    return 2 * sys.getsizeof(text) + DOCUMENT_BYTES_PER_TOKEN * tokens


def _public_attributes(item: object) -> list[object]:
    attributes = getattr(item, "__dict__", None)
    values = [v for k, v in attributes.items() if not k.startswith("_")] \
        if isinstance(attributes, dict) else []
    for cls in type(item).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if not name.startswith("_") and hasattr(item, name):
                values.append(getattr(item, name))
    return values
