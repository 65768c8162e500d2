"""A mutation's command answered: counted by the observer, noted on the request."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from decisionlog.operations.notes import OK, note_operation

if TYPE_CHECKING:
    from decisionlog.application.commands import Command
    from decisionlog.infrastructure.observer import Observer

A = TypeVar("A")


def command_answered(observer: Observer, command: Command, trajectory_id: str | None,
                     answer: A) -> A:
    """Count and note the answer to `command` (a `CommandResult` or a typed error
    result); returns the answer."""
    repeated = getattr(answer, "repeated", None)
    if repeated is not None:  # a CommandResult: stored now, or an idempotent repeat
        outcome, noted = ("repeated" if repeated else "stored"), OK
    else:
        definition = getattr(type(answer), "__strawberry_definition__", None)
        outcome = noted = definition.name if definition is not None \
            else type(answer).__name__
    observer.command_answered(type(command).__name__, outcome)
    note_operation(outcome=noted, trajectory_id=trajectory_id)
    return answer
