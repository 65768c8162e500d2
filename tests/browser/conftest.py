"""Browser tests: headless Chromium driven by Selenium through Debian's chromedriver.

`.ci/run` installs `chromium` and `chromium-driver`; where they are missing, these tests
are skipped and the suite's summary says so in one line. Selenium is pointed at
/usr/bin/chromedriver, because its own driver manager would try to download one.
Screenshots go to `screenshots/` at the top of the checkout (gitignored), for people to
look at.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DECISIONLOG_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DECISIONLOG_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
SKIP_REASON = (f"browser tests: Chromium and chromedriver are not installed ({CHROMIUM}, "
               f"{CHROMEDRIVER}; Debian packages chromium and chromium-driver)")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

# Flags for a closed network: without the background-networking ones, Chromium keeps
# trying to reach Google's services.
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1400,1000",
)


def browser_available() -> bool:
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


@pytest.fixture
def browser() -> Iterator[object]:
    """A fresh headless Chromium (a new empty profile) for one test."""
    if not browser_available():
        pytest.skip(SKIP_REASON)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="decisionlog-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: object, name: str) -> Path:
    """Save what the browser shows as `screenshots/NAME.png`; returns the path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path
