"""The pages of frames and looking back, on the demo: the board's review queue, review
dates and frames; a decision's frames, reasons and outcomes; and the forms that
reconfirm, move to the new frame, set a review date and record an outcome, with their
errors beside the field they concern."""

from __future__ import annotations

from typing import Any

from decisionlog.demo import LONG_LINES_TITLE, MERGER_FRAME_TITLE, REDESIGN_TITLE
from tests.e2e.client import GraphQLClient, Server
from tests.web.conftest import MakeVisitor
from tests.web.test_forms import Facilitator

WITHIN_MERGER = ["Mixed learning groups across the former organisations",
                 "Each keeps its own way of advising", "Groups of eight, four from each side"]
QUEUE = """query($id: ID!) { trajectory(id: $id) {
  reviewQueue { decision { id title } }
  decisions(first: 100) { edges { node { id title reviewBy outcomes { verdict }
    withinFrames { title } } } }
  members { id name }
} }"""


def _state(api: GraphQLClient, tid: str) -> dict[str, Any]:
    state: dict[str, Any] = api.execute(QUEUE, {"id": tid})["trajectory"]
    return state


def _id(state: dict[str, Any], title: str) -> str:
    return str(next(e["node"]["id"] for e in state["decisions"]["edges"]
                    if e["node"]["title"] == title))


def test_the_board_shows_the_review_queue_review_dates_and_frames(
        visitor: MakeVisitor, demo_id: str) -> None:
    board = visitor("reader").get(f"/trajectories/{demo_id}")
    assert board.status == 200
    queue = " ".join(board.document.text_of(id="review-queue"))
    assert all(title in queue for title in WITHIN_MERGER)
    assert f"Frame “{MERGER_FRAME_TITLE}” was superseded by “{REDESIGN_TITLE}”" in queue
    assert "Reconfirm" not in queue  # a reader sees no forms
    dates = " ".join(board.document.text_of(id="due-for-review"))
    assert "The works council is no longer invited" in dates and "past its review" in dates
    assert LONG_LINES_TITLE in dates  # the next one
    frames = " ".join(board.document.text_of(id="frames"))
    assert LONG_LINES_TITLE in frames and REDESIGN_TITLE in frames
    assert MERGER_FRAME_TITLE not in frames  # superseded: no longer a frame in force
    # As of before the redesign, nothing was up for review
    before = visitor("reader").get(f"/trajectories/{demo_id}", version=45)
    assert "Nothing up for review then." in " ".join(before.document.text_of(id="review-queue"))


def test_a_decision_page_shows_its_frames_reasons_and_outcomes(
        server: Server, visitor: MakeVisitor, demo_id: str) -> None:
    state = _state(server.client(server.facilitator_token), demo_id)
    eight = _id(state, WITHIN_MERGER[2])
    page = visitor("facilitator").get(f"/trajectories/{demo_id}/decisions/{eight}")
    text = page.text
    assert f"Within frames {WITHIN_MERGER[0]}" in text
    assert "this decision lies within it through" in text
    assert "Observed outcomes After module one the mixed groups worked" in text
    assert "verdict: confirmed · observed" in text
    actions = page.document.text_of("a", class_="button")
    assert "Reconfirm…" in actions and "Record an outcome…" in actions
    assert "Move to another frame…" in actions
    merger = _id(state, MERGER_FRAME_TITLE)
    frame_page = visitor("reader").get(f"/trajectories/{demo_id}/decisions/{merger}")
    assert "Lies within it" in frame_page.text


def test_looking_back_through_the_forms(server: Server, visitor: MakeVisitor,
                                        demo_id: str) -> None:
    api = server.client(server.facilitator_token)
    state = _state(api, demo_id)
    f = Facilitator(visitor("facilitator"), demo_id)
    sub = _id(state, WITHIN_MERGER[0])
    merger, redesign = _id(state, MERGER_FRAME_TITLE), _id(state, REDESIGN_TITLE)

    # Move the sub-frame to the new frame, from the link the board offers
    board = f.someone.get(f"/trajectories/{demo_id}")
    link = next(a for a in board.document.find("a")
                if a.text.startswith(f"Move to “{REDESIGN_TITLE}”"))
    assert f"from_frame_id={merger}" in link.attrs["href"]
    chosen = {"decision_id": sub, "from_frame_id": merger, "to_frame_id": redesign}
    opened = f.open("reframe-decision", **chosen)
    for name, value in chosen.items():  # the link chose them: selected on the form
        assert any(o.attrs.get("value") == value and "selected" in o.attrs
                   for o in opened.document.find("option")), name
    moved = f.fill("reframe-decision", chosen, {"reframed_by": ["Henk Bakker"]}, **chosen)
    assert f"Moved: {WITHIN_MERGER[0]}" in moved.text
    # Reconfirm one: it leaves the queue
    eight = _id(state, WITHIN_MERGER[2])
    confirmed = f.fill("confirm-decision", {"decision_id": eight,
                                            "rationale": "Participants asked for it."},
                       {"confirmed_by": ["Henk Bakker"]})
    assert f"Reconfirmed: {WITHIN_MERGER[2]}" in confirmed.text
    after = _state(api, demo_id)
    assert [i["decision"]["title"] for i in after["reviewQueue"]] == [WITHIN_MERGER[1]]

    # A review date before the decision was taken: the error beside its field
    refused = f.fill("schedule-review", {"decision_id": eight,
                                         "review_by": "2001-01-01 09:00"})
    assert refused.status == 400
    assert "before the decision was taken" in (refused.field_error("review_by") or "")
    scheduled = f.fill("schedule-review", {"decision_id": eight,
                                           "review_by": "2031-05-01 09:00"})
    assert "Review date set" in scheduled.text
    # An outcome asking to adjust it: back up for review, the decision unchanged
    observed = f.fill("record-outcome", {"decision_id": eight, "outcome": "Two groups split.",
                                         "verdict": "ADJUST"},
                      {"observed_by": ["Henk Bakker"]})
    assert f"Outcome recorded: {WITHIN_MERGER[2]}" in observed.text
    assert "An observed outcome asks to adjust it: Two groups split." in observed.text
    final = _state(api, demo_id)
    assert {i["decision"]["title"] for i in final["reviewQueue"]} == {
        WITHIN_MERGER[1], WITHIN_MERGER[2]}
    node = next(e["node"] for e in final["decisions"]["edges"]
                if e["node"]["title"] == WITHIN_MERGER[2])
    assert node["reviewBy"].startswith("2031-05-01")
    assert [o["verdict"] for o in node["outcomes"]] == ["CONFIRMED", "ADJUST"]


def test_recording_a_decision_within_a_frame_with_a_review_date(
        server: Server, visitor: MakeVisitor, demo_id: str) -> None:
    f = Facilitator(visitor("facilitator"), demo_id)
    recorded = f.fill("record-decision", {
        "title": "Module two in the field", "statement": "Module two runs on site.",
        "scale": "SMALL", "kind": "DECISION", "review_by": "2031-01-15 10:00"},
        {"domain_id": "Programme design", "decided_by": ["Sara Jansen"],
         "within_frames": [LONG_LINES_TITLE]})
    assert "Recorded: Module two in the field" in recorded.text
    assert f"Within frames {LONG_LINES_TITLE}" in recorded.text
    node = next(e["node"] for e in _state(server.client(server.facilitator_token), demo_id)[
        "decisions"]["edges"] if e["node"]["title"] == "Module two in the field")
    assert node["withinFrames"] == [{"title": LONG_LINES_TITLE}]
