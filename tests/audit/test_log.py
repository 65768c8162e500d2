"""The global audit log: commit order, keyset cursors that hold while events arrive, filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.audit.log import AuditPage, audit_log, decode_cursor, encode_cursor
from tests.audit.helpers import merger_story, run, small_story


def everything(app: DecisionLog, **filters: object) -> list[tuple[str, int]]:
    """Page through the whole log three at a time; (trajectory, version) in order."""
    seen: list[tuple[str, int]] = []
    after = None
    while True:
        page: AuditPage = audit_log(app, first=3, after=after, **filters)  # type: ignore[arg-type]
        seen += [(e.trajectory_id, e.version) for e in page.entries]
        assert len(page.entries) <= 3
        if not page.has_next_page:
            return seen
        after = decode_cursor(page.end_cursor)


def test_pages_give_every_event_once_in_commit_order(app: DecisionLog) -> None:
    first = small_story(app, 4, name="First")
    merger = merger_story(app)
    run(app, c.CloseTrajectory(trajectory_id=str(first), reason="Done"))
    expected = ([(str(first), v) for v in range(1, 5)] + [(str(merger), v) for v in range(1, 30)]
                + [(str(first), 5)])
    assert everything(app) == expected
    positions = [e.position for e in audit_log(app, first=100).entries]
    assert positions == sorted(positions) and len(positions) == 34


def test_a_saved_cursor_resumes_exactly_while_new_events_arrive(app: DecisionLog) -> None:
    tid = small_story(app, 5)
    page = audit_log(app, first=2)
    assert [e.version for e in page.entries] == [1, 2] and page.has_next_page
    saved = page.end_cursor
    other = small_story(app, 2, name="Arrives meanwhile")
    resumed = audit_log(app, first=100, after=decode_cursor(saved))
    assert [(e.trajectory_id, e.version) for e in resumed.entries] == (
        [(str(tid), v) for v in (3, 4, 5)] + [(str(other), 1), (str(other), 2)])
    assert not resumed.has_next_page
    idle = audit_log(app, first=10, after=resumed.end_position)
    assert idle.entries == [] and not idle.has_next_page
    assert idle.end_position == resumed.end_position  # poll again from here later


def test_filters_by_trajectory_type_recorder_and_time(app: DecisionLog) -> None:
    small = small_story(app, 3)
    merger = merger_story(app, by="someone else")
    assert everything(app, trajectory_id=str(small)) == [(str(small), v) for v in (1, 2, 3)]
    decisions = audit_log(app, first=100, types=["DecisionRecorded"]).entries
    assert [e.version for e in decisions] == [11, 12, 17]
    assert {e.trajectory_id for e in decisions} == {str(merger)}
    assert [e.version for e in audit_log(app, first=100, recorded_by=["someone else"],
                                         types=["MemberAdded"]).entries] == [2, 3, 4]
    later = datetime.now(UTC) + timedelta(hours=1)
    assert audit_log(app, first=100, from_=later).entries == []
    assert len(audit_log(app, first=100, to=later).entries) == 32


def test_a_selective_filter_reads_a_bounded_amount_and_still_moves_on(app: DecisionLog) -> None:
    merger_story(app)
    wanted = small_story(app, 2)
    page = audit_log(app, first=5, trajectory_id=wanted, scan_limit=10)
    assert page.entries == [] and page.has_next_page and page.end_position == 10
    rest = audit_log(app, first=5, trajectory_id=wanted, after=page.end_position)
    assert [e.version for e in rest.entries] == [1, 2] and not rest.has_next_page


def test_bad_arguments_are_refused_with_a_readable_message(app: DecisionLog) -> None:
    with pytest.raises(ValueError, match="not an audit log cursor"):
        decode_cursor("bm90IGEgY3Vyc29y")
    with pytest.raises(ValueError, match="not an audit log cursor"):
        decode_cursor("%%%")
    with pytest.raises(ValueError, match="Unknown event types: Nonsense"):
        audit_log(app, types=["Nonsense"])
    with pytest.raises(ValueError, match="first must be between 0 and 100"):
        audit_log(app, first=101)
    assert decode_cursor(encode_cursor(42)) == 42
    assert audit_log(app, trajectory_id=UUID(int=0)).entries == []
