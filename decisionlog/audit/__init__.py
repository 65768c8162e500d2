"""Audit: verifying the hash chain, the global audit log, exports, offline replay.

Above the application: it reads the store through the application's recorder and mapper
and imports nothing from the API or the command line.
"""

EXPORT_FORMATS = ("markdown", "jsonl")
"""The formats of `decisionlog.audit.export.export` (here, so that the command line can
name them without importing the domain)."""
