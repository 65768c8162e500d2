"""The auditor's pages: the audit log with its filters and pages, verification with the
damage shown as the API gives it, and the downloads."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from uuid import UUID

import pytest

from tests.e2e.client import Server
from tests.web.conftest import MakeVisitor


def _trajectory_with_members(server: Server, name: str, members: int) -> str:
    api = server.client(server.facilitator_token)
    tid: str = api.mutate("startTrajectory", {"name": name},
                          "... on TrajectoryPayload { trajectory { id } }")["trajectory"]["id"]
    for n in range(members):
        api.mutate("addMember", {"trajectoryId": tid, "name": f"Member {n:02}",
                                 "role": "designer", "side": "CLIENT", "membership": "CORE"})
    return tid


def test_the_audit_log_filters_and_pages(server: Server, visitor: MakeVisitor,
                                         demo_id: str) -> None:
    tid = _trajectory_with_members(server, "Audited programme", 55)
    auditor = visitor("auditor")
    first = auditor.get("/audit", trajectory=tid)
    assert [e.text for e in first.document.find("td", class_="num")] == [
        str(n) for n in range(1, 51)]
    later = auditor.get(first.document.find("a", rel="next")[0].attrs["href"])
    assert [e.text for e in later.document.find("td", class_="num")] == [
        str(n) for n in range(51, 57)]
    assert not later.document.find("a", rel="next")
    started = auditor.get("/audit", trajectory=tid, type="TrajectoryStarted")
    assert len(started.document.find("td", class_="num")) == 1
    by_demo = auditor.get("/audit", recorded_by="demo", type="DecisionRecorded")
    text = by_demo.document.find("tbody")[0].text
    assert "decided on Programme design: Start with a Gideon's band" in text
    assert "Audited programme" not in text
    nobody = auditor.get("/audit", recorded_by="nobody-at-all")
    assert "No event matches" in nobody.text
    bad = auditor.get("/audit", after="not-a-cursor", **{"from": "tomorrow"})
    assert bad.status == 200
    assert "That page of the log does not exist" in bad.text
    assert "'tomorrow' is not a date" in bad.text


def test_verification_shows_the_damage(server: Server, visitor: MakeVisitor) -> None:
    if server.backend != "sqlite":
        pytest.skip("damages a row of the SQLite file directly")
    tid = _trajectory_with_members(server, "Programme to damage", 3)
    auditor = visitor("auditor")
    intact = auditor.get(f"/trajectories/{tid}/audit", verify="1")
    assert "Intact. All 4 events check out." in intact.text
    digest = intact.document.find("code", class_="digest")[0].text
    assert len(digest) == 64
    path = server.database_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as connection:
        row = connection.execute(
            "SELECT state FROM stored_events WHERE originator_id=? AND originator_version=3",
            (UUID(tid).hex,)).fetchone()
        state = json.loads(bytes(row[0]))
        state["name"] = "Member 99"
        connection.execute(
            "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=3",
            (json.dumps(state).encode(), UUID(tid).hex))
        connection.commit()
    damaged = auditor.get(f"/trajectories/{tid}/audit", verify="1", expect_head_digest=digest)
    assert damaged.document.find("div", class_="damaged")
    assert "2 of 4 events check out; the chain first breaks at event 3" in damaged.text
    bad_digest = auditor.get(f"/trajectories/{tid}/audit", verify="1",
                             expect_head_digest="abc")
    assert "A head digest is 64 hexadecimal characters." in bad_digest.text


def test_the_register_and_the_events_download(visitor: MakeVisitor, demo_id: str) -> None:
    reader = visitor("reader")
    register = reader.http.get(f"/trajectories/{demo_id}/export.md")
    assert register.status_code == 200
    assert register.headers["content-type"].startswith("text/markdown")
    assert "attachment" in register.headers["content-disposition"]
    assert "Unity in the frame, difference in the practice" in register.text
    events = reader.http.get(f"/trajectories/{demo_id}/export.jsonl")
    lines = events.text.splitlines()
    assert json.loads(lines[0])["version"] == 1 and all("digest" in json.loads(x)
                                                       for x in lines)
    assert reader.get(f"/trajectories/{demo_id}/export.pdf").status == 400
