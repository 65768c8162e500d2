"""The application layer: the use cases, and the one write path every entry point takes."""

from decisionlog.application.decision_log import DecisionLog, parse_id
from decisionlog.application.requests import Command, CommandRequest, CommandResult

__all__ = ["Command", "CommandRequest", "CommandResult", "DecisionLog", "parse_id"]
