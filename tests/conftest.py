"""Suite-wide reporting: whether the PostgreSQL half ran, in the header, and at the end one
line per group of skipped tests (instead of one `SKIPPED` line per test, as `-ra` gives)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest

from decisionlog.infrastructure.config import redact
from tests.backends import POSTGRES_URL_VARIABLE, postgres_url
from tests.browser.conftest import SKIP_REASON as BROWSER_SKIP_REASON
from tests.browser.conftest import browser_available

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter


def pytest_report_header(config: pytest.Config) -> str:
    url = postgres_url()
    if url is None:
        return (f"backends: SQLite only; the PostgreSQL half is SKIPPED "
                f"({POSTGRES_URL_VARIABLE} is not set)")
    return f"backends: SQLite and PostgreSQL at {redact(url)}"


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    reasons = Counter(skip_reason(report)
                      for report in terminalreporter.stats.get("skipped", []))
    postgres_skips = sum(n for reason, n in reasons.items() if POSTGRES_URL_VARIABLE in reason)
    if postgres_url() is None:
        terminalreporter.write_sep(
            "=", f"PostgreSQL half SKIPPED: {postgres_skips} tests need "
                 f"{POSTGRES_URL_VARIABLE}", yellow=True, bold=True)
    else:
        ran = sum(1 for key in ("passed", "failed", "error")
                  for report in terminalreporter.stats.get(key, [])
                  if getattr(report, "when", "call") == "call" and _on_postgres(report.nodeid))
        terminalreporter.write_sep(
            "=", f"PostgreSQL half ran: {ran} tests on PostgreSQL", green=True)
    if not browser_available() and BROWSER_SKIP_REASON not in reasons:
        reasons[BROWSER_SKIP_REASON] = 0  # none collected here: say it all the same
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        if POSTGRES_URL_VARIABLE not in reason:
            terminalreporter.write_sep("=", f"SKIPPED {count}: {reason}", yellow=True,
                                       bold=True)


def skip_reason(report: pytest.TestReport) -> str:
    """Why a test was skipped, without pytest's "Skipped: " prefix."""
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")


def _on_postgres(nodeid: str) -> bool:
    return "postgres" in nodeid or "/scaleout/" in nodeid
