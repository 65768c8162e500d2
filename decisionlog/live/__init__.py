"""Live subscriptions: a follower of the event log per worker process, and streams that
catch up from the store and then stay live, handed over by log position."""

from decisionlog.live.hub import Admission, Live, LiveSettings, SubscriptionLimitError
from decisionlog.live.sinks import SlowConsumerError
from decisionlog.live.streams import (
           AuditFilter,
           audit_entries,
           trajectory_changes,
           trajectory_events,
)

__all__ = ["Admission", "AuditFilter", "Live", "LiveSettings", "SlowConsumerError",
           "SubscriptionLimitError", "audit_entries", "trajectory_changes",
           "trajectory_events"]
