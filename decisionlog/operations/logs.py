"""The service's logs: readable lines (the default) or one JSON object a line.

`decisionlog serve --log-format json` writes every line as JSON: uvicorn's own lines,
decisionlog's, and one access line per HTTP request (written by the request middleware
when the answer has gone, in place of uvicorn's access line, which cannot know the
outcome or the duration):

    {"time": "2026-05-04T10:00:00.123+00:00", "level": "INFO", "logger": "decisionlog.access",
     "message": "POST /graphql 200", "request_id": "...", "method": "POST",
     "path": "/graphql", "status": 200, "duration_ms": 3.2, "client": "127.0.0.1:50412",
     "operation": "AddMember", "root_field": "addMember", "outcome": "ok",
     "token_name": "anna", "trajectory_id": "..."}

Either way no line carries a secret: a bearer token (`dl_<key id>_<secret>`) is written
as `dl_<key id>_***` and a password in a URL as `***`, whatever logged it (`redact`).
The path is logged without its query string (GraphQL GET requests carry variables there).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import re
import time
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from uvicorn.logging import AccessFormatter, DefaultFormatter

from decisionlog.operations.notes import current_note

FORMATS: Final = ("text", "json")
ACCESS_LOGGER: Final = "decisionlog.access"
ACCESS_FIELDS: Final = ("method", "path", "status", "duration_ms", "client",
                        "http_version", "operation", "root_field", "outcome", "token_name",
                        "trajectory_id")

_TOKEN: Final = re.compile(r"(dl_[0-9a-f]{16}_)[0-9a-f]{8,}")
_URL_PASSWORD: Final = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s]+@")
_PASSWORD_FIELD: Final = re.compile(r"((?:password|passwd|pwd)\s*[=:]\s*)('[^']*'|\"[^\"]*\"|\S+)",
                                    re.IGNORECASE)


def redact(text: str) -> str:
    """`text` without token secrets or passwords."""
    if "dl_" in text:
        text = _TOKEN.sub(r"\1***", text)
    if "://" in text:
        text = _URL_PASSWORD.sub(r"\1***@", text)
    if "pass" in text.lower() or "pwd" in text.lower():
        text = _PASSWORD_FIELD.sub(r"\1***", text)
    return text


class TextFormatter(DefaultFormatter):
    """uvicorn's readable format, redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class TextAccessFormatter(AccessFormatter):
    """uvicorn's readable access line, redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JSONFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request's id when the
    line was written while serving one, the access line's fields, and a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        note = current_note()
        request_id = getattr(record, "request_id", None) or (
            note.request_id if note is not None else None)
        if request_id:
            entry["request_id"] = request_id
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            entry.update((key, access[key]) for key in ACCESS_FIELDS
                         if access.get(key) not in (None, ""))
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        return orjson.dumps(entry, default=str).decode()


def log_config(log_format: str, level: str = "info") -> dict[str, Any]:
    """The logging configuration of a server (uvicorn's `log_config`): uvicorn's
    loggers and decisionlog's, in the format asked for. In JSON, uvicorn's access log is
    replaced by decisionlog's (`ACCESS_LOGGER`), which knows more."""
    if log_format not in FORMATS:
        raise ValueError(f"log format {log_format!r}: choose one of {', '.join(FORMATS)}")
    json = log_format == "json"
    numeric = level.upper() if level.lower() != "trace" else "DEBUG"
    default = {"()": f"{__name__}.JSONFormatter"} if json else {
        "()": f"{__name__}.TextFormatter", "fmt": "%(levelprefix)s %(message)s",
        "use_colors": None}
    access = {"()": f"{__name__}.JSONFormatter"} if json else {
        "()": f"{__name__}.TextAccessFormatter",
        "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s'}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": default, "access": access},
        "handlers": {
            "default": {"formatter": "default", "class": "logging.StreamHandler",
                        "stream": "ext://sys.stderr"},
            "access": {"formatter": "access", "class": "logging.StreamHandler",
                       "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [] if json else ["access"], "level": "INFO",
                               "propagate": False},
            "decisionlog": {"handlers": ["default"], "level": numeric,
                            "propagate": False},
            ACCESS_LOGGER: {"handlers": ["access"] if json else [], "level": numeric,
                            "propagate": False},
        },
    }


_second: list[Any] = [-1, ""]  # the last whole second formatted, and its text


def _now_text(now: float) -> str:
    """`now` as the JSON lines' time (ISO 8601, milliseconds, UTC), the seconds part
    formatted once a second."""
    second = int(now)
    if second != _second[0]:
        _second[:] = [second, datetime.fromtimestamp(second, UTC).strftime(
            "%Y-%m-%dT%H:%M:%S")]
    return f"{_second[1]}.{int((now - second) * 1000):03d}+00:00"


def write_access_line(message: str, request_id: str, fields: dict[str, Any]) -> None:
    """Write one access line to the access logger's handlers: straight to the stream
    of a JSON stream handler (the line the formatter would make, without a log record:
    a third of the cost), through the logging machinery to any other handler. Fields
    that are None or empty are left out."""
    if not _access_logger.isEnabledFor(logging.INFO):
        return
    line: str | None = None
    for handler in _access_logger.handlers:
        if type(handler) is logging.StreamHandler \
                and isinstance(handler.formatter, JSONFormatter):
            if line is None:
                line = _access_json(message, request_id, fields)
            _write_soon(handler, line)
        else:
            record = logging.LogRecord(ACCESS_LOGGER, logging.INFO, __file__, 0, "%s",
                                       (message,), None)
            record.request_id, record.access = request_id, fields
            handler.handle(record)


def _access_json(message: str, request_id: str, fields: dict[str, Any]) -> str:
    """The JSON line `JSONFormatter` would write for an access record (redacted)."""
    entry: dict[str, Any] = {"time": _now_text(time.time()), "level": "INFO",
                             "logger": ACCESS_LOGGER, "message": redact(message)}
    if request_id:
        entry["request_id"] = request_id
    for key, value in fields.items():
        if value is None or value == "":
            continue
        entry[key] = redact(value) if value.__class__ is str and "dl_" in value else value
    return orjson.dumps(entry).decode() + "\n"


_access_logger: Final = logging.getLogger(ACCESS_LOGGER)
_pending: dict[logging.StreamHandler[Any], list[str]] = {}


def _write_soon(handler: logging.StreamHandler[Any], line: str) -> None:
    """Write `line` to `handler`'s stream once the event loop has run what is ready now:
    the access lines of the requests answered in the same turn of the loop go out in
    one write (a write system call a line was about a third of the access log's cost
    under load; the stream may be unbuffered, as with PYTHONUNBUFFERED). A line waits
    microseconds, not for a buffer to fill; outside an event loop it is written at once."""
    lines = _pending.get(handler)
    if lines is not None:
        lines.append(line)
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        _write(handler, [line])
        return
    _pending[handler] = [line]
    loop.call_soon(_write_pending, handler)


def _write_pending(handler: logging.StreamHandler[Any]) -> None:
    _write(handler, _pending.pop(handler, []))


@atexit.register
def _write_all_pending() -> None:
    """Lines still waiting when the process ends (its loop stopped first)."""
    for handler in list(_pending):
        _write_pending(handler)


def _write(handler: logging.StreamHandler[Any], lines: list[str]) -> None:
    with handler.lock:  # type: ignore[union-attr]
        handler.stream.write("".join(lines))
        handler.stream.flush()
