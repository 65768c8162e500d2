"""Who may see and do what on the pages: the API's roles and scopes, page by page."""

from __future__ import annotations

import pytest

from decisionlog.web.forms_catalogue import FORMS
from tests.e2e.client import Server
from tests.web.conftest import MakeVisitor
from tests.web.pages_client import Visitor

READ_PAGES = ("", "/decisions", "/history", "/audit", "/export.md", "/export.jsonl")


def _version(server: Server, trajectory_id: str) -> int:
    data = server.client(server.facilitator_token).execute(
        "query($id: ID!) { trajectory(id: $id) { version } }", {"id": trajectory_id})
    return int(data["trajectory"]["version"])


def _a_decision(someone: Visitor, demo_id: str) -> str:
    page = someone.get(f"/trajectories/{demo_id}/decisions")
    return next(a.attrs["href"] for a in page.document.find("a")
                if "/decisions/" in a.attrs.get("href", ""))


@pytest.mark.parametrize("role", ["reader", "auditor"])
def test_readers_and_auditors_read_but_see_no_write_controls_and_may_not_post(
        server: Server, visitor: MakeVisitor, demo_id: str, role: str) -> None:
    someone = visitor(role)
    for suffix in READ_PAGES:
        assert someone.get(f"/trajectories/{demo_id}{suffix}").status == 200, suffix
    board = someone.get(f"/trajectories/{demo_id}")
    assert not board.document.find("section", class_="actions")
    assert "/forms/" not in board.response.text
    decision = someone.get(_a_decision(someone, demo_id))
    assert decision.status == 200 and "/forms/" not in decision.response.text
    assert "Start a trajectory" not in someone.get("/trajectories").text
    before = _version(server, demo_id)
    hidden = board.document.hidden()  # this session's CSRF token
    for slug in FORMS:
        path = f"/trajectories/{demo_id}/forms/{slug}"
        assert someone.get(path).status == 403, slug
        refused = someone.post(path, {**hidden, "expected_version": str(before),
                                      "idempotency_key": "k", "name": "x", "title": "x"})
        assert refused.status == 403 and "may not change it" in refused.text, slug
    assert someone.get("/trajectories/new").status == 403
    assert someone.post("/trajectories/new", {**hidden, "name": "x"}).status == 403
    assert _version(server, demo_id) == before


def test_auditors_verify_and_read_the_audit_log_and_readers_do_not(
        visitor: MakeVisitor, demo_id: str) -> None:
    auditor, reader = visitor("auditor"), visitor("reader")
    verified = auditor.get(f"/trajectories/{demo_id}/audit", verify="1")
    assert verified.status == 200 and "Intact." in verified.text
    assert auditor.get("/audit").status == 200
    assert reader.get(f"/trajectories/{demo_id}/audit", verify="1").status == 403
    assert reader.get("/audit").status == 403
    assert "Audit log" not in reader.get("/trajectories").document.text_of("nav")[0]


def test_a_scoped_token_sees_only_its_trajectories(
        server: Server, visitor: MakeVisitor, demo_id: str) -> None:
    other = server.client(server.facilitator_token).mutate(
        "startTrajectory", {"name": "Another programme"},
        "... on TrajectoryPayload { trajectory { id } }")["trajectory"]["id"]
    decision_path = _a_decision(visitor("reader"), demo_id)
    for role in ("reader", "auditor", "facilitator"):
        someone = visitor(role, [other])
        listed = someone.get("/trajectories")
        assert "Another programme" in listed.text
        assert "Leadership programme after the merger" not in listed.text
        assert someone.get(f"/trajectories/{other}").status == 200
        for suffix in (*READ_PAGES, "/forms/record-decision", "?version=3"):
            page = someone.get(f"/trajectories/{demo_id}{suffix}")
            assert page.status == 404, (role, suffix)
            assert "Leadership programme" not in page.text
        assert someone.get(decision_path).status == 404
        audit_log = someone.get("/audit", trajectory=demo_id)
        assert audit_log.status == (200 if role != "reader" else 403)
        assert "Leadership programme" not in audit_log.text
    scoped = visitor("facilitator", [other])
    assert scoped.get("/trajectories/new").status == 403
    hidden = scoped.get(f"/trajectories/{other}").document.hidden()
    refused = scoped.post(f"/trajectories/{demo_id}/forms/define-domain",
                          {**hidden, "expected_version": "1", "name": "Sneaky"})
    assert refused.status == 404


def test_an_unknown_trajectory_or_decision_is_not_found(
        visitor: MakeVisitor, demo_id: str) -> None:
    someone = visitor("facilitator")
    for path in ("/trajectories/not-an-id", "/trajectories/00000000-0000-0000-0000-000000000000",
                 f"/trajectories/{demo_id}/decisions/nope",
                 f"/trajectories/{demo_id}/forms/no-such-form"):
        page = someone.get(path)
        assert page.status == 404 and "Not found" in page.text, path


def test_a_board_kept_for_one_role_is_not_shown_to_another(
        visitor: MakeVisitor, demo_id: str) -> None:
    facilitator, reader = visitor("facilitator"), visitor("reader")
    for _ in range(2):
        assert facilitator.get(f"/trajectories/{demo_id}").document.find(
            "section", class_="actions")
        board = reader.get(f"/trajectories/{demo_id}")
        assert not board.document.find("section", class_="actions")
        assert reader.name in board.text and facilitator.name not in board.text
