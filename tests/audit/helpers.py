"""Trajectories to audit, and a hand on the SQLite file underneath them."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.audit.reader import AuditReader, open_reader
from decisionlog.domain.errors import DecisionLogError
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import Side
from decisionlog.infrastructure.config import parse_database_url

BY = "auditor-test"


class SnapshotEveryThird(DecisionLog):
    """The application, snapshotting every third event."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Trajectory: 3}


def open_app(path: Path | str) -> DecisionLog:
    """A fresh application on the SQLite file (no cache shared with another)."""
    return DecisionLog(env=parse_database_url(f"sqlite:///{path}").env)


def open_audit(path: Path | str) -> AuditReader:
    """The auditor's read-only reader of the SQLite file."""
    return open_reader(parse_database_url(f"sqlite:///{path}").env)


def run(app: DecisionLog, command: c.Command, *, by: str = BY, key: str | None = None
        ) -> str | None:
    """Handle one command through the application; the id it returns."""
    return app.handle(command, recorded_by=by, idempotency_key=key).result_id


def merger_story(app: DecisionLog, *, by: str = BY) -> UUID:
    """A trajectory with every kind of event: the merger from the source material."""
    tid = app.handle(c.StartTrajectory(name="Merger programme", client="Zorg & Welzijn",
                                       description="Two organisations become one."),
                     recorded_by=by, idempotency_key="start").trajectory_id

    def do(command: c.Command, key: str | None = None) -> str:
        return str(run(app, command, by=by, key=key))

    anna = do(c.AddMember(trajectory_id=str(tid),
                          name="Anna de Vries", role="HR lead", side="CLIENT",
                                        membership="CORE"), key="anna")
    bram = do(c.AddMember(trajectory_id=str(tid), name="Bram Ëlberg", role="programme manager",
                                        side="PROVIDER", membership="CORE"))
    cas = do(c.AddMember(trajectory_id=str(tid), name="Cas", role="learning facilitator",
                                       side="PROVIDER", membership="SPECIALIST"))
    design = do(c.DefineDomain(trajectory_id=str(tid), name="Programme design",
                                             description="The balance of unity and difference."))
    budget = do(c.DefineDomain(trajectory_id=str(tid), name="Budget", description=None))
    do(c.GrantRight(trajectory_id=str(tid),
                    domain_id=design, member_id=anna, role=None, right="DECIDES",
                                  condition="during the design phase"))
    do(c.GrantRight(trajectory_id=str(tid),
                    domain_id=design, member_id=None, role="programme manager",
                                  right="ADVISES", condition=None))
    do(c.GrantRight(trajectory_id=str(tid),
                    domain_id=design, member_id=cas, role=None, right="INFORMED",
                                  condition=None))
    budget_right = do(c.GrantRight(trajectory_id=str(tid),
                                   domain_id=budget, member_id=bram, role=None, right="DECIDES",
                                       condition="above 10k euro", effective_from=datetime(2026,
                                           1, 1, tzinfo=UTC)))
    first = do(c.RecordDecision(trajectory_id=str(tid),
                                domain_id=design, title="Keep two regional tracks",
                                    statement="Two tracks in year one.",
        rationale="The difference that makes the difference.", decided_by=[anna],
        consulted=[bram], options_considered=["one track", "two tracks"], scale="LARGE",
        kind="FRAME",
        decided_at=datetime.now(UTC) - timedelta(days=30)))
    merged = do(c.RecordDecision(trajectory_id=str(tid),
                        domain_id=design, title="Merge the tracks in year two",
                            statement="One track | later.",
        decided_by=[anna], supersedes=[first]))
    implicit = do(c.SurfaceImplicitDecision(trajectory_id=str(tid),
                                            domain_id=budget,
                                                title="No works council invitations",
                                                    statement="We stopped.",
        surfaced_by=cas, since=datetime(2026, 3, 1, tzinfo=UTC),
        evidence="Minutes of three sessions"))
    do(c.RatifyDecision(trajectory_id=str(tid), decision_id=implicit, ratified_by=[bram],
                                      rationale="Agreed afterwards"))
    other = do(c.SurfaceImplicitDecision(trajectory_id=str(tid),
                                         domain_id=design, title="Only the front end",
                                             statement="Cas does only the front end.",
        surfaced_by=anna))
    do(c.RejectDecision(trajectory_id=str(tid),
                        decision_id=other, rejected_by=[anna], reason="No."))
    gideon = do(c.RecordDecision(trajectory_id=str(tid),
                                 domain_id=budget, title="A Gideon's band",
                                     statement="A small group builds by doing.",
        decided_by=[cas]))
    do(c.WithdrawDecision(trajectory_id=str(tid), decision_id=gideon, withdrawn_by=[bram],
                                        reason="Out of mandate"))
    do(c.ChangeMember(trajectory_id=str(tid),
                      member_id=cas, role="programme manager", membership="CORE"))
    do(c.RevokeRight(trajectory_id=str(tid), right_id=budget_right, reason="Budget moves to HR"))
    do(c.RemoveMember(trajectory_id=str(tid), member_id=bram, reason="Left the provider"))
    do(c.RetireDomain(trajectory_id=str(tid), domain_id=budget, reason="Fixed budget"))
    # phases, a right for one phase, and who was told
    intake = do(c.DefinePhase(trajectory_id=str(tid), name="Intake"))
    design_phase = do(c.DefinePhase(trajectory_id=str(tid), name="Design",
                                    description="The design team | holds the design."))
    do(c.StartPhase(trajectory_id=str(tid), phase_id=intake))
    do(c.StartPhase(trajectory_id=str(tid), phase_id=design_phase))
    do(c.GrantRight(trajectory_id=str(tid), domain_id=design, member_id=cas, right="ADVISES",
                    phases=(design_phase,)))
    do(c.MarkInformed(trajectory_id=str(tid), decision_id=merged, member_ids=(cas,)))
    do(c.RetirePhase(trajectory_id=str(tid), phase_id=intake, reason="Intake is over"))
    return tid


