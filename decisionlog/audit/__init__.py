"""Audit: verifying the hash chain, the global audit log, exports, offline replay.

Above the application: it reads the store through the application's recorder and mapper
and imports nothing from the API or the command line.
"""
