"""Frames and looking back over HTTP, on SQLite and PostgreSQL: the demo's merger frame
redesigned puts exactly what lies within it on the review queue (and nothing as of
before the redesign), reconfirming takes a decision off, what is due is listed across
trajectories, and bad input is a typed error that writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from decisionlog.demo import MERGER_FRAME_TITLE, REDESIGN_TITLE, seed_demo
from tests.e2e.client import GraphQLClient, Server
from tests.e2e.conftest import MakeClient
from tests.e2e.helpers import (
    DECISION,
    add_member,
    define_domain,
    moment,
    ok,
    record,
    start,
    stream,
    surface,
)

QUEUE = """query($id: ID!, $asOf: AsOf) { trajectory(id: $id, asOf: $asOf) {
  version
  reviewQueue { since decision { id title kind upForReview }
                reasons { kind reason version frame { title } throughFrame { title }
                          supersededBy { title } } }
  decisions(first: 100) { edges { node { id title kind status
                                         framed(transitive: true) { title } } } }
} }"""
DUE = """query($before: DateTime!, $first: Int, $after: String) {
  decisionsDueForReview(before: $before, first: $first, after: $after) {
    totalCount edges { cursor node { id title reviewBy trajectoryId } }
    pageInfo { hasNextPage endCursor } } }"""
WITHIN_MERGER = ["Mixed learning groups across the former organisations",
                 "Each keeps its own way of advising", "Groups of eight, four from each side"]


@pytest.fixture(scope="module")
def demo(server: Server) -> str:
    """The demo trajectory, recorded in the server's database (as `serve --demo` does)."""
    return seed_demo(server.log())


def queue(client: GraphQLClient, tid: str, as_of: dict[str, Any] | None = None
          ) -> dict[str, Any]:
    trajectory: dict[str, Any] = client.execute(QUEUE, {"id": tid, "asOf": as_of})[
        "trajectory"]
    return trajectory


def by_title(trajectory: dict[str, Any], title: str) -> dict[str, Any]:
    node: dict[str, Any] = next(e["node"] for e in trajectory["decisions"]["edges"]
                                if e["node"]["title"] == title)
    return node


def test_the_redesign_puts_exactly_what_lies_within_the_merger_frame_up_for_review(
        client: GraphQLClient, demo: str) -> None:
    now = queue(client, demo)
    items = now["reviewQueue"]
    assert [i["decision"]["title"] for i in items] == WITHIN_MERGER
    merger = by_title(now, MERGER_FRAME_TITLE)
    assert merger["status"] == "SUPERSEDED"
    assert {d["title"] for d in merger["framed"]} == set(WITHIN_MERGER)
    redesign_version = now["version"]  # the redesign is the demo's last event
    assert redesign_version == 46  # docs/frames.md reads the demo as of version 45
    for item in items:
        [reason] = item["reasons"]
        assert reason["kind"] == "FRAME_SUPERSEDED"
        assert reason["version"] == redesign_version
        assert reason["frame"] == {"title": MERGER_FRAME_TITLE}
        assert reason["supersededBy"] == {"title": REDESIGN_TITLE}
        assert reason["reason"].startswith(
            f"Frame “{MERGER_FRAME_TITLE}” was superseded by “{REDESIGN_TITLE}”")
        assert item["decision"]["upForReview"]
    eight = items[2]["reasons"][0]
    assert eight["throughFrame"] == {"title": WITHIN_MERGER[0]}  # within the sub-frame
    # As of before the redesign, nothing is up for review
    before = queue(client, demo, {"version": redesign_version - 1})
    assert before["reviewQueue"] == []
    assert by_title(before, MERGER_FRAME_TITLE)["status"] == "IN_FORCE"


