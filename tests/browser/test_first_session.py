"""The issue's "done when", in a browser: a facilitator who has never seen GraphQL starts
the service as `make serve` does, follows the printed link, signs in with the printed
token and records the seed's situations through the forms alone (a merger deciding "the
difference that makes the difference", a new facilitator who wants only the front end,
a Gideon's band), moving the team through the phases of its design process and
marking the client sponsor as told; then an auditor signs in, travels back in time,
verifies the record and downloads the register. Screenshots of every step go to
`screenshots/`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import browser_available
from tests.e2e.client import free_port

if browser_available():
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser.person import Person

TRAJECTORY = "Leadership after the merger: one organisation, two practices"


@dataclass
class Served:
    """`decisionlog serve --demo`, and what it printed."""

    database: str
    link: str  # the printed link to the pages, signed in
    output: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    database = f"sqlite:///{tmp_path}/decisionlog.db"
    port = free_port()
    log = open(tmp_path / "serve.log", "w+b")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "decisionlog.cli", "serve", "--demo", "--port", str(port),
         "--database", database, "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        output = (tmp_path / "serve.log").read_text()
        link = re.search(r"The pages, signed in as the demo facilitator:\n\s+(\S+)", output)
        assert link, output
        yield Served(database, link[1], output)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def _auditor_token(database: str) -> str:
    made = subprocess.run(
        [sys.executable, "-m", "decisionlog.cli", "token", "create", "--role", "auditor",
         "--name", "audrey", "--database", database],
        capture_output=True, text=True, check=True)
    return made.stdout.strip()


def test_a_first_session_through_the_pages(browser: Any, served: Served,
                                           tmp_path: Path) -> None:
    person = Person(browser, served.link.split("/sign-in")[0])

    # Follow the printed link: it signs in (the token stays in the address' fragment)
    person.open(served.link)
    WebDriverWait(browser, 20).until(lambda d: "/trajectories" in d.current_url)
    assert "Signed in as demo-facilitator" in person.text
    assert "token=" not in browser.current_url

    # Start the trajectory and its design team
    person.follow("Start a trajectory")
    person.type("Name", TRAJECTORY)
    person.type("Client organisation", "Woonstede, merged housing corporation")
    person.type("Description", "Two corporations merged. The client asks for unity; the "
                "team must decide how much difference to keep.")
    person.press("Start it")
    board_path = person.path.split("#")[0]
    team = (("Marieke Smit", "client sponsor", "client organisation", "core team"),
            ("Joost de Boer", "HR lead", "client organisation", "core team"),
            ("Fatima Yilmaz", "senior adviser, former Woonstad", "client organisation",
             "specialist"),
            ("Eva Peters", "programme manager", "provider", "core team"),
            ("Daan Mulder", "learning facilitator", "provider", "core team"))
    for name, role, side, membership in team:
        person.follow("Add a member")
        person.type("Name", name)
        person.type("Role", role)
        person.tick("Side", side)
        person.tick("Membership", membership)
        person.press("Add to the team")
        assert f"Added to the team: {name}" in person.text
    person.shot("10-team")

    # Domains: "about what" decisions are taken
    domains = (("Unity and difference", "What the merged organisation shares, and which "
                "differences it keeps: the difference that makes the difference."),
               ("Programme design", "Modules, rhythm and working forms."),
               ("Programme management", "Planning, contracts and steering: the 'back end'."),
               ("Process design", "Who decides when about what, in this team."))
    for name, description in domains:
        person.follow("Define a domain")
        person.type("Name", name)
        person.type("Description", description)
        person.press("Define the domain")
    # Phases: the process design of the design process, who decides *when*
    for name, description in (("Intake", "Getting to know the system: how it really "
                               "works here."),
                              ("Design", "The team designs the programme, by doing as "
                               "much as on paper.")):
        person.follow("Define a phase")
        person.type("Name", name)
        person.type("Description", description)
        person.press("Define the phase")
        assert f"Phase defined: {name}" in person.text
    assert "No phase had started yet" in person.section("phases")

    # Rights: who decides, who advises, who is informed, in which phases
    # (Marieke's right held since the merger, before anyone wrote it down)
    rights = (("Unity and difference", "decides", "Marieke Smit", "", (), "",
               "2025-03-01T09:00"),
              ("Unity and difference", "advises", "", "HR lead", (), "", ""),
              ("Unity and difference", "advises", "Fatima Yilmaz", "", (), "", ""),
              ("Programme design", "decides", "", "programme manager", ("Design",), "", ""),
              ("Programme design", "advises", "Daan Mulder", "", (), "", ""),
              ("Programme design", "informed", "", "client sponsor", (), "", ""),
              ("Programme management", "decides", "Eva Peters", "", (), "", ""),
              ("Programme management", "informed", "Daan Mulder", "", (), "above 10k euro",
               ""))
    for domain, right, member, role, phases, condition, since in rights:
        person.follow("Grant a right")
        person.pick("Domain", domain)
        person.tick("Right", right)
        if member:
            person.pick("To a member", member)
        else:
            person.type("Or to a role", role)
        if phases:
            person.tick("In phases", *phases)
        person.type("Condition", condition)
        if since:
            person.set_moment("In force from", since)
        person.press("Grant the right")
        assert "Right granted." in person.text
    # No phase has started: only the rights for every phase hold, so nobody decides on
    # the programme's design yet; in the design phase the programme manager will
    matrix = person.section("who-decides-what")
    assert "Before any phase started, only the rights for every phase hold" in matrix
    assert "when: above 10k euro" in matrix
    gaps = [row.text.split("\n")[0] for row in browser.find_elements(
        By.CSS_SELECTOR, "table.matrix tr.gap th")]
    assert gaps == ["Programme design", "Process design"]
    person.shot("11-matrix-with-a-gap")
    person.pick("Who decides in the phase", "Design")
    person.press("Show this phase")
    matrix = person.section("who-decides-what")
    assert "In Design: for each decision domain" in matrix
    assert "every programme manager (Eva Peters)" in matrix and "only in Design" in matrix
    gap = browser.find_element(By.CSS_SELECTOR, "table.matrix tr.gap")
    assert gap.text.startswith("Process design")
    person.shot("11-matrix-in-the-design-phase")

    # The intake starts
    person.open(board_path)
    person.follow("Start a phase")
    person.pick("Phase", "Intake")
    person.press("Start the phase")
    assert "Phase started: Intake" in person.text
    assert "The current phase: Intake" in person.section("phases")

    # The merger: an explicit frame on unity and difference
    person.follow("Record a decision")
    person.pick("Domain", "Unity and difference")
    person.type("Title", "Unity in the frame, difference in the practice")
    person.type("What was decided", "One leadership language for the whole organisation; "
                "each former corporation keeps its own way of advising tenants.")
    person.type("Why", "A unity that is too thick does no justice to the differences. The "
                "way of advising is the difference that makes the difference.")
    person.type("Options considered", "One way of working everywhere\nKeep both practices "
                "apart\nA shared frame, local practice")
    person.tick("Decided by", "Marieke Smit")
    person.tick("Consulted", "Joost de Boer", "Fatima Yilmaz", "Eva Peters")
    person.tick("Scale", "large")
    person.tick("Kind", "frame")
    person.set_moment("Decided on", "2025-03-04T10:00")
    person.press("Record the decision")
    assert "Recorded: Unity in the frame" in person.text
    assert "within mandate" in person.text
    person.shot("12-frame-decision")

    # The new facilitator who wants only the front end: recorded as said, out of mandate
    person.open(board_path)
    person.follow("Record a decision")
    person.pick("Domain", "Process design")
    person.type("Title", "Daan does the front end only")
    person.type("What was decided", "\"Let me do the front end\": Daan facilitates the "
                "sessions; programme management stays with Eva.")
    person.tick("Decided by", "Daan Mulder")
    person.press("Record the decision")
    assert "outside mandate" in person.text
    assert "none of its deciders held a right to decide on Process design" in person.text
    assert "Daan Mulder (learning facilitator) holds no DECIDES right on Process " \
           "design." in person.text
    assert "in Intake" in person.text
    person.shot("13-decision-out-of-mandate")
    person.open(board_path)
    out = person.section("out-of-mandate")
    assert "1 decision was taken" in out and "Daan does the front end only" in out
    person.shot("13-board-out-of-mandate")
    # ... the team gives Process design an owner, and Eva revises it
    person.follow("Grant a right")
    person.pick("Domain", "Process design")
    person.tick("Right", "decides")
    person.pick("To a member", "Eva Peters")
    person.press("Grant the right")
    person.follow("Daan does the front end only")
    person.follow("Record a decision that supersedes it…")
    person.type("Title", "Programme and learning management go hand in hand")
    person.type("What was decided", "No split between front end and back end: Daan joins "
                "the steering of the programme as well as the sessions.")
    person.type("Why", "We keep redesigning as we go; thinking and doing cannot be split.")
    person.tick("Decided by", "Eva Peters")
    person.tick("Consulted", "Daan Mulder")
    person.press("Record the decision")
    assert "It supersedes: Daan does the front end only." in person.text

    # The design phase starts (from the board's phase table)
    person.open(board_path)
    person.follow("Start it…")
    assert person.field("Phase").get_attribute("value") != ""
    person.press("Start the phase")
    assert "Phase started: Design" in person.text

    # A Gideon's band builds module one by doing
    person.follow("Record a decision")
    person.pick("Domain", "Programme design")
    person.type("Title", "A Gideon's band builds module one")
    person.type("What was decided", "A small group from both former corporations builds "
                "the first module by doing it, not on paper.")
    person.type("Options considered", "The core team designs on paper\nA Gideon's band "
                "builds by doing")
    person.tick("Decided by", "Eva Peters")
    person.tick("Consulted", "Daan Mulder", "Fatima Yilmaz")
    person.tick("Scale", "large")
    person.press("Record the decision")
    assert "within mandate" in person.text
    assert "Still to tell: Marieke Smit" in person.text
    # ... and the client sponsor is told of it
    person.follow("Mark as told…")
    person.tick("Told", "Marieke Smit")
    person.press("Mark as told")
    assert "Marked as told of: A Gideon's band builds module one" in person.text
    assert "Marieke Smit, told on" in person.text and "Still to tell" not in person.text
    person.shot("14-decision-told")

    # Something nobody decided: surfaced, then ratified
    person.open(board_path)
    person.follow("Surface an implicit decision")
    person.pick("Domain", "Programme design")
    person.type("Title", "Sessions are held at the former Woonstad office")
    person.type("What has been happening", "Since the second session every meeting has "
                "been at the same office; nobody chose it.")
    person.pick("Surfaced by", "Fatima Yilmaz")
    person.set_moment("Probably since", "2025-03-20T09:00")
    person.type("Evidence", "The invitations of sessions two to five.")
    person.press("Surface it")
    person.open(board_path)
    assert "Sessions are held at the former Woonstad" in person.section("open-implicit")
    person.follow("Ratify…")
    person.tick("Ratified by", "Eva Peters")
    person.type("Why", "It works; we alternate from module two.")
    person.press("Ratify")
    person.open(board_path)
    assert "None awaiting ratification." in person.section("open-implicit")
    # ... ratified without hearing Daan, who advises on the programme's design
    heard = person.section("consultation-gaps")
    assert "Sessions are held at the former Woonstad office" in heard
    assert "Not heard: Daan Mulder" in heard
    assert "Sessions are held at the former Woonstad office" in person.section("to-inform")
    assert "A Gideon's band" not in person.section("to-inform")
    person.shot("14-board-after-the-session")
    person.press("Sign out")

    # An auditor signs in with an auditor token
    person.type("Token", _auditor_token(served.database))
    person.press("Sign in")
    assert "Signed in as audrey" in person.text and "auditor" in person.text
    person.follow(TRAJECTORY)
    assert not browser.find_elements(By.CSS_SELECTOR, "section.actions")
    # ... travels back to the moment the front-end decision was recorded
    person.follow("History")
    row = browser.find_element(
        By.XPATH, "//tr[td[contains(., 'Daan does the front end only')]]")
    person.click(row.find_element(By.LINK_TEXT, "Board after it"))
    assert "You are looking at the past" in person.text
    assert "phase then: Intake" in person.text
    assert "Daan does the front end only" in person.section("out-of-mandate")
    assert "Programme and learning management" not in person.text
    person.shot("15-auditor-time-travel")
    # ... asks what was in force on 10 March 2025 (the frame was backdated to 4 March)
    person.follow("Back to now")
    person.set_moment("What was in force on", "2025-03-10T12:00")
    person.send("What was in force on")
    assert "1 decision held" in person.section("in-force")
    assert "Unity in the frame" in person.section("in-force")
    assert "Before any phase started" in person.section("who-decides-what")
    # ... verifies the record
    person.follow("Audit")
    person.press("Verify now")
    assert "Intact. All 30 events check out." in person.text
    person.shot("16-auditor-verify")
    # ... and downloads the register
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(downloads)})
    person.driver.find_element(By.LINK_TEXT, "The decision register").click()
    deadline = time.monotonic() + 20
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = [f for f in downloads.iterdir() if f.suffix == ".md"]
        if files:
            break
        time.sleep(0.2)
    assert files, "the register was not downloaded"
    register = files[0].read_text()
    for title in ("Unity in the frame, difference in the practice",
                  "Daan does the front end only", "A Gideon's band builds module one",
                  "Programme and learning management go hand in hand"):
        assert title in register, title
    assert person.console_errors() == []
