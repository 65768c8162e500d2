"""Suite-wide reporting: whether the PostgreSQL half ran, in the header and the summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from decisionlog.infrastructure.config import redact
from tests.backends import POSTGRES_URL_VARIABLE, postgres_url
from tests.browser.conftest import SKIP_REASON as BROWSER_SKIP_REASON
from tests.browser.conftest import browser_available

if TYPE_CHECKING:
    import pytest
    from _pytest.terminal import TerminalReporter


def pytest_report_header(config: pytest.Config) -> str:
    url = postgres_url()
    if url is None:
        return (f"backends: SQLite only; the PostgreSQL half is SKIPPED "
                f"({POSTGRES_URL_VARIABLE} is not set)")
    return f"backends: SQLite and PostgreSQL at {redact(url)}"


def pytest_terminal_summary(terminalreporter: TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    skipped = [report for report in terminalreporter.stats.get("skipped", [])
               if POSTGRES_URL_VARIABLE in str(getattr(report, "longrepr", ""))]
    ran = sum(1 for key in ("passed", "failed", "error")
              for report in terminalreporter.stats.get(key, [])
              if getattr(report, "when", "call") == "call" and _on_postgres(report.nodeid))
    if postgres_url() is None:
        terminalreporter.write_sep(
            "=", f"PostgreSQL half SKIPPED: {len(skipped)} tests need "
                 f"{POSTGRES_URL_VARIABLE}", yellow=True, bold=True)
    else:
        terminalreporter.write_sep(
            "=", f"PostgreSQL half ran: {ran} tests on PostgreSQL", green=True)
    browser_skips = [report for report in terminalreporter.stats.get("skipped", [])
                     if "browser tests:" in str(getattr(report, "longrepr", ""))]
    if browser_skips or not browser_available():
        terminalreporter.write_sep(
            "=", f"Browser tests SKIPPED ({len(browser_skips)}): {BROWSER_SKIP_REASON}",
            yellow=True, bold=True)


def _on_postgres(nodeid: str) -> bool:
    return "postgres" in nodeid or "/scaleout/" in nodeid
