"""Typed error results ("errors as data") and the mapping from domain errors to them."""

from __future__ import annotations

import strawberry

from decisionlog.domain import errors


@strawberry.type(name="ValidationError")
class ValidationErrorResult:
    """An input field is empty, too long or malformed; nothing was written."""

    message: str
    field: str


@strawberry.type(name="NotFound")
class NotFoundResult:
    """An id names nothing of its kind; nothing was written."""

    message: str
    kind: str
    id: strawberry.ID


@strawberry.type(name="RuleViolation")
class RuleViolationResult:
    """The change would break a rule of the decision process; nothing was written."""

    message: str
    code: str = strawberry.field(description="A stable SCREAMING_SNAKE name of the rule.")


@strawberry.type(name="VersionConflict")
class VersionConflictResult:
    """The trajectory has moved on from the expected version; nothing was written."""

    message: str
    expected_version: int
    actual_version: int


@strawberry.type(name="NotAuthorized")
class NotAuthorizedResult:
    """The caller may not make this change; nothing was written."""

    message: str


ErrorResult = (
    ValidationErrorResult | NotFoundResult | RuleViolationResult | VersionConflictResult
    | NotAuthorizedResult
)


def error_result(error: errors.DecisionLogError) -> ErrorResult:
    """The typed result for a domain error."""
    if isinstance(error, errors.ValidationError):
        return ValidationErrorResult(message=error.message, field=error.field)
    if isinstance(error, errors.NotFoundError):
        return NotFoundResult(message=error.message, kind=error.kind, id=strawberry.ID(error.id))
    if isinstance(error, errors.VersionConflictError):
        return VersionConflictResult(
            message=error.message, expected_version=error.expected_version,
            actual_version=error.actual_version,
        )
    return RuleViolationResult(message=error.message, code=error.code)