def test_reconfirming_one_takes_it_off_the_queue_here_and_across_trajectories(
        client: GraphQLClient, demo: str) -> None:
    now = queue(client, demo)
    item = next(i for i in now["reviewQueue"]
                if i["decision"]["title"] == "Each keeps its own way of advising")
    member = client.execute("query($id: ID!) { trajectory(id: $id) { members { id name } } }",
                            {"id": demo})["trajectory"]["members"][0]["id"]
    result = ok(client.mutate("confirmDecision", {
        "trajectoryId": demo, "decisionId": item["decision"]["id"], "confirmedBy": [member],
        "rationale": "Clients notice the advice: the difference stays.",
        "reviewBy": moment(90)},
        "... on DecisionPayload { version decision { upForReview reviewBy "
        "confirmations { rationale reasonsClosed confirmedBy { id } } } "
        "trajectory { reviewQueue { decision { title } } } }"), "DecisionPayload")
    assert result["decision"]["upForReview"] is False
    assert result["decision"]["confirmations"] == [{
        "rationale": "Clients notice the advice: the difference stays.", "reasonsClosed": 1,
        "confirmedBy": [{"id": member}]}]
    assert [i["decision"]["title"] for i in result["trajectory"]["reviewQueue"]] == [
        WITHIN_MERGER[0], WITHIN_MERGER[2]]
    listed = client.execute("{ decisionsUpForReview(first: 100) { edges { node { "
                            "id trajectoryId reviewReasons { kind frame { title } } } } } }")
    mine = [e["node"] for e in listed["decisionsUpForReview"]["edges"]
            if e["node"]["trajectoryId"] == demo]
    assert len(mine) == 2 and item["decision"]["id"] not in {n["id"] for n in mine}
    assert all(n["reviewReasons"][0]["frame"] == {"title": MERGER_FRAME_TITLE} for n in mine)
    # and reconfirming it again is refused: it is not up for review any more
    again = client.mutate("confirmDecision", {"trajectoryId": demo,
                                              "decisionId": item["decision"]["id"],
                                              "confirmedBy": [member]})
    assert again["code"] == "DECISION_NOT_UP_FOR_REVIEW"


def test_decisions_due_for_review_are_listed_across_trajectories_oldest_due_first(
        client: GraphQLClient, demo: str) -> None:
    due_now = client.execute(DUE, {"before": moment(0)})["decisionsDueForReview"]
    titles = [e["node"]["title"] for e in due_now["edges"] if e["node"]["trajectoryId"] == demo]
    assert titles == ["The works council is no longer invited"]
    later = client.execute(DUE, {"before": moment(400), "first": 100})["decisionsDueForReview"]
    mine = [e["node"] for e in later["edges"] if e["node"]["trajectoryId"] == demo]
    assert mine[0]["title"] == "The works council is no longer invited"
    assert "The programme's long lines" in [n["title"] for n in mine]
    dates = [e["node"]["reviewBy"] for e in later["edges"]]
    assert dates == sorted(dates, key=lambda d: d)  # the oldest due first
    assert later["totalCount"] == len(later["edges"])


def test_a_page_of_due_decisions_resumes_after_its_last_one_even_once_rescheduled(
        client: GraphQLClient) -> None:
    tid = start(client)
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    design = define_domain(client, tid, "Programme design")
    ids = [record(client, tid, design, [ana], f"Check {n}", decidedAt=moment(-30),
                  reviewBy=moment(-20 + n)) for n in range(4)]
    first = client.execute(DUE, {"before": moment(0), "first": 2})["decisionsDueForReview"]
    seen = [e["node"]["id"] for e in first["edges"]]
    # The last one of the page is rescheduled far ahead before the next page is read
    ok(client.mutate("scheduleReview", {"trajectoryId": tid, "decisionId": seen[-1],
                                        "reviewBy": moment(300)}, DECISION), "DecisionPayload")
    rest = client.execute(DUE, {"before": moment(0), "first": 100,
                                "after": first["pageInfo"]["endCursor"]})
    seen += [e["node"]["id"] for e in rest["decisionsDueForReview"]["edges"]]
    assert [i for i in seen if i in ids] == ids  # none skipped, none twice
    # A cursor of another list is refused with a readable error
    other = client.post(DUE, {"before": moment(0), "after": "bm90LWEtY3Vyc29y"})
    assert "cursor" in other["errors"][0]["message"].lower()


