"""`decisionlog serve`'s operations options: `--metrics` and `--log-format`."""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import logging.config
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from decisionlog.operations.logs import FORMATS, log_config
from decisionlog.operations.telemetry import METRICS_TOKEN_VARIABLE, OperationsSettings

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's name for it


def add_operations_arguments(serve: argparse.ArgumentParser) -> None:
    """Add `--metrics` and `--log-format` to the `serve` parser."""
    serve.add_argument("--metrics", action="store_true",
                       help="answer GET /metrics (Prometheus); with "
                            f"{METRICS_TOKEN_VARIABLE} set, only to that bearer token")
    serve.add_argument("--log-format", choices=FORMATS, default="text",
                       help="text (readable, the default) or json (one object a line)")


@contextlib.contextmanager
def operations_environment(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """Pass the options on to the workers (environment variables), make the metrics'
    multiprocess directory when several workers share it (removed at the end unless it
    was given), and yield uvicorn's logging options."""
    settings = OperationsSettings(metrics=args.metrics, log_format=args.log_format)
    os.environ.update(settings.to_env())
    made: Path | None = None
    if args.metrics and args.workers > 1:
        from decisionlog.operations.metrics import prepare_multiprocess_directory

        given = os.environ.get(MULTIPROCESS_VARIABLE, "").strip()
        directory = Path(given) if given else Path(
            tempfile.mkdtemp(prefix="decisionlog-metrics-"))
        made = None if given else directory
        prepare_multiprocess_directory(directory)
        os.environ[MULTIPROCESS_VARIABLE] = str(directory)
    else:
        os.environ.pop(MULTIPROCESS_VARIABLE, None)  # one worker: its own registry
    config = log_config(args.log_format, args.log_level)
    if args.log_format == "json":
        logging.config.dictConfig(config)
    try:
        yield {"log_config": config, "access_log": args.log_format != "json"}
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


@contextlib.contextmanager
def printed_as_log(log_format: str) -> Iterator[None]:
    """In JSON format, what `serve` prints at start becomes log lines (redacted like
    every line: the demo token shows as `dl_<key id>_***`; it is kept in its file)."""
    if log_format != "json":
        yield
        return
    writer = _LogWriter(logging.getLogger("decisionlog.serve"))
    try:
        with contextlib.redirect_stdout(writer):
            yield
    finally:
        writer.flush()


class _LogWriter(io.TextIOBase):
    """A text stream that logs each line written to it."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__()
        self.logger = logger
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if line.strip():
                self.logger.info("%s", line)
        return len(text)

    def flush(self) -> None:
        if self.pending.strip():
            self.logger.info("%s", self.pending)
        self.pending = ""
