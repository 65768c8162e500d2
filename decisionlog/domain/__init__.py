"""The decision-log domain: the `Trajectory` aggregate, its events, values and errors.

Pure: it imports nothing but the standard library and `eventsourcing`.
"""

from decisionlog.domain.trajectory import Trajectory

__all__ = ["Trajectory"]
