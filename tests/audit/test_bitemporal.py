"""Known at T versus in force at T: a backdated decision is shown correctly in both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from decisionlog.application import commands as c
from decisionlog.domain.bitemporal import in_force_at
from tests.audit.helpers import open_app, run

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_a_decision_recorded_today_and_decided_last_month(tmp_path: Path) -> None:
    app = open_app(tmp_path / "bitemporal.db")
    tid = app.handle(c.StartTrajectory(name="Merger", client=None, description=None),
        recorded_by="x").trajectory_id
    anna = str(run(app, c.AddMember(trajectory_id=str(tid),
                                    name="Anna", role="HR lead", side="CLIENT", membership="CORE")))
    domain = str(run(app, c.DefineDomain(trajectory_id=str(tid), name="Design", description=None)))
    before_recording = datetime.now(UTC)
    old = str(run(app, c.RecordDecision(trajectory_id=str(tid),
                                        domain_id=domain, title="Two tracks", statement="s",
                                            decided_by=[anna],
        decided_at=T0)))
    new = str(run(app, c.RecordDecision(trajectory_id=str(tid),
                                        domain_id=domain, title="One track", statement="s",
                                            decided_by=[anna],
        decided_at=T0 + timedelta(days=10), supersedes=[old])))
    surfaced = str(run(app, c.SurfaceImplicitDecision(trajectory_id=str(tid),
                                                      domain_id=domain, title="No works council",
                                                          statement="s", surfaced_by=anna,
        since=T0 - timedelta(days=5))))
    now = app.get_trajectory(tid)
    assert now is not None

    # what was known just before it was recorded: nothing about either decision
    known_then = app.get_trajectory(tid, at=before_recording)
    assert known_then is not None and known_then.decisions == {}
    assert in_force_at(known_then, T0 + timedelta(days=1)) == []

    # what was in force, as known now: the old one between T0 and T0 + 10 days, then the new
    assert in_force_at(now, T0 - timedelta(days=1)) == []
    assert [d.id for d in in_force_at(now, T0 + timedelta(days=1))] == [old]
    assert [d.id for d in in_force_at(now, T0 + timedelta(days=10))] == [new]

    # a surfaced decision holds only once ratified, and then from when it began
    assert surfaced not in [d.id for d in in_force_at(now, T0)]
    run(app, c.RatifyDecision(trajectory_id=str(tid), decision_id=surfaced, ratified_by=[anna],
                                                 rationale=None))
    ratified = app.get_trajectory(tid)
    assert ratified is not None
    assert [d.id for d in in_force_at(ratified, T0)] == [old, surfaced]
