"""Someone at a browser: finds fields by the labels a person reads, clicks what a person
clicks, and says what the page shows. Used by the browser tests of the pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.conftest import screenshot


def _literal(text: str) -> str:
    """`text` as an XPath string literal."""
    if "'" not in text:
        return f"'{text}'"
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


def _gone(element: WebElement) -> bool:
    """Whether the element's page was left. Chromium asked about a node of a page being
    replaced answers either "stale element" or, mid-navigation, "Node with given id does
    not belong to the document" (a plain WebDriverException, which Selenium's
    `staleness_of` does not expect: the cause of a rare failure under load)."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise
    return False


class Person:
    """A visitor of the pages in a real browser."""

    def __init__(self, driver: Any, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url.rstrip("/")

    # Moving around

    def open(self, path_or_url: str) -> None:
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        self.driver.get(url)

    def follow(self, text: str) -> None:
        """Click the link with this text (the first one)."""
        self._wait_for_new_page(lambda: self.driver.find_element(
            By.XPATH, f"//a[normalize-space()={_literal(text)}]").click())

    def press(self, text: str) -> None:
        """Press the button with this text and wait for the next page."""
        button = self.driver.find_element(
            By.XPATH, f"//button[normalize-space()={_literal(text)}]")
        self._wait_for_new_page(button.click)

    def click(self, element: WebElement) -> None:
        """Click a link or button found otherwise, and wait for the next page."""
        self._wait_for_new_page(element.click)

    def send(self, label: str) -> None:
        """Send the form the field labelled `label` is in (as pressing Enter in it)."""
        self._wait_for_new_page(self.field(label).submit)

    def _wait_for_new_page(self, action: Any) -> None:
        old = self.driver.find_element(By.TAG_NAME, "html")
        action()
        WebDriverWait(self.driver, 20).until(lambda _: _gone(old))
        WebDriverWait(self.driver, 20).until(
            lambda d: d.execute_script("return document.readyState") == "complete")

    # Filling in forms, by what the labels say

    def field(self, label: str) -> WebElement:
        """The input, select or textarea whose label starts with `label`."""
        found = self.driver.find_element(
            By.XPATH, f"//label[starts-with(normalize-space(), {_literal(label)})]")
        return self.driver.find_element(By.ID, found.get_attribute("for"))

    def type(self, label: str, text: str) -> None:
        element = self.field(label)
        element.clear()
        element.send_keys(text)

    def pick(self, label: str, option: str) -> None:
        """Choose the option of a select that starts with `option`."""
        select = Select(self.field(label))
        for candidate in select.options:
            if candidate.text.strip().startswith(option):
                select.select_by_visible_text(candidate.text)
                return
        raise AssertionError(f"{label}: no option {option!r}")

    def tick(self, legend: str, *labels: str) -> None:
        """Tick the boxes (or the radio button) labelled `labels` in the group `legend`."""
        group = self.driver.find_element(
            By.XPATH, f"//fieldset[legend[starts-with(normalize-space(), {_literal(legend)})]]")
        for text in labels:
            label = group.find_element(
                By.XPATH, f".//label[starts-with(normalize-space(), {_literal(text)})]")
            box = self.driver.find_element(By.ID, label.get_attribute("for"))
            if not box.is_selected():
                label.click()

    def set_moment(self, label: str, value: str) -> None:
        """A date-time field, as a date picker would set it (`2025-03-04T10:00`)."""
        self.driver.execute_script(
            "arguments[0].value = arguments[1]; "
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            self.field(label), value)

    # What the page shows

    @property
    def text(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "body").text)

    @property
    def path(self) -> str:
        url = str(self.driver.current_url)
        return url.removeprefix(self.base_url)

    def section(self, element_id: str) -> str:
        return str(self.driver.find_element(By.ID, element_id).text)

    def error_beside(self, field_name: str) -> str:
        return str(self.driver.find_element(By.ID, f"f-{field_name}-error").text)

    def shot(self, name: str) -> Path:
        """A screenshot of the whole page (the window grown to its height)."""
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(1400, min(max(int(height) + 40, 900), 6000))
        path = screenshot(self.driver, name)
        self.driver.set_window_size(1400, 1000)
        return path

    def console_errors(self) -> list[str]:
        """What the browser's console complained about: script errors and refusals by
        the Content-Security-Policy (not the 4xx answers the pages give on purpose)."""
        return [entry["message"] for entry in self.driver.get_log("browser")
                if entry["level"] == "SEVERE" and entry.get("source") != "network"]
