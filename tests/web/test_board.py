"""The pages for reading: the list, the board and its time travel, a decision, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.client import Server
from tests.e2e.helpers import add_member
from tests.web.conftest import MakeVisitor
from tests.web.pages_client import Page

DEMO = "Leadership programme after the merger"


def _section(page: Page, key: str) -> str:
    element = page.document.by_id(key)
    assert element is not None, key
    return " ".join(element.text.split())


def test_the_list_searches_filters_and_pages(server: Server, visitor: MakeVisitor) -> None:
    api = server.client(server.facilitator_token)
    for n in range(22):
        api.mutate("startTrajectory", {"name": f"Listed programme {n:02}",
                                       "client": "Paging Ltd"})
    someone = visitor("reader")
    first = someone.get("/trajectories", search="listed")
    assert "22 trajectories found." in first.text
    assert len(first.document.find("tbody")[0].text.split("Listed programme")) - 1 == 20
    following = someone.get(first.document.find("a", rel="next")[0].attrs["href"])
    assert following.text.count("Listed programme") == 2
    assert not following.document.find("a", rel="next")
    assert "Listed programme 00" not in following.text
    assert DEMO not in first.text
    assert DEMO in someone.get("/trajectories", search="merger").text
    closed = someone.get("/trajectories", status="closed")
    assert "0 trajectories found." in closed.text and "No trajectory matches." in closed.text
    assert DEMO in someone.get("/trajectories", status="active").text


def test_the_board_shows_team_matrix_gap_and_out_of_mandate(
        visitor: MakeVisitor, demo_id: str) -> None:
    board = visitor("reader").get(f"/trajectories/{demo_id}")
    assert board.status == 200 and board.document.text_of("h1") == [DEMO]
    assert "phase: Line takes over" in board.document.text_of("p", class_="sub")[0]
    team = _section(board, "team")
    assert "Ines de Vries client sponsor core team" in team
    assert "Tom Visser learning facilitator specialist" in team
    # the phases in order, the current one marked, with the gaps of each
    phases = _section(board, "phases")
    assert "The current phase: Line takes over, since" in phases
    rows = [" ".join(r.text.split()) for r in board.document.find("tr")
            if r.text.strip().startswith(("1.", "2.", "3."))]
    assert [r.split(" ")[1] for r in rows] == ["Intake", "Design", "Line"]
    assert "Line takes over current The client's line managers lead" in rows[2]
    assert "current" not in rows[0] + rows[1]
    assert rows[0].endswith("Programme design Budget")  # nobody decides it in the intake
    assert rows[1].endswith("Budget") and rows[2].endswith("Budget")
    # the matrix is a real table with headers for its columns and rows, of the phase
    # current now: the line managers have taken over
    table = board.document.find("table", class_="matrix")[0]
    assert table is not None
    headers = board.document.text_of("th", scope="col")
    assert headers[headers.index("Domain"):][:4] == ["Domain", "Decides", "Advises", "Informed"]
    rows = board.document.text_of("th", scope="row")
    assert any(r.startswith("Unity and difference") for r in rows)
    gap_rows = board.document.find("tr", class_="gap")
    assert len(gap_rows) == 1 and gap_rows[0].text.split()[0] == "Budget"
    assert "gap: nobody decides" in gap_rows[0].text
    matrix = _section(board, "who-decides-what")
    assert "In Line takes over, the phase current now:" in matrix
    assert "Programme design Modules, rhythm and working forms of the programme. every line " \
           "manager (Marco Peters) only in Line takes over Tom Visser" in matrix
    assert "Process design" in matrix and "every client sponsor (Ines de Vries)" in matrix
    assert "every programme manager" not in matrix  # Sara decides only in the design phase
    assert "1 domain without anyone to decide in this phase." in matrix
    chooser = board.document.find("select", id="phase")[0]
    assert chooser is not None
    assert board.document.text_of("option")[:4] == [
        "current now (Line takes over)", "Intake", "Design", "Line takes over"]
    # out of mandate, each with the phase it was taken in and why
    out = _section(board, "out-of-mandate")
    assert "2 decisions were taken by people who held no right to decide on that domain " \
           "at the time, in the phase current then." in out
    assert "Module three on leading across sites Programme design · decided" in out
    assert "in Line takes over a right only in other phases Sara Jansen (programme " \
           "manager) DECIDES on Programme design only in Design, and it was taken in " \
           "Line takes over." in out
    assert "Tom does the front end only, for now" in out
    assert "in Intake no right on the domain Tom Visser (learning facilitator) holds no " \
           "DECIDES right on Process design." in out
    # who had to be heard and was not; who is still to be told
    heard = _section(board, "consultation-gaps")
    assert "1 decision was taken without hearing someone who held a right to advise" in heard
    assert "The design team meets every two weeks Process design · decided" in heard
    assert "by Sara Jansen · in Design Not heard: Tom Visser, every HR lead" in heard
    told = _section(board, "to-inform")
    assert "2 decisions in force have people who hold a right to be informed" in told
    assert "The design team meets every two weeks" in told and "To tell: Ines de Vries" in told
    assert "Line managers run the intervision groups" not in told  # she was told of it
    assert "Mark as told" not in told  # a reader changes nothing
    implicit = _section(board, "open-implicit")
    assert "Organisation B's intake form became the standard" in implicit


def test_the_timeline_draws_every_decision_with_its_marks(
        visitor: MakeVisitor, demo_id: str) -> None:
    board = visitor("reader").get(f"/trajectories/{demo_id}")
    marks = board.document.find("a", class_="mark")
    titles = {m.text.strip().split(" — ")[0]: m.attrs["class"].split() for m in marks}
    assert titles["Unity in the frame, difference in the practice"][:1] == ["mark"]
    assert "frame" in titles["Unity in the frame, difference in the practice"]
    assert "greyed" in titles["Unity in the frame, difference in the practice"]  # redesigned
    assert "greyed" in titles["Start with a Gideon's band"]
    assert "implicit" in titles["The works council is no longer invited"]
    assert "status-proposed_implicit" in titles[
        "Organisation B's intake form became the standard"]
    assert "out" in titles["Tom does the front end only, for now"]
    links = [p for p in board.document.find("path", class_="supersede")
             if "legend" not in p.attrs["class"]]
    assert len(links) == 2  # the band's second module, and the merger's frame redesigned
    lanes = board.document.text_of("text", class_="lane-name")
    assert lanes[0] == "Programme design" and "Budget" not in lanes
    assert all(m.attrs["href"].startswith(f"/trajectories/{demo_id}/decisions/")
               for m in marks)


def test_time_travel_shows_the_board_as_it_was(visitor: MakeVisitor, demo_id: str) -> None:
    someone = visitor("reader")
    now = someone.get(f"/trajectories/{demo_id}")
    slider = now.document.find("input", id="version")[0]
    assert slider.attrs["type"] == "range" and slider.attrs["value"] == slider.attrs["max"]
    early = someone.get(f"/trajectories/{demo_id}", version="6")
    assert "You are looking at the past" in early.text
    assert "after event 6 of" in early.text
    assert early.document.find("input", id="version")[0].attrs["value"] == "6"
    assert "Yara El Amrani" in _section(early, "team")
    assert "No decision domains yet." in _section(early, "who-decides-what")
    assert not early.document.find("section", class_="actions")
    before_start = someone.get(f"/trajectories/{demo_id}", at="2000-01-01T00:00")
    assert "nothing of this trajectory had been recorded yet" in before_start.text
    today = (datetime.now(UTC) + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    in_force = someone.get(f"/trajectories/{demo_id}", in_force_at=today)
    listed = _section(in_force, "in-force")
    assert "Start with a Gideon's band" not in listed  # superseded since
    assert "Second module from the band's patterns" in listed
    assert in_force.document.find("line", class_="in-force-line")
    bad = someone.get(f"/trajectories/{demo_id}", version="x", at="soon")
    assert bad.status == 200
    assert "version: 'x' is not an event number" in bad.text
    assert "'soon' is not a date" in bad.text
    beyond = someone.get(f"/trajectories/{demo_id}", version="99999")
    assert "showing it now" in beyond.text


def test_a_decision_page_has_its_whole_record_and_history(
        visitor: MakeVisitor, demo_id: str) -> None:
    someone = visitor("reader")
    board = someone.get(f"/trajectories/{demo_id}")
    link = next(a for a in board.document.find("a")
                if a.text.strip() == "Start with a Gideon's band")
    page = someone.get(link.attrs["href"])
    assert page.document.text_of("h1") == ["Start with a Gideon's band"]
    text = page.text
    for expected in ("superseded", "Programme design", "Decided by Sara Jansen",
                     "Consulted Tom Visser", "Scale large",
                     "It was superseded by: Second module from the band's patterns",
                     "Sara Jansen (programme manager) decided on Programme design: "
                     "Start with a Gideon's band",
                     "recorded by demo"):
        assert expected in text, expected
    events = page.document.find("ol", class_="events")[0]
    assert events.text.count("recorded by") == 2  # recorded, then superseded
    surfaced = next(a for a in board.document.find("a")
                    if a.text.strip() == "The works council is no longer invited")
    implicit = someone.get(surfaced.attrs["href"])
    assert "Surfaced by Henk Bakker" in implicit.text
    assert "Evidence Invitation lists of sessions two to four." in implicit.text
    assert "one of its ratifiers held a right to decide on Participant selection" in implicit.text
    assert "Rights to decide on Participant selection: Henk Bakker, from" in implicit.text


def test_history_pages_through_the_events(visitor: MakeVisitor, demo_id: str) -> None:
    someone = visitor("auditor")
    first = someone.get(f"/trajectories/{demo_id}/history")
    rows = first.document.find("tbody")[0]
    assert "Trajectory “Leadership programme after the merger” started" in rows.text
    assert first.document.find("a", href=f"/trajectories/{demo_id}?version=1")
    after = someone.get(f"/trajectories/{demo_id}/history", after="24")
    assert after.document.find("td", class_="num")[0].text == "25"


def test_a_kept_board_is_each_visitors_own_and_shows_a_change_at_once(
        server: Server, visitor: MakeVisitor, demo_id: str) -> None:
    facilitator, reader = visitor("facilitator"), visitor("reader")
    path = f"/trajectories/{demo_id}"
    for _ in range(3):  # the second and third are kept pages
        mine, theirs = facilitator.get(path), reader.get(path)
        assert "Record a decision" in mine.text and "Record a decision" not in theirs.text
        tokens = {page.document.hidden()["csrf_token"] for page in (mine, theirs)}
        assert len(tokens) == 2  # each page carries its own session's CSRF token
    add_member(server.client(server.facilitator_token), demo_id, "Noor Kaya",
               "works council member")
    for someone in (facilitator, reader):
        assert "Noor Kaya works council member" in _section(someone.get(path), "team")
