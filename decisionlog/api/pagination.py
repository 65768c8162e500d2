"""Relay-style connections with opaque keyset cursors."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

import strawberry

from decisionlog.api.arguments import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    QueryError,
    page_size,
    require_offset,
)

T = TypeVar("T")
S = TypeVar("S")

MAX_POSITION = 2**63 - 1  # the largest integer SQLite and PostgreSQL store

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Connection", "Edge", "PageInfo",
           "QueryError", "connection", "decode_cursor", "encode_cursor", "page_size",
           "require_offset"]  # the argument checks live in `arguments`, re-exported here


@strawberry.type
class PageInfo:
    """Where a page ends, and whether more follows."""

    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    """One node of a page, with the cursor to continue after it."""

    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    """A page of nodes, with the total number of nodes that match."""

    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def encode_cursor(kind: str, position: int) -> str:
    """An opaque cursor for the position of a node in a keyset order."""
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> int:
    """The position a cursor names; 0 (the start) for no cursor."""
    if cursor is None:
        return 0
    try:
        prefix, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        position = int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise QueryError(f"Invalid cursor {cursor!r}.") from None
    if prefix != kind or not 0 <= position <= MAX_POSITION:
        raise QueryError(f"Cursor {cursor!r} does not belong to this list.")
    return position


def connection(
    kind: str,
    rows: Iterable[tuple[int, S]],
    *,
    total_count: int,
    has_next_page: bool,
    node: Callable[[S], T],
    cursor: Callable[[int], str] | None = None,
) -> Connection[T]:
    """A connection from (position, row) pairs already cut to the page; `cursor` makes a
    position's cursor (default: `encode_cursor(kind, position)`)."""
    make = cursor or (lambda position: encode_cursor(kind, position))
    edges = [Edge(cursor=make(position), node=node(row)) for position, row in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next_page,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total_count,
    )