def looking_back_story(app: DecisionLog, tid: UUID, *, by: str = BY) -> None:
    """Seven more events on a merger story: frames and looking back. A frame, a decision
    within it with a review date (moved), an outcome asking to adjust it, a
    reconfirmation, the frame redesigned and the decision moved to the new frame."""
    trajectory = app.get_trajectory(tid)
    assert trajectory is not None
    anna, cas = (next(m.id for m in trajectory.members.values() if m.name == name)
                 for name in ("Anna de Vries", "Cas"))
    design = next(d.id for d in trajectory.domains.values() if d.name == "Programme design")
    t = str(tid)

    def do(command: c.Command) -> str:
        return str(run(app, command, by=by))

    lines = do(c.RecordDecision(trajectory_id=t, domain_id=design, kind="FRAME",
                                title="Long lines", statement="Three modules in a year.",
                                decided_by=[anna]))
    mixed = do(c.RecordDecision(trajectory_id=t, domain_id=design, title="Mixed groups",
                                statement="Both organisations mix.", decided_by=[anna],
                                within_frames=[lines],
                                review_by=datetime(2031, 1, 1, tzinfo=UTC)))
    do(c.ScheduleReview(trajectory_id=t, decision_id=mixed,
                        review_by=datetime(2031, 3, 1, tzinfo=UTC)))
    do(c.RecordOutcome(trajectory_id=t, decision_id=mixed, verdict="ADJUST",
                       outcome="Groups split by origin.", observed_by=[cas]))
    do(c.ConfirmDecision(trajectory_id=t, decision_id=mixed, confirmed_by=[anna],
                         rationale="The split was the first week only."))
    new_lines = do(c.RecordDecision(trajectory_id=t, domain_id=design, kind="FRAME",
                                    title="Long lines, redesigned", decided_by=[anna],
                                    statement="Two modules in a year.", supersedes=[lines]))
    do(c.ReframeDecision(trajectory_id=t, decision_id=mixed, from_frame_id=lines,
                         to_frame_id=new_lines, reframed_by=[anna], reason="Still holds."))


def small_story(app: DecisionLog, events: int, *, name: str = "Small") -> UUID:
    """A trajectory of exactly `events` events: a start, then members joining."""
    tid = app.handle(c.StartTrajectory(name=name), recorded_by=BY).trajectory_id
    for n in range(events - 1):
        run(app, c.AddMember(trajectory_id=str(tid), name=f"Member {n}", role="client",
                             side=Side.CLIENT))
    return tid


