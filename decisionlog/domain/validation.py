"""Checks on command inputs; each failure is a `ValidationError` naming the field.

Text must also be storable everywhere it goes: PostgreSQL text refuses NUL, and a lone
surrogate (U+D800..U+DFFF) cannot be encoded as UTF-8 for the hash chain or the database;
a moment must have a UTC equivalent (`0001-01-01T00:30:00+01:00` has none). A value that
passed these checks and then failed in storage would fail every other request stored in
the same transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from decisionlog.domain.errors import ValidationError
from decisionlog.domain.values import MAX_LIST_LENGTH, MAX_NAME_LENGTH, UNSTORABLE

E = TypeVar("E", bound=StrEnum)

def storable(field: str, value: str) -> str:
    """`value` unchanged, if it holds no NUL and no lone surrogate."""
    if UNSTORABLE.search(value) is not None:
        raise ValidationError(
            field, f"{field} must not contain NUL characters or lone surrogates.")
    return value


def identifier(field: str, value: object, noun: str) -> str:
    """An id as given: non-empty, storable text."""
    if not isinstance(value, str) or not value:
        raise ValidationError(field, f"{field} must name a {noun}.")
    return storable(field, value)


# Characters a name may not hold: controls, format characters (zero-width, bidi controls,
# BOM), separators other than the space, surrogates, private use, unassigned ones, and
# the default-ignorable characters of other categories (fillers, variation selectors).
_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]")


def name_text(field: str, value: str, max_length: int) -> str:
    """A name as people read it: NFKC, any white space (tabs, line breaks) as single
    spaces, nothing invisible."""
    text = unicodedata.normalize("NFKC", required_text(field, value, max_length))
    if (any(unicodedata.category(c) in _NOT_IN_NAMES and not c.isspace() for c in text)
            or _IGNORABLE.search(text)):
        raise ValidationError(
            field, f"{field} must not contain invisible, control or direction characters.")
    text = " ".join(text.split())
    if not text or len(text) > max_length:
        return required_text(field, text, max_length)  # raises, with the usual message
    return text


def required_text(field: str, value: str, max_length: int) -> str:
    """The text stripped of surrounding white space; it must not be empty."""
    if not isinstance(value, str):
        raise ValidationError(field, f"{field} must be text.")
    text = storable(field, value).strip()
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
    text = storable(field, value).strip()
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
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            field, f"{field} lies outside the calendar once converted to UTC.") from None
    return value
