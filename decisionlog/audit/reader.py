"""A read-only view of the decision log's store, for auditing one that may be damaged.

`DecisionLog` brings its read models up to date when it opens, which writes, and which
a damaged log can stop; the auditor's reader only reads the stored events, decoding
them exactly as `DecisionLog` does.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from decisionlog.transcodings import register_entity_transcodings


class AuditReader(Application[UUID]):
    """The stored events of every trajectory, read and decoded, never written."""

    name = "DecisionLog"  # the same settings (environment keys) as the application
    is_snapshotting_enabled = True  # to read the snapshots, which verification can check

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_entity_transcodings(transcoder)


def open_reader(env: dict[str, str]) -> AuditReader:
    """A reader of the store the settings name (see `decisionlog.config`)."""
    return AuditReader(env=env)