def random_history(app: DecisionLog, steps: Sequence[tuple[int, int, str]]) -> UUID:
    """A valid history driven by `steps` (operation, choice, text); refused steps are skipped."""
    tid = app.handle(c.StartTrajectory(name="Random"), recorded_by=BY).trajectory_id
    for operation, choice, text in steps:
        current = app.get_trajectory(tid)
        assert current is not None
        try:
            run(app, _random_command(current, operation, choice, text),
                key=text if choice % 3 == 0 and text else None)
        except DecisionLogError:
            continue
    return tid


def _random_command(current: Trajectory, operation: int, choice: int, text: str
                    ) -> c.Command:
    tid = current.id
    rng = random.Random(choice)
    members = [m.id for m in current.members.values() if m.active] or ["nobody"]
    domains = [d.id for d in current.domains.values() if d.active] or ["nowhere"]
    decisions = list(current.decisions) or ["nothing"]
    rights = list(current.rights) or ["none"]
    commands: list[Callable[[], c.Command]] = [
        lambda: c.AddMember(trajectory_id=str(tid), name=text or "x", role=rng.choice(["a", "b"]),
                                  side=rng.choice(["CLIENT", "PROVIDER"]),
                                  membership="CORE"),
        lambda: c.DefineDomain(trajectory_id=str(tid),
                               name=f"{text} {choice}", description=text or None),
        lambda: c.GrantRight(trajectory_id=str(tid), domain_id=rng.choice(domains),
                                   member_id=rng.choice(members), role=None,
                                   right=rng.choice(["DECIDES", "ADVISES", "INFORMED"]),
                                   condition=text or None),
        lambda: c.GrantRight(trajectory_id=str(tid), domain_id=rng.choice(domains), member_id=None,
                                   role=rng.choice(["a", "b"]), right="DECIDES",
                                   condition=None),
        lambda: c.RecordDecision(trajectory_id=str(tid),
                                 domain_id=rng.choice(domains), title=text or "t",
                                     statement=text or "s",
            decided_by=[rng.choice(members)], options_considered=[text] if text else [],
            supersedes=[rng.choice(decisions)] if choice % 2 else [],
            decided_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=choice)),
        lambda: c.SurfaceImplicitDecision(trajectory_id=str(tid),
                                          domain_id=rng.choice(domains), title=text or "i",
                                              statement="s",
            surfaced_by=rng.choice(members), evidence=text or None),
        lambda: c.RatifyDecision(trajectory_id=str(tid), decision_id=rng.choice(decisions),
                                       ratified_by=[rng.choice(members)], rationale=text),
        lambda: c.WithdrawDecision(trajectory_id=str(tid), decision_id=rng.choice(decisions),
                                         withdrawn_by=[rng.choice(members)], reason=None),
        lambda: c.RevokeRight(trajectory_id=str(tid),
                              right_id=rng.choice(rights), reason=text or None),
        lambda: c.ChangeMember(trajectory_id=str(tid),
                               member_id=rng.choice(members), role=text or "c",
                                     membership=None),
        lambda: c.RemoveMember(trajectory_id=str(tid), member_id=rng.choice(members), reason=None),
    ]
    return commands[operation % len(commands)]()


@contextmanager
def stored_events(path: Path | str) -> Iterator[sqlite3.Connection]:
    """A direct connection to the file's `stored_events` table; commits on leaving."""
    with closing(sqlite3.connect(str(path))) as connection:
        yield connection
        connection.commit()


def state_of(connection: sqlite3.Connection, trajectory_id: UUID, version: int) -> bytes:
    row = connection.execute(
        "SELECT state FROM stored_events WHERE originator_id=? AND originator_version=?",
        (trajectory_id.hex, version)).fetchone()
    assert row is not None, f"no row for version {version}"
    return bytes(row[0])


def set_state(connection: sqlite3.Connection, trajectory_id: UUID, version: int,
              state: bytes) -> None:
    connection.execute(
        "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
        (state, trajectory_id.hex, version))



def delete(connection: sqlite3.Connection, trajectory_id: UUID, version: int) -> None:
    connection.execute(
        "DELETE FROM stored_events WHERE originator_id=? AND originator_version=?",
        (trajectory_id.hex, version))


def forge(connection: sqlite3.Connection, trajectory_id: UUID, version: int, state: bytes,
          *, like: int = 2) -> None:
    """Append a row at `version` holding `state`, with the topic of the row at `like`."""
    connection.execute(
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "SELECT originator_id, ?, topic, ? FROM stored_events "
        "WHERE originator_id=? AND originator_version=?",
        (version, state, trajectory_id.hex, like))
