"""Checks on query arguments that are not about the domain: page sizes, date-times, text.

A bad argument raises `QueryError`, which reaches the client as a readable GraphQL error
(queries have no typed errors; mutations' inputs are checked by the domain instead).
"""

from __future__ import annotations

from datetime import UTC, datetime

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class QueryError(Exception):
    """Raised for a bad query argument; reaches the client as a readable GraphQL error."""


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
