"""Two times over HTTP: what was in force at a moment (decidedAt, valid time) against what
was known at a moment (asOf: {at}, recording time)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.client import GraphQLClient
from tests.e2e.helpers import add_member, assert_readable, define_domain, grant, record, start

IN_FORCE = """query($id: ID!, $asOf: AsOf, $at: DateTime!) { trajectory(id: $id, asOf: $asOf) {
  decisions(first: 100) { edges { node { id } } }
  decisionsInForceAt(at: $at) { id title decidedAt } } }"""


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def ask(client: GraphQLClient, tid: str, at: str, as_of: dict[str, Any] | None = None
        ) -> tuple[list[str], list[str]] | None:
    """(ids of decisions known, ids of those in force at `at`) of the trajectory as of
    `as_of`; None when the trajectory was not known then."""
    trajectory = client.execute(IN_FORCE, {"id": tid, "asOf": as_of, "at": at})["trajectory"]
    if trajectory is None:
        return None
    known = [edge["node"]["id"] for edge in trajectory["decisions"]["edges"]]
    return known, [d["id"] for d in trajectory["decisionsInForceAt"]]


def test_a_backdated_decision_was_in_force_before_anyone_knew_it(
        client: GraphQLClient) -> None:
    # A trajectory started today with a decision taken today
    tid = start(client)
    anna = add_member(client, tid, "Anna", "HR lead")
    design = define_domain(client, tid, "Design")
    grant(client, tid, design, "DECIDES", member_id=anna)
    today = record(client, tid, design, [anna], "Decided today")
    time.sleep(0.01)
    between = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    # Recorded later today: a decision taken last month, superseded a week ago
    last_month = record(client, tid, design, [anna], "Decided last month",
                        decidedAt=days_ago(30))
    week_ago = record(client, tid, design, [anna], "Decided a week ago",
                      decidedAt=days_ago(7), supersedes=[last_month])

    # In force two weeks ago, as now known: the backdated decision only
    assert ask(client, tid, days_ago(14)) == ([today, last_month, week_ago], [last_month])
    # ... but nothing was known two weeks ago: the trajectory had not even started
    assert ask(client, tid, days_ago(14), {"at": days_ago(14)}) is None
    # In force now: today's and the one that superseded last month's
    assert ask(client, tid, days_ago(0)) == ([today, last_month, week_ago], [today, week_ago])
    # Known at `between` (before the backdated ones were recorded): today's only, and
    # what that knowledge held in force at that moment
    assert ask(client, tid, between, {"at": between}) == ([today], [today])
    # while as now known, two decisions were in force at that same moment
    assert ask(client, tid, between) == ([today, last_month, week_ago], [today, week_ago])


def test_in_force_at_needs_a_utc_offset(client: GraphQLClient) -> None:
    tid = start(client)
    body = client.post(IN_FORCE, {"id": tid, "at": "2026-01-01T00:00:00"})
    assert_readable(body["errors"], "UTC offset")
