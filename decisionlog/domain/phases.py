"""Phases of the design process: the "when" of *who decides when about what*.

A trajectory defines its phases (intake, design, the line takes over, ...), retires the
ones it no longer uses, and moves through them: each `PhaseStarted` says from which
moment (`started_at`, valid time, which may be backdated like a decision's `decidedAt`)
a phase is the current one. The timeline is kept in valid time and in recorded time:
the phase current at a moment T is the one with the latest `started_at` at or before T,
among the starts the trajectory knows (as of a version or recorded moment, it knows only
the starts recorded by then). Two starts at the same moment: the one recorded later
wins, so a start given at the wrong phase is corrected by starting the right one at the
same moment. Before the first start no phase is current.

A right granted for some phases holds only while one of them is current; a right for no
phase in particular holds in every phase, and before any phase started (so a trajectory
without phases, such as every one recorded before phases existed, is judged as before).
A retired phase keeps its starts and the rights granted for it, for judging history; it
cannot be started again, nor named in a new right. The phase current now cannot be
retired (start the next one first), so the current phase is never a retired one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from decisionlog.domain import errors
from decisionlog.domain.events import TrajectoryEvent
from decisionlog.domain.validation import id_list, identifier, moment, name_text, optional_text
from decisionlog.domain.values import (
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_PHASE_ORDER,
    MAX_TEXT_LENGTH,
    Provenance,
)

if TYPE_CHECKING:
    from decisionlog.domain.trajectory import Trajectory


@dataclass(slots=True)
class Phase:
    """A phase of the design process; `order` places it among the others."""

    id: str
    name: str
    description: str | None
    order: int
    defined_at: datetime
    retired_at: datetime | None = None
    retired_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.retired_at is None

    def check_active(self) -> Phase:
        """This phase, if not retired: a retired phase is not started nor given rights."""
        if not self.active:
            raise errors.PhaseRetiredError(self.id, self.name)
        return self


@dataclass(slots=True)
class PhaseStart:
    """From `started_at` on (valid time) the phase is current; recorded at `recorded_at`."""

    phase_id: str
    started_at: datetime
    recorded_at: datetime


def phase_id_at(starts: Iterable[PhaseStart], moment: datetime) -> str | None:
    """The id of the phase current at `moment` by these starts (in recorded order), or
    None before the first one."""
    current: PhaseStart | None = None
    for start in starts:  # recorded order: at the same moment the later record wins
        if start.started_at <= moment and (
                current is None or start.started_at >= current.started_at):
            current = start
    return None if current is None else current.phase_id


# The events


class PhaseDefined(TrajectoryEvent):
    """A phase of the design process was defined."""

    phase_id: str
    name: str
    description: str | None
    order: int

    result_field = "phase_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.phases[self.phase_id] = Phase(
            id=self.phase_id, name=self.name, description=self.description,
            order=self.order, defined_at=self.timestamp)

    def summary(self) -> str:
        return f"Phase {self.name!r} defined"


class PhaseRetired(TrajectoryEvent):
    """A phase was retired: it is not started again; its history stays."""

    phase_id: str
    reason: str | None

    result_field = "phase_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.phases[self.phase_id] = replace(
            aggregate.phases[self.phase_id], retired_at=self.timestamp,
            retired_reason=self.reason)

    def summary(self) -> str:
        return f"Phase {self.phase_id} retired"


class PhaseStarted(TrajectoryEvent):
    """A phase became the current one, from `started_at` on."""

    phase_id: str
    started_at: datetime

    result_field = "phase_id"

    def apply_change(self, aggregate: Trajectory) -> None:
        aggregate.phase_starts = [*aggregate.phase_starts, PhaseStart(
            phase_id=self.phase_id, started_at=self.started_at, recorded_at=self.timestamp)]

    def summary(self) -> str:
        return f"Phase {self.phase_id} started at {self.started_at.isoformat()}"


# The commands and their rules, on the trajectory


class PhaseCommands:
    """The trajectory's phase commands and lookups (mixed into `Trajectory`)."""

    def define_phase(self: Trajectory, *, name: str, description: str | None,
                     order: int | None = None, provenance: Provenance,
                     now: datetime | None = None) -> str:
        """Define a phase; without `order`, it comes after every phase defined so far."""
        self._check_open()
        clean_name = name_text("name", name, MAX_NAME_LENGTH)
        self._check_name_free("phase", clean_name, self.phases)
        if order is None:
            order = max((p.order for p in self.phases.values()), default=0) + 1
        elif type(order) is not int or not 0 <= order <= MAX_PHASE_ORDER:
            raise errors.ValidationError(
                "order", f"order must be a whole number from 0 to {MAX_PHASE_ORDER}.")
        phase_id = str(uuid4())
        self._trigger(
            PhaseDefined, provenance, now, phase_id=phase_id, name=clean_name,
            description=optional_text("description", description, MAX_TEXT_LENGTH),
            order=order)
        return phase_id

    def retire_phase(self: Trajectory, *, phase_id: str, reason: str | None,
                     provenance: Provenance, now: datetime | None = None) -> str:
        """Retire a phase that is not the current one; its history stays."""
        self._check_open()
        phase = self._phase(phase_id).check_active()
        if self.current_phase_id() == phase.id:
            raise errors.PhaseIsCurrentError(phase.id, phase.name)
        self._trigger(PhaseRetired, provenance, now, phase_id=phase.id,
                      reason=optional_text("reason", reason, MAX_NOTE_LENGTH))
        return phase.id

    def start_phase(self: Trajectory, *, phase_id: str, started_at: datetime | None = None,
                    provenance: Provenance, now: datetime | None = None) -> str:
        """Make a phase the current one from `started_at` (default: now) on."""
        self._check_open()
        now = now or TrajectoryEvent.create_timestamp()
        start = moment("startedAt", started_at, now=now) or now
        phase = self._phase(phase_id).check_active()
        if start < self.created_on:
            raise errors.BeforeTrajectoryStartError("startedAt", self.created_on.isoformat())
        if phase_id_at(self.phase_starts, start) == phase.id:
            raise errors.PhaseAlreadyCurrentError(phase.id, phase.name)
        self._trigger(PhaseStarted, provenance, now, phase_id=phase.id, started_at=start)
        return phase.id

    # Reading the timeline

    def phase_at(self: Trajectory, moment: datetime) -> Phase | None:
        """The phase current at `moment` (valid time), as this trajectory knows it."""
        phase_id = phase_id_at(self.phase_starts, moment)
        return None if phase_id is None else self.phases[phase_id]

    def current_phase_id(self: Trajectory) -> str | None:
        """The id of the phase current at this state's last change (no start can be
        later: starts are never dated in the future)."""
        return phase_id_at(self.phase_starts, self.modified_on)

    def phases_in_order(self: Trajectory) -> list[Phase]:
        """Every phase (retired ones too) by `order`, then as defined."""
        return sorted(self.phases.values(), key=lambda p: p.order)

    # Lookups

    def _phase(self: Trajectory, phase_id: str, field: str = "phaseId") -> Phase:
        phase = self.phases.get(identifier(field, phase_id, "phase"))
        if phase is None:
            raise errors.PhaseNotFoundError(phase_id)
        return phase

    def _active_phases(self: Trajectory, field: str, ids: Iterable[str] | None) -> list[str]:
        """Distinct ids of active phases, in the given order (none: every phase)."""
        return [self._phase(i, field).check_active().id
                for i in id_list(field, ids, required=False, noun="phase")]
