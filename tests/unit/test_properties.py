"""Property: any sequence of commands either applies or raises a domain error, and the
stored events always rebuild the same trajectory.

A hypothesis state machine drives `DecisionLog` with random commands (valid ones, and
ones with unknown ids, blank text, bad enums, naive or future moments, wrong expected
versions, reused idempotency keys) over a few trajectories. Every step checks:

- a command either appends exactly one event (version + 1) or raises a
  `DecisionLogError` and writes nothing; an idempotent repeat writes nothing;
- a closed trajectory refuses every new command;
- replaying the stored events gives a trajectory equal to the live one, and their hash
  chain links up; `get_trajectory(id, version=v)` equals replaying the first v events;
- the review queue (and what is due for review) from the aggregates equals the one the
  read models give, live and after a rebuild of the views, and the queue as of any
  version equals the queue of a replay to that version.

Runs are short by default. `HYPOTHESIS_PROFILE=long` runs many more and longer examples.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import LRUCache
from hypothesis import HealthCheck, settings
from hypothesis import event as note
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from decisionlog.application import CommandResult, DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain import chain, events, mandate, reviews
from decisionlog.domain.errors import (
    DecisionLogError,
    IdempotencyKeyReusedError,
    TrajectoryClosedError,
    VersionConflictError,
)
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import (
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_TEXT_LENGTH,
    Side,
)
from decisionlog.infrastructure.config import parse_database_url
from decisionlog.readmodels import rebuild
from tests.commands import command
from tests.integration.scenario import dump_views
from tests.unit.helpers import replay, stored

# (examples, steps per example) for the in-memory and the SQLite machine.
PROFILES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "default": ((60, 40), (15, 25)),
    "long": ((500, 80), (60, 50)),
}
POPO_RUN, SQLITE_RUN = PROFILES.get(os.environ.get("HYPOTHESIS_PROFILE", "default"),
                                    PROFILES["default"])

SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
MAX_TRAJECTORIES = 3
BOGUS = "bogus-id"
# Look-alikes among them: "Аda" (Cyrillic А) and "Вudget" (Cyrillic В) are refused while
# "Ada" or "Budget" is active (CONFUSABLE_NAME), like "budget " beside "Budget".
MEMBER_NAMES = ["Ada", "Ben", "Cas", "Dee", "Аda"]
DOMAIN_NAMES = ["Programme design", "Budget", "budget ", "Participant selection",
                "Unity and difference", "The process design", "Вudget"]
TITLES = ["Keep two cultures", "Gideon's band builds it", "Front end only"]
PHASE_NAMES = ["Intake", "Design", "design ", "Line takes over"]
ROLES = ["client", "programme manager", "learning facilitator"]
# Values each kind of text must refuse (limits: decisionlog.domain.values).
LONG_NAME = "x" * (MAX_NAME_LENGTH + 1)
LONG_NOTE = "x" * (MAX_NOTE_LENGTH + 1)
LONG_TEXT = "x" * (MAX_TEXT_LENGTH + 1)
# Text no store can keep: NUL (PostgreSQL refuses it), lone surrogates (not UTF-8).
UNSTORABLE = ["with NUL \x00", "lone \ud800 surrogate", "\udfff"]
BAD_NAME = ["", "  ", LONG_NAME, *UNSTORABLE]  # required, at most MAX_NAME_LENGTH: names,
BAD_STATEMENT = ["", "  ", LONG_TEXT, *UNSTORABLE]  # roles, titles; at most MAX_TEXT_LENGTH
# Moments with no UTC equivalent: the edges of the calendar.
CALENDAR_EDGES = ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-14:00"]
KEYS = [None] * 12 + ["k1", "k2", "k3", "k4", "k5", "s1"]  # s1 also starts trajectories


class SnapshottingLog(DecisionLog):
    """`DecisionLog` taking a snapshot every few events, so that loads and reads as of a
    version go through snapshots too."""

    snapshotting_intervals = {Trajectory: 4}


def rarely(data: st.DataObject, one_in: int) -> bool:
    """True about once in `one_in` draws; shrinks to False.

    Hypothesis favours the ends of an integer range, so the rare value sits in the middle.
    """
    return bool(data.draw(st.integers(0, one_in - 1)) == one_in // 2)


class DecisionLogMachine(RuleBasedStateMachine):
    """Random commands on a few trajectories of one `DecisionLog`."""

    store: ClassVar[str] = "popo"

    def __init__(self) -> None:
        super().__init__()
        self.directory: str | None = None
        if self.store == "sqlite":  # in memory-backed /dev/shm where there is one: no fsync waits
            self.directory = tempfile.mkdtemp(prefix="decisionlog-props-", dir=SCRATCH)
            self.env = parse_database_url(f"sqlite:///{self.directory}/log.db").env
        else:
            self.env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        self.app = self.open()
        self.trajectories: list[UUID] = []
        self.known: dict[UUID, dict[str, list[str]]] = {}
        self.closed: set[UUID] = set()
        self.versions: dict[UUID, int] = {}  # the version each trajectory should be at
        self.field = self.bad_field = 0  # which input of the current command is made bad
        self.bad_drawn = False  # whether the current command got a bad value
        # (trajectory, key) -> (command, inputs, first result), for keyed commands that applied
        self.keyed: dict[tuple[UUID, str], tuple[str, dict[str, Any], CommandResult]] = {}
        self.started: dict[tuple[str, str], tuple[str, UUID]] = {}

    def open(self) -> DecisionLog:
        return SnapshottingLog(env=self.env)

    def teardown(self) -> None:
        self.views_equal_a_rebuild_and_the_aggregates()
        longest = max(self.versions.values(), default=0)
        note(f"longest stream: {'<10' if longest < 10 else '<20' if longest < 20 else '20+'}")
        self.app.close()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)

    # Helpers

    def stored(self, tid: UUID) -> list[events.TrajectoryEvent]:
        return stored(self.app, tid)

    def either(self, data: st.DataObject, good: list[Any], bad: list[Any]) -> Any:
        """One of the good values, or of the bad ones if this is the command's bad field.

        Every bad value must make the command fail, whatever the other inputs are.
        """
        self.field += 1
        if self.field == self.bad_field:
            self.bad_drawn = True
            return data.draw(st.sampled_from(bad))
        return data.draw(st.sampled_from(good))

    def pick(self, data: st.DataObject, kind: str, tid: UUID) -> str:
        """Mostly a known id of the kind; now and then an unknown one or one of another kind."""
        pool = self.known[tid][kind]
        other = [i for k, ids in self.known[tid].items() if k != kind for i in ids]
        return str(self.either(data, pool or [BOGUS], [*other, BOGUS, ""]))

    def pick_many(self, data: st.DataObject, kind: str, tid: UUID) -> list[str]:
        pool = self.known[tid][kind]
        if pool and data.draw(st.integers(0, 9)) != 0:
            ids: list[str] = data.draw(st.lists(st.sampled_from(pool), min_size=1,
                                                max_size=2, unique=True))
            return ids
        return [self.pick(data, kind, tid) for _ in range(data.draw(st.integers(0, 2)))]

    def moment(self, data: st.DataObject, *, future_allowed: bool = False,
               recent: bool = False) -> datetime | None:
        """A moment; `recent`: "past" is within the last minute (a phase may not start
        before its trajectory), and "long ago" is refused by the rules, not the input."""
        now = datetime.now(UTC)
        good, bad = ["none", "none", "past", "long ago"], ["future", "naive", *CALENDAR_EDGES]
        if future_allowed:
            good, bad = [*good, "future"], ["naive", *CALENDAR_EDGES]
        which = self.either(data, good, bad)
        if which in CALENDAR_EDGES:
            return datetime.fromisoformat(which)
        return {
            "none": None,
            "past": now - timedelta(seconds=data.draw(st.integers(0, 60 if recent else 3600)),
                                    microseconds=data.draw(st.integers(0, 999_999))),
            "long ago": now - timedelta(days=data.draw(st.integers(1, 3000))),
            "future": now + timedelta(days=1),
            "naive": now.replace(tzinfo=None),
        }[which]

    def frames(self, data: st.DataObject, tid: UUID) -> list[str]:
        """Mostly none; now and then a known decision (often not a frame in force: then
        the command is refused, which is what it must do), or an unknown one."""
        if not self.known[tid]["decision"] or data.draw(st.integers(0, 2)) == 0:
            return []
        frames = [d.id for d in self.live(tid).decisions.values()
                  if d.kind == "FRAME" and d.status == "IN_FORCE"]
        if frames and data.draw(st.booleans()):
            return [data.draw(st.sampled_from(frames))]
        return [self.pick(data, "decision", tid)]

    def live(self, tid: UUID) -> Trajectory:
        trajectory = self.app.get_trajectory(tid)
        assert trajectory is not None
        return trajectory

    def command(self, data: st.DataObject, tid: UUID) -> tuple[str, dict[str, Any]]:
        """A random command and its inputs; about one in four has one bad field."""
        self.field = 0
        self.bad_field = data.draw(st.integers(1, 8)) if rarely(data, 4) else 0
        self.bad_drawn = False
        known = self.known[tid]
        names = ["add_member", "define_domain"] * 2
        if known["member"] and known["domain"]:
            names += ["grant_right"] * 4 + ["record_decision"] * 4 + [
                "surface_implicit_decision"] * 2
        if known["member"]:
            names += ["change_member", "remove_member"]
        if known["domain"]:
            names += ["retire_domain"]
        if known["right"]:
            names += ["revoke_right"]
        if known["decision"]:
            names += ["ratify_decision", "ratify_decision", "reject_decision",
                      "withdraw_decision", "mark_informed", "mark_informed",
                      "reframe_decision", "confirm_decision", "confirm_decision",
                      "schedule_review", "record_outcome", "record_outcome"]
        names += ["define_phase"]
        if known["phase"]:
            names += ["start_phase", "start_phase", "retire_phase"]
        name = data.draw(st.sampled_from(names))
        if rarely(data, 150):
            name = "close"  # closing ends a trajectory's run: keep it rare

        def text(good: list[str], bad: list[str] = BAD_NAME) -> str:
            return str(self.either(data, good, bad))

        def reason() -> str | None:  # a blank note counts as none
            value: str | None = self.either(data, [None, "Because", " "],
                                            [LONG_NOTE, *UNSTORABLE])
            return value

        inputs: dict[str, Any]
        if name == "add_member":
            inputs = dict(name=text(MEMBER_NAMES), role=text(ROLES),
                          side=self.either(data, ["CLIENT", "PROVIDER"], ["VENDOR"]),
                          membership=self.either(data, ["CORE", "SPECIALIST"], ["GUEST"]))
        elif name == "change_member":
            inputs = dict(member_id=self.pick(data, "member", tid),
                          role=self.either(data, [*ROLES, None, " "], [LONG_NAME]),
                          membership=self.either(data, [None, "CORE", "SPECIALIST"], ["x"]))
        elif name == "remove_member":
            inputs = dict(member_id=self.pick(data, "member", tid), reason=reason())
        elif name == "define_domain":
            inputs = dict(name=text(DOMAIN_NAMES),
                          description=self.either(data, [None, "About money"], [LONG_TEXT]))
        elif name == "retire_domain":
            inputs = dict(domain_id=self.pick(data, "domain", tid), reason=reason())
        elif name == "grant_right":
            holder = self.either(data, ["member", "member", "role"], ["both", "neither"])
            inputs = dict(
                domain_id=self.pick(data, "domain", tid),
                member_id=(self.pick(data, "member", tid)
                           if holder in ("member", "both") else None),
                role=text(ROLES) if holder in ("role", "both") else None,
                right=self.either(data, ["DECIDES", "DECIDES", "ADVISES", "INFORMED"],
                                  ["VETO"]),
                condition=self.either(data, [None, None, "above 10k euro"], [LONG_NOTE]),
                effective_from=self.moment(data, future_allowed=True),
            )
            if known["phase"] and data.draw(st.booleans()):
                inputs["phases"] = [self.pick(data, "phase", tid)]
        elif name == "revoke_right":
            inputs = dict(right_id=self.pick(data, "right", tid), reason=reason())
        elif name == "record_decision":
            supersede = data.draw(st.integers(0, 3)) == 0 and bool(known["decision"])
            inputs = dict(
                domain_id=self.pick(data, "domain", tid), title=text(TITLES),
                statement=text(["We keep both."], BAD_STATEMENT),
                decided_by=self.pick_many(data, "member", tid),
                consulted=self.pick_many(data, "member", tid)
                if data.draw(st.booleans()) else [],
                scale=self.either(data, ["SMALL", "LARGE"], ["HUGE"]),
                kind=self.either(data, ["DECISION", "FRAME"], ["RULE"]),
                decided_at=self.moment(data),
                supersedes=[self.pick(data, "decision", tid)] if supersede else [],
                within_frames=self.frames(data, tid),
                review_by=self.moment(data, future_allowed=True),
            )
        elif name == "surface_implicit_decision":
            inputs = dict(
                domain_id=self.pick(data, "domain", tid), title=text(TITLES),
                statement="We stopped inviting the works council.",
                surfaced_by=self.pick(data, "member", tid), since=self.moment(data),
                evidence=self.either(data, [None, "minutes of 3 May"], [LONG_TEXT]),
                within_frames=self.frames(data, tid),
            )
        elif name in ("ratify_decision", "reject_decision", "withdraw_decision"):
            field = {"ratify_decision": "ratified_by", "reject_decision": "rejected_by",
                     "withdraw_decision": "withdrawn_by"}[name]
            note_field = "rationale" if name == "ratify_decision" else "reason"
            inputs = {"decision_id": self.pick(data, "decision", tid),
                      field: self.pick_many(data, "member", tid), note_field: reason()}
            if name == "ratify_decision":
                inputs["review_by"] = self.moment(data, future_allowed=True)
        elif name == "reframe_decision":
            inputs = dict(decision_id=self.pick(data, "decision", tid),
                          from_frame_id=self.pick(data, "decision", tid),
                          to_frame_id=self.pick(data, "decision", tid),
                          reframed_by=self.pick_many(data, "member", tid), reason=reason())
        elif name == "confirm_decision":
            inputs = dict(decision_id=self.pick(data, "decision", tid),
                          confirmed_by=self.pick_many(data, "member", tid),
                          rationale=reason(),
                          review_by=self.moment(data, future_allowed=True))
        elif name == "schedule_review":
            when = self.moment(data, future_allowed=True)
            inputs = dict(decision_id=self.pick(data, "decision", tid),
                          review_by=when if when is not None else self.either(
                              data, [datetime.now(UTC) + timedelta(days=30)], [None]))
        elif name == "record_outcome":
            inputs = dict(decision_id=self.pick(data, "decision", tid),
                          outcome=text(["Groups split by origin."], BAD_STATEMENT),
                          verdict=self.either(data, ["CONFIRMED", "ADJUST", "REVERSE"],
                                              ["MAYBE"]),
                          observed_at=self.moment(data),
                          observed_by=self.pick_many(data, "member", tid)
                          if data.draw(st.booleans()) else [])
        elif name == "define_phase":
            inputs = dict(name=text(PHASE_NAMES),
                          description=self.either(data, [None, "Getting to know"], [LONG_TEXT]),
                          order=self.either(data, [None, None, 0, 7], [-1, 1_000_001]))
        elif name == "retire_phase":
            inputs = dict(phase_id=self.pick(data, "phase", tid), reason=reason())
        elif name == "start_phase":
            inputs = dict(phase_id=self.pick(data, "phase", tid),
                          started_at=self.moment(data, recent=True))
        elif name == "mark_informed":  # mostly someone who has to be told of it
            decision_id = self.pick(data, "decision", tid)
            t = self.app.get_trajectory(tid)
            decision = None if t is None else t.decisions.get(decision_id)
            waiting = [] if t is None or decision is None else t.to_inform(decision)
            inputs = dict(decision_id=decision_id,
                          member_ids=([data.draw(st.sampled_from(waiting))]
                                      if waiting and data.draw(st.booleans())
                                      else self.pick_many(data, "member", tid)),
                          informed_at=self.moment(data, recent=True))
        else:
            inputs = dict(reason=reason())
        return name, inputs

    def execute(self, tid: UUID, name: str, inputs: dict[str, Any], *,
                expected: int | None, key: str | None) -> CommandResult:
        return self.app.handle(command(name, tid, **inputs), recorded_by="prop",
                               expected_version=expected, idempotency_key=key)

    def remember(self, tid: UUID, name: str, result: CommandResult) -> None:
        kind = {"add_member": "member", "define_domain": "domain", "grant_right": "right",
                "record_decision": "decision", "surface_implicit_decision": "decision",
                "define_phase": "phase"}.get(name)
        if kind is not None and result.result_id is not None:
            self.known[tid][kind].append(result.result_id)
        if name == "close":
            self.closed.add(tid)

    # Rules

    @initialize()
    def first_trajectory(self) -> None:
        self.start_trajectory(name="Merger programme", by="ann", key=None)

    @precondition(lambda self: len(self.trajectories) < MAX_TRAJECTORIES)
    @rule(name=st.sampled_from(["Merger programme", "Gideon's band", " "]),
          by=st.sampled_from(["ann", "bob"]), key=st.sampled_from([None, "s1", "s2"]))
    def start_trajectory(self, name: str, by: str, key: str | None) -> None:
        before = self.app.readmodels.trajectories(first=100).total_count
        try:
            result = self.app.handle(c.StartTrajectory(name=name), recorded_by=by,
                                     idempotency_key=key)
        except DecisionLogError as error:
            first = self.started.get((by, key or ""))
            assert isinstance(error, IdempotencyKeyReusedError) == (
                first is not None and first[0] != name)
            assert self.app.readmodels.trajectories(first=100).total_count == before
            return
        if key is not None and (by, key) in self.started:
            assert self.started[(by, key)] == (name, result.trajectory_id)
            assert result.repeated
            assert self.app.readmodels.trajectories(first=100).total_count == before
            return
        assert (result.version, result.repeated) == (1, False)
        if key is not None:
            self.started[(by, key)] = (name, result.trajectory_id)
        self.trajectories.append(result.trajectory_id)
        self.versions[result.trajectory_id] = 1
        self.known[result.trajectory_id] = {"member": [], "domain": [], "right": [],
                                            "decision": [], "phase": []}

    @rule(data=st.data())
    def run_commands(self, data: st.DataObject) -> None:
        for _ in range(data.draw(st.integers(1, 4))):
            self.run_a_command(data)

    def run_a_command(self, data: st.DataObject) -> None:
        tid = data.draw(st.sampled_from(self.trajectories))
        name, inputs = self.command(data, tid)
        before = self.versions[tid]
        expected = self.either(data, [None, None, None, before], [before - 1, before + 1])
        key = data.draw(st.sampled_from(KEYS))
        first = self.keyed.get((tid, key)) if key is not None else None
        try:
            result = self.execute(tid, name, inputs, expected=expected, key=key)
        except DecisionLogError as error:
            note(f"{name}: {type(error).__name__}")
            if first is not None:
                assert isinstance(error, IdempotencyKeyReusedError)
                assert (first[0], first[1]) != (name, inputs)
            elif expected is not None and expected != before:
                assert isinstance(error, VersionConflictError)
                assert (error.expected_version, error.actual_version) == (expected, before)
            elif tid in self.closed:
                assert isinstance(error, TrajectoryClosedError)
            else:
                assert not isinstance(error, (IdempotencyKeyReusedError, VersionConflictError,
                                              TrajectoryClosedError))
            return
        note(f"{name}: {'repeated' if result.repeated else 'applied'}")
        if first is not None:
            assert (first[0], first[1]) == (name, inputs)
            assert result == CommandResult(tid, first[2].version, first[2].result_id,
                                           repeated=True)
            return
        assert not self.bad_drawn, ("a command with a bad value applied", name, inputs,
                                    expected)
        assert tid not in self.closed, "a closed trajectory accepted a change"
        assert expected is None or expected == before
        assert (result.trajectory_id, result.version, result.repeated) == (
            tid, before + 1, False)
        self.versions[tid] = before + 1
        self.remember(tid, name, result)
        if key is not None:
            self.keyed[(tid, key)] = (name, inputs, result)

    @precondition(lambda self: bool(self.keyed))
    @rule(data=st.data())
    def repeat_a_keyed_command(self, data: st.DataObject) -> None:
        (tid, key), (name, inputs, first) = data.draw(st.sampled_from(sorted(
            self.keyed.items(), key=lambda item: (str(item[0][0]), item[0][1]))))
        result = self.execute(tid, name, inputs, expected=None, key=key)
        assert result == CommandResult(tid, first.version, first.result_id, repeated=True)

    @rule(data=st.data())
    def read_as_of_a_version(self, data: st.DataObject) -> None:
        tid = data.draw(st.sampled_from(self.trajectories))
        version = data.draw(st.integers(0, self.versions[tid]))
        stream = list(self.app.history(tid, up_to=version))
        as_of = self.app.get_trajectory(tid, version=version)
        assert as_of == (replay(stream) if stream else None)
        if as_of is not None:  # what it answers and its review queue, as a replay does
            assert answers(as_of) == answers(replay(stream))
            assert queue_of(as_of) == queue_of(replay(stream))

    @rule(data=st.data())
    def read_as_of_a_moment(self, data: st.DataObject) -> None:
        """As recorded at the moment of an event: the events recorded by then, replayed."""
        tid = data.draw(st.sampled_from(self.trajectories))
        stream = self.stored(tid)
        moment = data.draw(st.sampled_from(stream)).timestamp
        known = [e for e in stream if e.timestamp <= moment]
        as_of = self.app.get_trajectory(tid, at=moment)
        assert as_of is not None and as_of == replay(known)
        assert answers(as_of) == answers(replay(known))

    @rule(data=st.data())
    def frame_a_decision(self, data: st.DataObject) -> None:
        """A valid decision or frame, within a frame in force now and then: the ground
        the frame rules below need, which random commands reach only rarely."""
        tid = data.draw(st.sampled_from(self.trajectories))
        if tid in self.closed:
            return
        t = self.live(tid)
        members = [m.id for m in t.members.values() if m.active] or [self.ground(
            tid, c.AddMember(trajectory_id=str(tid), name="Frame keeper", role="client",
                             side=Side.CLIENT))]
        domains = [d.id for d in t.domains.values() if d.active] or [self.ground(
            tid, c.DefineDomain(trajectory_id=str(tid), name="Long lines"))]
        frames = in_force_frames(t)
        within = [data.draw(st.sampled_from(frames))] if frames and data.draw(
            st.integers(0, 3)) else []
        result = self.app.handle(c.RecordDecision(
            trajectory_id=str(tid), domain_id=data.draw(st.sampled_from(domains)),
            title="Framed", statement="Within bounds.",
            decided_by=(data.draw(st.sampled_from(members)),),
            kind=data.draw(st.sampled_from(["FRAME", "FRAME", "DECISION"])),
            within_frames=tuple(within)), recorded_by="prop")
        self.versions[tid] += 1
        self.remember(tid, "record_decision", result)

    def ground(self, tid: UUID, command: c.TrajectoryCommand) -> str:
        """Carry out a command that must apply; the id it made."""
        result = self.app.handle(command, recorded_by="prop")
        self.versions[tid] += 1
        name = "add_member" if isinstance(command, c.AddMember) else "define_domain"
        self.remember(tid, name, result)
        return result.result_id or ""

    @rule(data=st.data())
    def redesign_a_frame(self, data: st.DataObject) -> None:
        """Superseding or withdrawing a frame puts exactly the open decisions that lie
        within it (directly, or through frames in force within it) up for review."""
        tid = data.draw(st.sampled_from(self.trajectories))
        t = self.live(tid)
        members = [m.id for m in t.members.values() if m.active]
        frames = in_force_frames(t)
        if tid in self.closed or not members or not frames:
            return
        frame = data.draw(st.sampled_from(frames))
        reached = reached_by(t, frame)
        by = (members[0],)
        if data.draw(st.booleans()):
            command: c.TrajectoryCommand = c.WithdrawDecision(
                trajectory_id=str(tid), decision_id=frame, withdrawn_by=by)
        else:
            domains = [d.id for d in t.domains.values() if d.active]
            if not domains:
                return
            command = c.RecordDecision(
                trajectory_id=str(tid), domain_id=domains[0], title="Redesigned",
                statement="A new frame.", decided_by=by, kind="FRAME", supersedes=(frame,))
        result = self.app.handle(command, recorded_by="prop")
        self.versions[tid] += 1
        self.remember(tid, "record_decision" if isinstance(command, c.RecordDecision)
                      else "withdraw_decision", result)
        after = self.live(tid)
        put_up = {d for d, reasons in queue_of(after).items()
                  if any(reason[1] == result.version for reason in reasons)}
        note(f"a frame change put {'nothing' if not put_up else 'some'} up for review")
        assert put_up == {d for d in reached if after.decisions[d].status == "IN_FORCE"}

    @rule()
    def rebuild_the_read_models(self) -> None:
        rebuild(self.app, batch_size=5)

    @rule()
    def restart(self) -> None:
        """Forget every trajectory held in memory, as a restarted server would."""
        if self.store == "sqlite":
            self.app.close()
            self.app = self.open()
        else:  # the in-memory store lives in the application: empty its cache instead
            self.app.repository.cache = LRUCache(maxsize=1000)

    def views_equal_a_rebuild_and_the_aggregates(self) -> None:
        """The read models written live equal a rebuild from the log, and each decision's
        phase and consultation gaps there are what the trajectory says."""
        live = dump_views(self.app)
        rebuild(self.app)
        assert dump_views(self.app) == live
        rows = self.app.readmodels.decisions(first=1000).rows
        expected = {}
        for tid in self.trajectories:
            t = self.app.get_trajectory(tid)
            assert t is not None
            for d in t.decisions.values():
                expected[(str(tid), d.id)] = (mandate.decision_phase_id(t, d),
                                              len(t.not_consulted(d)))
        assert {(r.trajectory_id, r.id): (r.phase_id, r.not_consulted)
                for r in rows} == expected

    # Invariants

    @invariant()
    def stored_events_rebuild_the_live_trajectory(self) -> None:
        """Exactly the applied commands were stored; replaying them gives the live state."""
        for tid in self.trajectories:
            stream = self.stored(tid)
            assert [e.originator_version for e in stream] == list(
                range(1, self.versions[tid] + 1))
            live = self.app.get_trajectory(tid)
            assert live is not None
            assert live.version == self.versions[tid]
            assert replay(stream) == live
            previous = chain.genesis_digest(tid)  # and the hash chain links up
            for event in stream:
                assert event.previous_digest == previous
                assert event.digest == chain.record_digest(event.chain_record())
                previous = event.digest


    @invariant()
    def the_read_models_give_the_aggregates_review_queue(self) -> None:
        """The queue (and what is due) read from the views equals the aggregates'."""
        expected: dict[tuple[str, str], Any] = {}
        due: set[tuple[str, str]] = set()
        before = datetime.now(UTC) + timedelta(days=2)
        for tid in self.trajectories:
            live = self.live(tid)
            expected.update({(str(tid), d): q for d, q in queue_of(live).items()})
            due |= {(str(tid), d.id) for d in reviews.due_for_review(live, before)}
        note(f"review queue: {'empty' if not expected else 'some'}, due: {bool(due)}")
        rows = self.app.readmodels.up_for_review(first=1000).rows
        assert {(r.trajectory_id, r.id): tuple(
            (x.kind, x.version, x.frame_id, x.through_id, x.cause_id)
            for x in r.review_reasons) for r in rows} == expected
        assert {(r.trajectory_id, r.id) for r in self.app.readmodels.due_for_review(
            before, first=1000).rows} == due


