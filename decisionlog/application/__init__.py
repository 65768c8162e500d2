"""The application layer: the commands, their handlers, and the one write path every
entry point takes."""

from decisionlog.application.decision_log import DecisionLog, parse_id
from decisionlog.application.requests import CommandRequest, CommandResult

__all__ = ["CommandRequest", "CommandResult", "DecisionLog", "parse_id"]
