"""GraphiQL in a real browser, as a newcomer meets it: `decisionlog serve --demo` (what
`make serve` runs), then the link it printed. Chromium here has no network, so the page
works only if everything it needs comes from the service itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.e2e.demo import DemoServer

EDITOR_TEXT = """
const editor = document.querySelector(arguments[0] + ' .CodeMirror');
return editor && editor.CodeMirror ? editor.CodeMirror.getValue() : null;
"""


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoServer]:
    running = DemoServer(tmp_path)
    try:
        yield running
    finally:
        running.stop()


def wait_for(driver: Any, condition: Any, what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    screenshot(driver, "graphiql-timeout")
    raise AssertionError(f"waited {timeout} s for {what}")


def problems_in_console(driver: Any) -> list[str]:
    """Errors the page logged: failed loads, Content-Security-Policy violations, scripts."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def test_the_printed_link_opens_graphiql_on_the_project_and_runs_its_query(
        browser: Any, demo: DemoServer) -> None:
    from selenium.webdriver.common.by import By

    browser.get(demo.link)
    query = wait_for(browser, lambda: browser.execute_script(EDITOR_TEXT,
                                                             ".graphiql-query-editor"),
                     "the query editor")
    assert "query WhoDecidesWhat" in query and "whoDecidesWhat" in query
    assert "#token" not in browser.current_url  # out of the address bar at once
    browser.find_element(By.XPATH, "//button[normalize-space()='Headers']").click()
    headers = wait_for(browser, lambda: browser.execute_script(
        EDITOR_TEXT, ".graphiql-editor-tool .graphiql-editor:not(.hidden)"),
        "the headers editor")
    assert f'"Authorization": "Bearer {demo.token}"' in headers

    browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    result = wait_for(browser, lambda: (browser.execute_script(
        EDITOR_TEXT, ".result-window") or "").strip(), "the query's result")
    assert "Leadership programme after the merger" in result, result
    assert "Unity and difference" in result and '"errors"' not in result
    screenshot(browser, "graphiql-demo")

    # The schema loaded with the token: the docs explorer shows the query type.
    assert not browser.find_element(By.ID, "token-notice").is_displayed()
    browser.find_element(By.CSS_SELECTOR,
                         "[aria-label='Show Documentation Explorer']").click()
    docs = wait_for(browser, lambda: browser.find_elements(
        By.XPATH, "//*[contains(@class, 'graphiql-doc-explorer')]//a[text()='Query']"),
        "the docs explorer's root types")
    assert docs
    entries = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert entries and all(e.startswith(demo.origin + "/") or e.startswith("data:")
                           for e in entries), entries
    assert problems_in_console(browser) == []


def test_without_a_token_the_page_says_how_to_get_one(browser: Any, demo: DemoServer) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{demo.origin}/graphql")
    notice = browser.find_element(By.ID, "token-notice")
    wait_for(browser, notice.is_displayed, "the token notice")
    text = notice.text
    assert "GraphiQL needs a token" in text and "#token=" in text
    assert "token create --role reader --name YOUR-NAME" in text
    wait_for(browser, lambda: browser.execute_script(EDITOR_TEXT, ".graphiql-query-editor"),
             "the query editor")
    screenshot(browser, "graphiql-no-token")

    # Pasting the token into the notice signs the page in.
    browser.find_element(By.ID, "token-input").send_keys(demo.token)
    browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
    wait_for(browser, lambda: not browser.find_element(By.ID, "token-notice").is_displayed(),
             "the notice to go")
    wait_for(browser, lambda: browser.execute_script(EDITOR_TEXT, ".graphiql-query-editor"),
             "the query editor after the reload")
    browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    result = wait_for(browser, lambda: (browser.execute_script(
        EDITOR_TEXT, ".result-window") or "").strip(), "the query's result")
    assert "Leadership programme after the merger" in result