def in_force_frames(trajectory: Trajectory) -> list[str]:
    return [d.id for d in trajectory.decisions.values()
            if d.kind == "FRAME" and d.status == "IN_FORCE"]


def reached_by(trajectory: Trajectory, frame: str) -> set[str]:
    """The open decisions within the frame, directly or through frames in force within
    it (written apart from `reviews.frame_change_reach`, to check it)."""
    found: set[str] = set()
    frontier = [frame]
    while frontier:
        parent = frontier.pop()
        for d in trajectory.decisions.values():
            if parent in d.within_frames and d.id != frame and d.id not in found \
                    and d.status in ("IN_FORCE", "PROPOSED_IMPLICIT"):
                found.add(d.id)
                if d.kind == "FRAME" and d.status == "IN_FORCE":
                    frontier.append(d.id)
    return found


def queue_of(trajectory: Trajectory) -> dict[str, tuple[tuple[Any, ...], ...]]:
    """decision id -> its open reasons (kind, version, frame, through frame, cause)."""
    return {item.decision.id: tuple((r.kind, r.version, r.frame_id, r.through_id,
                                     r.cause_id) for r in item.reasons)
            for item in reviews.review_queue(trajectory)}


class SQLiteDecisionLogMachine(DecisionLogMachine):
    store = "sqlite"


TestDecisionLogInMemory = DecisionLogMachine.TestCase
TestDecisionLogInMemory.settings = settings(
    max_examples=POPO_RUN[0], stateful_step_count=POPO_RUN[1], deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

TestDecisionLogOnSQLite = SQLiteDecisionLogMachine.TestCase
TestDecisionLogOnSQLite.settings = settings(
    max_examples=SQLITE_RUN[0], stateful_step_count=SQLITE_RUN[1], deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def answers(t: Trajectory) -> tuple[Any, ...]:
    """What a trajectory answers about phases, mandates and consultation."""
    current = t.current_phase_id()
    return (
        current,
        [(row.domain.id, [r.id for r in row.decides], [r.id for r in row.advises])
         for row in t.who_decides_what()],
        [d.id for d in t.gaps()],
        [d.id for d in t.out_of_mandate()],
        [(d.id, t.not_consulted(d), t.to_inform(d)) for d in t.consultation_gaps()],
        [(d.id, t.mandate_gap(d)) for d in t.decisions.values()],
    )