def test_an_adjust_verdict_puts_a_decision_up_for_review_and_leaves_it_unchanged(
        client: GraphQLClient) -> None:
    tid = start(client)
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    design = define_domain(client, tid, "Programme design")
    groups = record(client, tid, design, [ana], "Mixed groups", statement="Groups mix.")
    result = ok(client.mutate("recordOutcome", {
        "trajectoryId": tid, "decisionId": groups, "outcome": "Groups split by origin.",
        "verdict": "ADJUST", "observedBy": [ana]},
        "... on OutcomePayload { outcome { id verdict outcome observedBy { name } } "
        "decision { statement status upForReview reviewReasons { kind reason outcome "
        "{ id } } outcomes { id } } }"), "OutcomePayload")
    outcome = result["outcome"]
    assert (outcome["verdict"], outcome["observedBy"]) == ("ADJUST", [{"name": "Ana"}])
    decision = result["decision"]
    assert (decision["statement"], decision["status"]) == ("Groups mix.", "IN_FORCE")
    assert decision["upForReview"] and decision["outcomes"] == [{"id": outcome["id"]}]
    assert decision["reviewReasons"] == [{
        "kind": "OUTCOME_ADJUST", "reason": "An observed outcome asks to adjust it: "
        "Groups split by origin.", "outcome": {"id": outcome["id"]}}]


def test_frames_can_be_named_on_surfacing_and_a_decision_moved_to_the_new_frame(
        client: GraphQLClient) -> None:
    tid = start(client)
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    design = define_domain(client, tid, "Programme design")
    old = record(client, tid, design, [ana], "Long lines", kind="FRAME")
    within = record(client, tid, design, [ana], "Three modules", withinFrames=[old])
    surfaced = surface(client, tid, design, ana, "intake form", withinFrames=[old])
    new = record(client, tid, design, [ana], "Long lines, redesigned", kind="FRAME",
                 supersedes=[old])
    moved = ok(client.mutate("reframeDecision", {
        "trajectoryId": tid, "decisionId": within, "fromFrameId": old, "toFrameId": new,
        "reframedBy": [ana], "reason": "Still holds."},
        "... on DecisionPayload { decision { upForReview withinFrames { id } } }"),
        "DecisionPayload")
    assert moved["decision"] == {"upForReview": False, "withinFrames": [{"id": new}]}
    ratified = ok(client.mutate("ratifyDecision", {
        "trajectoryId": tid, "decisionId": surfaced, "ratifiedBy": [ana]},
        "... on DecisionPayload { decision { upForReview withinFrames { id } } }"),
        "DecisionPayload")
    assert ratified["decision"] == {"upForReview": True, "withinFrames": [{"id": old}]}


