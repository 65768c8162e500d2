"""Phases and who had to be heard, on the pages: the board's phases and its
who-decides-what table for a phase chosen in the URL (with time travel), a decision's
phase, why it lies outside its mandate, who was not heard and who was told; and the
forms that define, start and retire phases, limit a right to some phases and mark
people as told, with their errors where they belong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.client import GraphQLClient, Server
from tests.web.conftest import MakeVisitor
from tests.web.pages_client import Page
from tests.web.test_forms import Facilitator

DEMO = """query($id: ID!) { trajectory(id: $id) {
  phases { id name }
  decisions(first: 100) { edges { node { id title phase { name } } } }
  history(first: 100) { edges { node { version type data } } }
} }"""


def _demo(api: GraphQLClient, tid: str) -> dict[str, Any]:
    state: dict[str, Any] = api.execute(DEMO, {"id": tid})["trajectory"]
    state["phase_ids"] = {p["name"]: p["id"] for p in state["phases"]}
    state["decision_ids"] = {e["node"]["title"]: e["node"]["id"]
                             for e in state["decisions"]["edges"]}
    return state


def _started(state: dict[str, Any], phase: str) -> int:
    """The version of the event that started the phase."""
    return int(next(e["node"]["version"] for e in state["history"]["edges"]
                    if e["node"]["type"] == "PhaseStarted"
                    and e["node"]["data"]["phase_id"] == state["phase_ids"][phase]))


def _section(page: Page, key: str) -> str:
    element = page.document.by_id(key)
    assert element is not None, key
    return " ".join(element.text.split())


def test_the_matrix_shows_the_phase_chosen_in_the_url_and_travels_in_time(
        server: Server, visitor: MakeVisitor, demo_id: str) -> None:
    state = _demo(server.client(server.facilitator_token), demo_id)
    design = state["phase_ids"]["Design"]
    someone = visitor("reader")
    board = f"/trajectories/{demo_id}"

    # The design phase, chosen: Sara decides on the programme design, Tom advises on
    # the process design there
    chosen = someone.get(board, phase=design)
    matrix = _section(chosen, "who-decides-what")
    assert matrix.startswith("Who decides what Who decides in the phase")
    assert "In Design: for each decision domain" in matrix
    assert "every programme manager (Sara Jansen) only in Design" in matrix
    assert "Sara Jansen only in Intake, Design" in matrix
    assert "every line manager" not in matrix
    assert chosen.document.find("option", value=design)[0].attrs.get("selected") == ""
    # the phase stays chosen whatever the time travel asks next
    travel = chosen.document.by_id("time-travel-heading")
    assert travel is not None
    hidden = [e for e in chosen.document.find("input", type="hidden", name="phase")]
    assert len(hidden) == 3 and {e.attrs["value"] for e in hidden} == {design}
    # ... and each phase of the phase table links to its matrix, keeping the view
    link = chosen.document.find("a", title="Who decides what in Intake")[0]
    assert link.attrs["href"] == f"{board}?phase={state['phase_ids']['Intake']}" \
                                 "#who-decides-what"

    # As known just before the design phase started: the intake was current then
    before = _started(state, "Design") - 1
    then = someone.get(board, version=str(before))
    assert "You are looking at the past" in then.text
    assert "phase then: Intake" in then.document.text_of("p", class_="sub")[0]
    matrix = _section(then, "who-decides-what")
    assert "In Intake, the phase current then:" in matrix
    assert "current then (Intake)" in matrix
    gaps = [r.text.split()[0] for r in then.document.find("tr", class_="gap")]
    assert gaps == ["Programme", "Budget"]  # in the intake nobody decides on its design
    # ... and in the design phase, as known then (the same URL with both)
    both = someone.get(board, version=str(before), phase=design)
    assert "In Design:" in _section(both, "who-decides-what")
    assert "after event " + str(before) in both.text

    # What was in force yesterday: no phase had started, only rights for every phase
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    in_force = someone.get(board, in_force_at=yesterday)
    matrix = _section(in_force, "who-decides-what")
    assert "Before any phase started, only the rights for every phase hold, as in force " \
           "on" in matrix
    assert "current on" in matrix and "(none had started)" in matrix
    gaps = [r.text.split()[0] for r in in_force.document.find("tr", class_="gap")]
    assert gaps == ["Programme", "Participant", "Process", "Budget"]
    assert "Ines de Vries" in matrix  # her right reaches back weeks
    designed = someone.get(board, in_force_at=yesterday, phase=design)
    assert "every programme manager (Sara Jansen)" in _section(designed, "who-decides-what")

    # A phase that is not the trajectory's, or not known yet then: said, and the phase
    # current then shown
    for asked in ({"phase": "no-such-phase"},
                  {"phase": state["phase_ids"]["Line takes over"], "version": "14"}):
        page = someone.get(board, **asked)
        assert page.status == 200
        assert "The phase asked for is not one of this trajectory's" in page.text
        assert not page.document.find("input", type="hidden", name="phase")


def test_a_decision_page_says_its_phase_why_who_was_not_heard_and_who_was_told(
        server: Server, visitor: MakeVisitor, demo_id: str) -> None:
    ids = _demo(server.client(server.facilitator_token), demo_id)["decision_ids"]
    someone = visitor("reader")

    def page(title: str) -> Page:
        found = someone.get(f"/trajectories/{demo_id}/decisions/{ids[title]}")
        assert found.status == 200
        return found

    module = page("Module three on leading across sites").text
    assert "outside mandate" in module and "in Line takes over" in module
    assert "Phase Line takes over the phase current when it was decided" in module
    assert "When it was decided (" in module and ", in Line takes over), none of its " \
           "deciders held a right to decide on Programme design." in module
    assert "a right only in other phases Sara Jansen (programme manager) DECIDES on " \
           "Programme design only in Design, and it was taken in Line takes over." in module
    assert "every programme manager, from" in module and "only in Design" in module

    rhythm = page("The design team meets every two weeks")
    assert "not everyone heard" in rhythm.text and "within mandate" in rhythm.text
    assert "Not heard Tom Visser, every HR lead They held a right to advise on Process " \
           "design in Design when it was decided, and were not among those " \
           "consulted." in rhythm.text
    assert "Informed Still to tell: Ines de Vries" in rhythm.text
    assert not [a for a in rhythm.document.find("a") if "mark-informed" in a.attrs["href"]]

    told = page("Line managers run the intervision groups")
    assert "Informed Ines de Vries, told on" in told.text and "Still to tell" not in told.text
    assert "not everyone heard" not in told.text
    history = " ".join(told.document.find("ol", class_="events")[0].text.split())
    assert "Ines de Vries (client sponsor) told of “Line managers run the intervision " \
           "groups”" in history

    frame = page("Unity in the frame, difference in the practice").text
    assert "Phase Design the phase current when it was decided" in frame
    implicit = page("The works council is no longer invited").text
    assert "Phase Design the phase current when it was ratified" in implicit
    # The list of decisions: by the phase they were taken in, and who was not heard
    state = _demo(server.client(server.facilitator_token), demo_id)
    listed = someone.get(f"/trajectories/{demo_id}/decisions",
                         phase=state["phase_ids"]["Design"])
    titles = [" ".join(t.split()) for t in listed.document.text_of("th", scope="row")]
    in_design = [e["node"]["title"] for e in state["decisions"]["edges"]
                 if (e["node"]["phase"] or {}).get("name") == "Design"]
    assert titles == in_design[::-1] and len(titles) > 3
    assert "The works council is no longer invited" in titles  # ratified in Design
    assert "Module three on leading across sites" not in titles
    skipped = someone.get(f"/trajectories/{demo_id}/decisions", heard="no")
    assert "1 decision, newest first." in skipped.text
    assert skipped.document.text_of("th", scope="row") == [
        "The design team meets every two weeks"]
    assert "Design not everyone heard" in skipped.text
    surfaced = page("Organisation B's intake form became the standard").text
    assert "Phase " not in surfaced.split("Mandate")[0].split("Status")[1]  # not taken yet


PHASED = """query($id: ID!) { trajectory(id: $id) {
  currentPhase { name }
  phases { name description order active }
  phaseTimeline { phase { name } startedAt }
  decisionRights { right holder { ... on Member { name } } phases { name } }
  decisions(first: 10) { edges { node { title withinMandate phase { name }
    outOfMandateReason { reason } notConsulted { ... on Member { name } }
    toInform { name } informed { member { name } } } } }
  history(first: 100) { edges { node { recordedBy } } }
} }"""


def test_the_phase_forms(server: Server, visitor: MakeVisitor) -> None:
    someone = visitor("facilitator")
    api = server.client(server.facilitator_token)
    started = someone.submit("/trajectories/new", {
        "name": "Programme in phases", "client": "Phases Inc.", "description": ""})
    tid = started.response.url.path.rsplit("/", 1)[1]
    f = Facilitator(someone, tid)
    for name, role in (("Anna", "programme manager"), ("Bram", "learning facilitator"),
                       ("Cas", "client sponsor")):
        f.fill("add-member", {"name": name, "role": role, "side": "PROVIDER",
                              "membership": "CORE"})
    f.fill("define-domain", {"name": "Process design", "description": ""})
    board = someone.get(f"/trajectories/{tid}")
    assert "No phases defined." in _section(board, "phases")
    assert "Start a phase" not in board.text  # nothing to start yet

    # Define two phases; a place that is not a number is refused beside its field
    intake = f.fill("define-phase", {"name": "Intake", "description": "Getting to know "
                                     "the system.", "order": ""})
    assert "Phase defined: Intake" in intake.text
    assert intake.response.url.fragment == "phases"
    wrong = f.fill("define-phase", {"name": "Design", "description": "", "order": "second"})
    assert wrong.status == 400 and wrong.field_error("order") == \
        "Place: give a whole number, like 3."
    assert wrong.document.find("input", name="name")[0].attrs["value"] == "Design"
    f.fill("define-phase", {"name": "Design", "description": "", "order": "5"})
    taken = f.fill("define-phase", {"name": "design", "description": "", "order": ""})
    assert taken.status == 400 and "An active phase is already named 'design'." in \
        " ".join(taken.problems())

    # Rights for the design phase only, and one to be informed in every phase
    grant = f.open("grant-right")
    assert [e.attrs["value"] for e in grant.document.find("input", name="phases")] != []
    f.fill("grant-right", {"right": "DECIDES", "role": "", "condition": ""},
           {"domain_id": "Process design", "member_id": "Anna", "phases": ["Design"]})
    f.fill("grant-right", {"right": "ADVISES", "role": "", "condition": ""},
           {"domain_id": "Process design", "member_id": "Bram", "phases": ["Design"]})
    f.fill("grant-right", {"right": "INFORMED", "member_id": "", "role": "client sponsor",
                           "condition": ""}, {"domain_id": "Process design"})
    matrix = _section(someone.get(f"/trajectories/{tid}"), "who-decides-what")
    assert "Before any phase started, only the rights for every phase hold" in matrix
    assert "1 domain without anyone to decide." in matrix

    # Start the intake: not before the trajectory started (beside the field), then now
    early = f.fill("start-phase", {"started_at": "2000-01-01T00:00"},
                   {"phase_id": "Intake"})
    assert early.status == 400 and early.field_error("started_at")
    assert "Started on" in (early.field_error("started_at") or "")
    started_intake = f.fill("start-phase", {"started_at": ""}, {"phase_id": "Intake"})
    assert "Phase started: Intake" in started_intake.text
    assert "The current phase: Intake, since" in _section(started_intake, "phases")
    again = f.fill("start-phase", {"started_at": ""}, {"phase_id": "Intake"})
    assert again.status == 400 and "already" in " ".join(again.problems())

    # A decision in the intake by someone who decides only in the design phase
    out = f.fill("record-decision", {"title": "Meet monthly", "statement": "Monthly.",
                                     "decided_at": "", "rationale": ""},
                 {"domain_id": "Process design", "decided_by": ["Anna"]})
    assert "outside mandate" in out.text and "in Intake" in out.text
    assert "a right only in other phases Anna (programme manager) DECIDES on Process " \
           "design only in Design, and it was taken in Intake." in out.text

    # A decision dated before any phase started: only rights for every phase held then
    early = f.fill("record-decision", {"title": "Kick-off agreed", "statement": "We start.",
                                       "decided_at": "2025-01-06T10:00", "rationale": ""},
                   {"domain_id": "Process design", "decided_by": ["Anna"]})
    assert "Phase before any phase started" in early.text
    assert "the right came later Anna (programme manager) DECIDES on Process design only " \
           "from " + datetime.now(UTC).strftime("%-d %b %Y") in early.text  # in words

    # Start the design phase from the board's phase table
    board = someone.get(f"/trajectories/{tid}")
    start = next(a for a in board.document.find("a") if a.text.strip() == "Start it…"
                 and "start-phase" in a.attrs["href"])
    opened = someone.get(start.attrs["href"])
    assert opened.document.find("option", selected="")[0].text.strip().startswith("Design")
    someone.submit(opened.response.url.path, {**opened.document.hidden(), "started_at": "",
                                              "phase_id": opened.document.find(
                                                  "option", selected="")[0].attrs["value"]},
                   opened=opened)
    within = f.fill("record-decision", {"title": "Meet every two weeks",
                                        "statement": "Every two weeks.", "decided_at": "",
                                        "rationale": ""},
                    {"domain_id": "Process design", "decided_by": ["Anna"]})
    assert "within mandate" in within.text and "Not heard Bram" in within.text
    assert "Still to tell: Cas" in within.text

    # Mark Cas as told, from the decision's page: only those still to tell are offered
    link = next(a for a in within.document.find("a") if "mark-informed" in a.attrs["href"])
    form = someone.get(link.attrs["href"])
    boxes = form.document.find("input", name="member_ids")
    assert len(boxes) == 1 and form.document.find("label", **{"for": boxes[0].attrs["id"]})[
        0].text.strip().startswith("Cas")
    empty = someone.submit(form.response.url.path, {
        **form.document.hidden(), "decision_id": form.document.find(
            "option", selected="")[0].attrs["value"], "informed_at": ""}, opened=form)
    assert empty.status == 400 and empty.field_error("member_ids")
    told = someone.submit(form.response.url.path, {
        **form.document.hidden(), "decision_id": form.document.find(
            "option", selected="")[0].attrs["value"],
        "member_ids": boxes[0].attrs["value"], "informed_at": ""}, opened=form)
    assert "Marked as told of: Meet every two weeks" in told.text
    assert "Informed Cas, told on" in told.text and "Still to tell" not in told.text
    # told twice, or someone without the right: refused above the form, nothing written
    decision_id = form.document.find("option", selected="")[0].attrs["value"]
    ids = {m["name"]: m["id"] for m in api.execute(
        "query($id: ID!) { trajectory(id: $id) { members { id name } } }",
        {"id": tid})["trajectory"]["members"]}
    for member, code_word in (("Cas", "already"), ("Bram", "INFORMED")):
        opened = f.open("mark-informed", decision_id=decision_id)
        refused = someone.submit(f"/trajectories/{tid}/forms/mark-informed", {
            **opened.document.hidden(), "decision_id": decision_id,
            "member_ids": ids[member], "informed_at": ""}, opened=opened)
        assert refused.status == 400 and code_word in " ".join(refused.problems()), member

    # Retire the intake; the current phase cannot be retired, nor a retired one started
    retire = f.open("retire-phase")
    assert [o.text.strip() for o in retire.document.find("option")][1:] == [
        "Intake (last started " + datetime.now(UTC).strftime("%-d %b %Y") + ")"]
    f.fill("retire-phase", {"reason": "The intake is over."}, {"phase_id": "Intake"})
    phases = _section(someone.get(f"/trajectories/{tid}"), "phases")
    assert "1. Intake retired" in phases and "The intake is over." in phases
    opened = f.open("start-phase")
    phase_ids = {p["name"]: p["id"] for p in api.execute(
        "query($id: ID!) { trajectory(id: $id) { phases { id name } } }",
        {"id": tid})["trajectory"]["phases"]}
    for slug, fields in (("retire-phase", {"phase_id": phase_ids["Design"], "reason": ""}),
                         ("start-phase", {"phase_id": phase_ids["Intake"],
                                          "started_at": ""})):
        opened = f.open(slug)
        refused = someone.submit(f"/trajectories/{tid}/forms/{slug}",
                                 {**opened.document.hidden(), **fields}, opened=opened)
        assert refused.status == 400 and refused.problems(), slug

    # What the forms recorded, over the API
    state = api.execute(PHASED, {"id": tid})["trajectory"]
    assert state["currentPhase"] == {"name": "Design"}
    assert state["phases"] == [
        {"name": "Intake", "description": "Getting to know the system.", "order": 1,
         "active": False},
        {"name": "Design", "description": None, "order": 5, "active": True}]
    assert [s["phase"]["name"] for s in state["phaseTimeline"]] == ["Intake", "Design"]
    assert sorted((r["right"], r["holder"].get("name"), tuple(p["name"] for p in r["phases"]))
                  for r in state["decisionRights"]) == [
        ("ADVISES", "Bram", ("Design",)), ("DECIDES", "Anna", ("Design",)),
        ("INFORMED", None, ())]
    decisions = {e["node"]["title"]: e["node"] for e in state["decisions"]["edges"]}
    assert decisions["Meet monthly"]["outOfMandateReason"] == {
        "reason": "RIGHT_ONLY_IN_OTHER_PHASES"}
    assert decisions["Meet every two weeks"]["informed"] == [{"member": {"name": "Cas"}}]
    assert decisions["Meet every two weeks"]["notConsulted"] == [{"name": "Bram"}]
    history = [e["node"]["recordedBy"] for e in state["history"]["edges"]]
    assert set(history) == {someone.name} and len(history) == 17  # one event a form sent
