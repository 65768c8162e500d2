"""Relay-style connections with opaque keyset cursors."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Generic, TypeVar

import strawberry

T = TypeVar("T")
S = TypeVar("S")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_POSITION = 2**63 - 1  # the largest integer SQLite and PostgreSQL store


class QueryError(Exception):
    """Raised for a bad query argument; reaches the client as a readable GraphQL error."""


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


def require_offset(name: str, moment: datetime | None) -> None:
    """Refuse a date-time without a UTC offset (it would name no single moment), or one
    that has no UTC equivalent in the calendar (0001-01-01T00:30:00+01:00)."""
    if moment is None:
        return
    if moment.utcoffset() is None:
        raise QueryError(f"{name} must be a date-time with a UTC offset.")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise QueryError(f"{name} is outside the calendar once converted to UTC: "
                         f"{moment.isoformat()}.") from None


def require_text(name: str, text: str | None) -> None:
    """Refuse text no store keeps: a NUL character (PostgreSQL refuses it) or a lone
    surrogate (not UTF-8)."""
    if text is None:
        return
    if "\x00" in text:
        raise QueryError(f"{name} must not contain a NUL character.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(f"{name} must not contain a lone surrogate.") from None


def page_size(first: int | None) -> int:
    """`first`, checked: 0 to 100, default 20."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise QueryError(f"first must be between 0 and {MAX_PAGE_SIZE}, not {first}.")
    return first


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
) -> Connection[T]:
    """A connection from (position, row) pairs already cut to the page."""
    edges = [Edge(cursor=encode_cursor(kind, position), node=node(row)) for position, row in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next_page,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total_count,
    )