def test_bad_input_is_a_typed_error_and_writes_nothing(client: GraphQLClient) -> None:
    tid = start(client)
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    design = define_domain(client, tid, "Programme design")
    frame = record(client, tid, design, [ana], "Long lines", kind="FRAME")
    sub = record(client, tid, design, [ana], "Sub-frame", kind="FRAME", withinFrames=[frame])
    plain = record(client, tid, design, [ana], "Plain", decidedAt=moment(-10))
    gone = record(client, tid, design, [ana], "Gone", kind="FRAME")
    ok(client.mutate("withdrawDecision", {"trajectoryId": tid, "decisionId": gone,
                                          "withdrawnBy": [ana]}, DECISION), "DecisionPayload")
    elsewhere_tid = start(client)
    elsewhere_ana = add_member(client, elsewhere_tid, "Ana", "client")
    elsewhere = record(client, elsewhere_tid, define_domain(client, elsewhere_tid, "D"),
                       [elsewhere_ana], "Their frame", kind="FRAME")

    before = stream(client, tid)

    def new_decision(**fields: Any) -> dict[str, Any]:
        return client.mutate("recordDecision", {
            "trajectoryId": tid, "domainId": design, "title": "T", "statement": "S",
            "decidedBy": [ana], **fields})

    cases: list[tuple[dict[str, Any], str, str]] = [
        (new_decision(withinFrames=[plain]), "RuleViolation", "NOT_A_FRAME"),
        (new_decision(withinFrames=[gone]), "RuleViolation", "FRAME_NOT_IN_FORCE"),
        (new_decision(withinFrames=[elsewhere]), "NotFound", "decision"),
        (new_decision(kind="FRAME", withinFrames=[frame], supersedes=[frame]),
         "RuleViolation", "FRAME_NOT_IN_FORCE"),
        (new_decision(decidedAt=moment(-5), reviewBy=moment(-6)), "ValidationError",
         "reviewBy"),
        (client.mutate("reframeDecision", {"trajectoryId": tid, "decisionId": sub,
                                           "fromFrameId": frame, "toFrameId": sub,
                                           "reframedBy": [ana]}),
         "RuleViolation", "WITHIN_ITSELF"),
        (client.mutate("reframeDecision", {"trajectoryId": tid, "decisionId": frame,
                                           "fromFrameId": frame, "toFrameId": sub,
                                           "reframedBy": [ana]}),
         "RuleViolation", "NOT_WITHIN_FRAME"),
        (client.mutate("scheduleReview", {"trajectoryId": tid, "decisionId": plain,
                                          "reviewBy": moment(-20)}),
         "ValidationError", "reviewBy"),
        (client.mutate("recordOutcome", {"trajectoryId": tid, "decisionId": gone,
                                         "outcome": "x", "verdict": "REVERSE"}),
         "RuleViolation", "OUTCOME_ON_CLOSED_DECISION"),
        (client.mutate("confirmDecision", {"trajectoryId": tid, "decisionId": plain,
                                           "confirmedBy": [ana]}),
         "RuleViolation", "DECISION_NOT_UP_FOR_REVIEW"),
    ]
    for result, typename, detail in cases:
        assert result["__typename"] == typename, result
        assert detail in (result.get("code"), result.get("field"), result.get("kind")), result
    assert stream(client, tid) == before
    # a cycle: the frame within its own sub-frame
    top = record(client, tid, design, [ana], "Top", kind="FRAME")
    moved = record(client, tid, design, [ana], "Moved", kind="FRAME", withinFrames=[top])
    below = record(client, tid, design, [ana], "Below", kind="FRAME", withinFrames=[moved])
    before = stream(client, tid)
    cycle = client.mutate("reframeDecision", {"trajectoryId": tid, "decisionId": moved,
                                              "fromFrameId": top, "toFrameId": below,
                                              "reframedBy": [ana]})
    assert cycle["code"] == "FRAME_CYCLE"
    assert stream(client, tid) == before


def test_a_scoped_reader_sees_only_its_own_reviews(client: GraphQLClient,
                                                   make_client: MakeClient, demo: str) -> None:
    tid = start(client)
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    design = define_domain(client, tid, "Programme design")
    record(client, tid, design, [ana], "Due soon", decidedAt=moment(-3), reviewBy=moment(-1))
    reader = make_client("reader", [tid])
    due = reader.execute(DUE, {"before": moment(1), "first": 100})["decisionsDueForReview"]
    assert {e["node"]["trajectoryId"] for e in due["edges"]} == {tid}
    assert due["totalCount"] == 1
    up = reader.execute("{ decisionsUpForReview { totalCount } }")["decisionsUpForReview"]
    assert up["totalCount"] == 0  # the demo's queue is not this reader's
