"""The pages in headless Chromium: a facilitator on the demo trajectory's board, from
signing in to signing out (the issue's browser test). Screenshots of each step go to
`screenshots/` for people to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from decisionlog.application import DecisionLog
from decisionlog.demo import seed_demo
from decisionlog.infrastructure.config import parse_database_url
from tests.browser.conftest import browser_available
from tests.e2e.client import Server

if browser_available():
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser.person import Person


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory: Path = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{directory}/decisionlog.db"
    log = DecisionLog(env=parse_database_url(url).env)
    try:
        demo_id = seed_demo(log)
    finally:
        log.close()
    server = Server(url, log_path=directory / "server.log")
    try:
        server.facilitator_token = server.create_token("facilitator", name="demo-facilitator")
        server.demo_id = demo_id  # type: ignore[attr-defined]
        server.start()
        yield server
    finally:
        server.close()


def test_a_facilitator_works_on_the_demo_board(browser: Any, demo_server: Server) -> None:
    person = Person(browser, demo_server.url)
    demo_id = demo_server.demo_id  # type: ignore[attr-defined]

    # Sign in with the demo token: the front door sends a new visitor to the sign-in page
    person.open("/")
    assert person.path.startswith("/sign-in")
    person.shot("01-sign-in")
    person.type("Token", demo_server.facilitator_token or "")
    person.press("Sign in")
    assert person.path == "/trajectories"
    assert "Signed in as demo-facilitator" in person.text

    # The demo trajectory's board: its phases, the matrix of the current one with its
    # gap, the decisions out of mandate with why, the adviser skipped, who to tell
    person.follow("Leadership programme after the merger")
    assert person.path == f"/trajectories/{demo_id}"
    assert "phase: Line takes over" in browser.find_element(By.CSS_SELECTOR, "p.sub").text
    phases = person.section("phases")
    assert "The current phase: Line takes over" in phases
    assert [row.text.split("\n")[0] for row in browser.find_elements(
        By.CSS_SELECTOR, "table.phases tbody th")] == [
        "1. Intake Start it…", "2. Design Start it…", "3. Line takes over current"]
    matrix = person.section("who-decides-what")
    assert "In Line takes over, the phase current now" in matrix
    assert "Unity and difference" in matrix and "Ines de Vries" in matrix
    assert "every line manager (Marco Peters)" in matrix
    gap = browser.find_element(By.CSS_SELECTOR, "table.matrix tr.gap")
    assert gap.text.startswith("Budget") and "gap: nobody decides" in gap.text
    out = person.section("out-of-mandate")
    assert "Tom does the front end only, for now" in out
    assert "Sara Jansen (programme manager) DECIDES on Programme design only in Design, " \
           "and it was taken in Line takes over." in out
    assert "Not heard: Tom Visser, every HR lead" in person.section("consultation-gaps")
    assert "To tell: Ines de Vries" in person.section("to-inform")
    marks = browser.find_elements(By.CSS_SELECTOR, "svg.timeline-svg a.mark")
    assert len(marks) == 14  # every decision of the demo (fewer than the 40 drawn at most)
    bands = browser.find_elements(By.CSS_SELECTOR, "svg.timeline-svg g.phase-band")
    assert [b.find_element(By.TAG_NAME, "title").get_attribute("textContent").split(":")[0]
            for b in bands] == ["Phase 1, Intake", "Phase 2, Design",
                                "Phase 3, Line takes over"]
    person.shot("02-board")

    # Who decided what in the design phase: chosen on the board, kept in the address
    person.pick("Who decides in the phase", "Design")
    person.press("Show this phase")
    assert "phase=" in person.path and person.path.endswith("#who-decides-what")
    matrix = person.section("who-decides-what")
    assert "In Design: for each decision domain" in matrix
    assert "every programme manager (Sara Jansen)" in matrix
    person.shot("02-board-design-phase")
    person.open(f"/trajectories/{demo_id}")
    events_before = int(browser.find_element(By.ID, "version").get_attribute("max"))

    # Record a decision through the form; first forget who decided it
    person.follow("Record a decision")
    person.pick("Domain", "Budget")
    person.type("Title", "Budget decisions go to the client sponsor")
    person.type("What was decided", "Spending above the frame is decided by Ines.")
    person.type("Options considered", "The HR lead decides\nThe client sponsor decides")
    person.press("Record the decision")
    assert "Decided by must name at least one member." in person.error_beside("decided_by")
    assert person.field("Title").get_attribute("value") == \
        "Budget decisions go to the client sponsor"
    assert person.field("Options considered").get_attribute("value") == \
        "The HR lead decides\nThe client sponsor decides"
    assert browser.switch_to.active_element.get_attribute("id") == "problems"
    person.shot("03-form-error-beside-its-field")
    person.tick("Decided by", "Ines de Vries")
    person.tick("Consulted", "Henk Bakker")
    person.press("Record the decision")
    assert person.path.startswith(f"/trajectories/{demo_id}/decisions/")
    assert "Recorded: Budget decisions go to the client sponsor" in person.text
    assert "outside mandate" in person.text  # nobody decides on Budget
    assert "no right on the domain Ines de Vries (client sponsor) holds no DECIDES right " \
           "on Budget." in person.text
    assert "Phase\nLine takes over" in person.text
    person.shot("04-decision-page")

    # It is on the timeline
    person.follow("Leadership programme after the merger")
    titles = [m.find_element(By.TAG_NAME, "title").get_attribute("textContent")
              for m in browser.find_elements(By.CSS_SELECTOR, "svg.timeline-svg a.mark")]
    assert any(t.startswith("Budget decisions go to the client sponsor") and
               t.endswith(", in Line takes over") for t in titles)
    assert len(titles) == 15

    # Move the time-travel control back one event: the board as it was before
    slider = browser.find_element(By.ID, "version")
    old_page = browser.find_element(By.TAG_NAME, "html")
    slider.send_keys(Keys.ARROW_LEFT)
    WebDriverWait(browser, 20).until(expected_conditions.staleness_of(old_page))
    assert person.path == f"/trajectories/{demo_id}?version={events_before}"
    assert "You are looking at the past" in person.text
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.timeline-svg a.mark")) == 14
    assert "Budget decisions go to the client sponsor" not in person.text
    assert not browser.find_elements(By.CSS_SELECTOR, "section.actions")
    person.shot("05-time-travel")
    person.follow("Back to now")

    # A decision that skipped its advisers: who was not heard, and who is to be told;
    # the facilitator marks the client sponsor as told
    person.follow("The design team meets every two weeks")
    assert "Not heard\nTom Visser, every HR lead" in person.text
    assert "Still to tell: Ines de Vries" in person.text
    person.shot("06-decision-not-everyone-heard")
    person.follow("Mark as told…")
    assert [b.get_attribute("value") for b in browser.find_elements(
        By.CSS_SELECTOR, "input[name=member_ids]")] != []
    person.tick("Told", "Ines de Vries")
    person.press("Mark as told")
    assert "Marked as told of: The design team meets every two weeks" in person.text
    assert "Ines de Vries, told on" in person.text and "Still to tell" not in person.text
    person.follow("Leadership programme after the merger")
    assert "The design team meets every two weeks" not in person.section("to-inform")

    # Sign out: the pages ask for a token again
    person.press("Sign out")
    assert person.path == "/sign-in" and "You are signed out." in person.text
    person.open(f"/trajectories/{demo_id}")
    assert person.path.startswith("/sign-in")
    assert person.console_errors() == []
