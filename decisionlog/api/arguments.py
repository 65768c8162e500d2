"""Checks on query arguments that are not about the domain: page sizes, date-times.

A bad argument raises `QueryError`, which reaches the client as a readable GraphQL error
(queries have no typed errors; mutations' inputs are checked by the domain instead).
"""

from __future__ import annotations

from datetime import datetime

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class QueryError(Exception):
    """Raised for a bad query argument; reaches the client as a readable GraphQL error."""


def require_offset(name: str, moment: datetime | None) -> None:
    """Refuse a date-time without a UTC offset (it would name no single moment)."""
    if moment is not None and moment.utcoffset() is None:
        raise QueryError(f"{name} must be a date-time with a UTC offset.")


def page_size(first: int | None) -> int:
    """`first`, checked: 0 to 100, default 20."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise QueryError(f"first must be between 0 and {MAX_PAGE_SIZE}, not {first}.")
    return first
