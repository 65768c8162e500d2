"""Checks on command inputs; each failure is a `ValidationError` naming the field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from decisionlog.domain.errors import ValidationError
from decisionlog.domain.values import MAX_LIST_LENGTH, MAX_NAME_LENGTH

E = TypeVar("E", bound=StrEnum)


def required_text(field: str, value: str, max_length: int) -> str:
    """The text stripped of surrounding white space; it must not be empty."""
    if not isinstance(value, str):
        raise ValidationError(field, f"{field} must be text.")
    text = value.strip()
    if not text:
        raise ValidationError(field, f"{field} must not be empty.")
    if len(text) > max_length:
        raise ValidationError(field, f"{field} is longer than {max_length} characters.")
    return text


def optional_text(field: str, value: str | None, max_length: int) -> str | None:
    """The text stripped, or None when it is missing or blank."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"{field} must be text.")
    text = value.strip()
    if len(text) > max_length:
        raise ValidationError(field, f"{field} is longer than {max_length} characters.")
    return text or None


def text_list(field: str, values: Iterable[str] | None, max_length: int) -> list[str]:
    """Non-empty texts, at most `MAX_LIST_LENGTH` of them."""
    items = list(values or [])
    if len(items) > MAX_LIST_LENGTH:
        raise ValidationError(field, f"{field} has more than {MAX_LIST_LENGTH} entries.")
    return [required_text(field, item, max_length) for item in items]


def id_list(field: str, values: Iterable[str] | None, *, required: bool,
            noun: str = "member") -> list[str]:
    """Distinct ids of `noun`s, in the given order; at least one when `required`."""
    ids = text_list(field, values, MAX_NAME_LENGTH)
    if required and not ids:
        raise ValidationError(field, f"{field} must name at least one {noun}.")
    if len(set(ids)) != len(ids):
        raise ValidationError(field, f"{field} names the same {noun} twice.")
    return ids


def enum_value(field: str, enum: type[E], value: object) -> E:
    """`value` as a member of `enum`."""
    try:
        return enum(str(value)) if not isinstance(value, enum) else value
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValidationError(field, f"{field} must be one of {allowed}.") from None


def moment(field: str, value: datetime | None, *, now: datetime) -> datetime | None:
    """A moment with a UTC offset, not after `now`."""
    value = aware(field, value)
    if value is not None and value > now:
        raise ValidationError(field, f"{field} must not lie in the future.")
    return value


def aware(field: str, value: datetime | None) -> datetime | None:
    """A moment with a UTC offset (it may lie in the future)."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError(field, f"{field} must be a date-time with a UTC offset.")
    return value
