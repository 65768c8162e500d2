"""The `decisionlog` command: `serve`, `token`, `verify`, `export`, `rebuild`."""

from decisionlog.cli.main import main

__all__ = ["main"]
