"""Cursors of a scoped token reveal nothing of other trajectories: the audit log's and the
lists' cursors are sealed with the server's key, so two stores that differ only in how
much another trajectory did give the scoped token the same answers but for the
recording times; an altered or foreign cursor is refused; cursors issued before sealing
still resume where they did, up to the log's end when the key was made. On a SQLite
file and on PostgreSQL, through a real server."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from decisionlog.application import DecisionLog
from decisionlog.application.commands import StartTrajectory
from decisionlog.auth.cursors import cursor_sealer
from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, fresh_database
from tests.e2e.client import GraphQLClient, Server
from tests.e2e.helpers import add_member, define_domain, grant, record, start

AUDIT = """query($after: String) { auditLog(first: 1, after: $after) {
  edges { cursor node { trajectoryId version event { type recordedBy } } }
  pageInfo { hasNextPage endCursor } } }"""
DECISIONS = """query($after: String) { decisions(first: 1, after: $after, order: OLDEST_FIRST) {
  edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }"""


def legacy(kind: str, position: int) -> str:
    """A cursor as issued before sealing."""
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode()


def walk(client: GraphQLClient, query: str, field: str) -> tuple[list[Any], list[str]]:
    """Every node of a list, one per page, and every cursor the pages gave."""
    nodes, cursors, after = [], [], None
    while True:
        data = client.execute(query, {"after": after})[field]
        nodes += [edge["node"] for edge in data["edges"]]
        cursors += [edge["cursor"] for edge in data["edges"]]
        cursors.append(data["pageInfo"]["endCursor"])
        after = data["pageInfo"]["endCursor"]
        if not data["pageInfo"]["hasNextPage"]:
            return nodes, cursors


def scenario(server: Server, busy_elsewhere: int) -> dict[str, Any]:
    """Our trajectory gets three decisions; between them another trajectory records
    `busy_elsewhere` changes. What a token scoped to ours reads, and its cursors."""
    facilitator = server.client(server.facilitator_token)
    ours, theirs = start(facilitator, "Ours"), start(facilitator, "Theirs")
    anna = add_member(facilitator, ours, "Anna", "lead")
    domain = define_domain(facilitator, ours, "Design")
    grant(facilitator, ours, domain, "DECIDES", member_id=anna)
    for n in range(3):
        record(facilitator, ours, domain, [anna], title=f"Step {n}")
        for m in range(busy_elsewhere):
            add_member(facilitator, theirs, f"Other {n}.{m}", "guest")
    scoped = server.client(server.create_token("facilitator", name="scoped",
                                               trajectories=[ours]))
    log_nodes, log_cursors = walk(scoped, AUDIT, "auditLog")
    decision_nodes, decision_cursors = walk(scoped, DECISIONS, "decisions")
    return {"ours": ours, "log": log_nodes, "log_cursors": log_cursors,
            "decisions": decision_nodes, "decision_cursors": decision_cursors}


@pytest.fixture(params=BACKENDS)
def make_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """Makes servers on fresh stores; `prefill(url)` runs before a server first starts."""
    with contextlib.ExitStack() as stack:
        def make(prefill: Any = None) -> Server:
            directory = tmp_path / f"store{len(stack._exit_callbacks)}"
            directory.mkdir()
            url = stack.enter_context(fresh_database(request.param, directory, prefix="seal"))
            if prefill is not None:
                prefill(url)
            server = Server(url, log_path=directory / "server.log")
            stack.callback(server.close)
            server.facilitator_token = server.create_token("facilitator", name="fac")
            return server.start()

        yield make


def test_a_scoped_tokens_cursors_reveal_nothing_of_other_trajectories(make_server: Any) -> None:
    quiet, busy = scenario(make_server(), 0), scenario(make_server(), 40)

    # The same answers, whatever the other trajectory did meanwhile
    assert [(n["version"], n["event"]) for n in quiet["log"]] == \
        [(n["version"], n["event"]) for n in busy["log"]]
    assert len(quiet["log"]) == 7  # start, member, domain, right, three decisions
    assert quiet["decisions"] == busy["decisions"]
    # ... and cursors that carry no position: no number, no list name, one length
    for run in (quiet, busy):
        for cursor in run["log_cursors"] + run["decision_cursors"]:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            assert len(raw) == 21 and raw[:1] == b"\x01"  # a version byte, 20 opaque ones
            assert b"auditlog" not in raw and b"decisions" not in raw
        lengths = {len(c) for c in run["log_cursors"] + run["decision_cursors"]}
        assert lengths == {len(quiet["log_cursors"][0])}
    assert set(quiet["log_cursors"]).isdisjoint(busy["log_cursors"])  # keys differ


def test_altered_and_foreign_cursors_are_refused(make_server: Any) -> None:
    server = make_server()
    run = scenario(server, 2)
    scoped = server.client(server.create_token("facilitator", name="scoped2",
                                               trajectories=[run["ours"]]))
    cursor = run["log_cursors"][2]
    resumed = scoped.execute(AUDIT, {"after": cursor})["auditLog"]["edges"]
    assert [e["node"]["version"] for e in resumed] == [3]  # after the second
    altered = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]
    for bad, list_query in ((altered, AUDIT), (run["decision_cursors"][0], AUDIT),
                            (cursor, DECISIONS), (legacy("auditlog", 1), AUDIT)):
        errors = scoped.post(list_query, {"after": bad})["errors"]
        assert errors and "cursor" in errors[0]["message"].casefold(), bad
        assert "Internal error" not in errors[0]["message"]


def test_cursors_issued_before_sealing_still_resume(make_server: Any) -> None:
    # A store written before this version, with the cursors it gave out then
    made: dict[str, Any] = {}

    def before(url: str) -> None:
        log = DecisionLog(env=parse_database_url(url).env)
        try:
            for n in range(3):
                log.handle(StartTrajectory(name=f"Older {n}"), recorded_by="fac")
            made["positions"] = log.recorder.max_notification_id()
        finally:
            log.close()

    server = make_server(before)
    fac = server.client(server.facilitator_token)
    assert made["positions"] == 3
    # The old cursor after the first event resumes at the second, as it did
    edges = fac.execute(AUDIT, {"after": legacy("auditlog", 1)})["auditLog"]["edges"]
    assert [e["node"]["event"]["type"] for e in edges] == ["TrajectoryStarted"]
    older = fac.execute("query($after: String) { trajectories(after: $after) "
                        "{ edges { node { name } } } }", {"after": legacy("trajectory", 1)})
    assert [e["node"]["name"] for e in older["trajectories"]["edges"]] == [
        "Older 1", "Older 2"]
    # New events get sealed cursors; an old-style one past the log's end when the key
    # was made is refused, so new positions cannot be probed by forging old cursors
    start(fac, "Newer")
    for query, kind in ((AUDIT, "auditlog"), (DECISIONS, "decisions")):
        errors = fac.post(query, {"after": legacy(kind, 4)})["errors"]
        assert errors and "cursor" in errors[0]["message"].casefold()
    # Every worker and host shares the key: another application on the store opens
    # what the server sealed
    sealed = fac.execute(AUDIT)["auditLog"]["edges"][0]["cursor"]
    log = DecisionLog(env=parse_database_url(server.database_url).env)
    try:
        assert cursor_sealer(log).open("auditlog", sealed) == 1
        assert cursor_sealer(log).legacy_limit == 3
    finally:
        log.close()
