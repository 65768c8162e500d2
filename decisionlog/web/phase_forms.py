"""The forms of phases and of who was told: define, start and retire a phase, mark
people informed of a decision; and the field that limits a right to some phases
(`forms_catalogue.py` puts them in `FORMS`).

Choices come from the trajectory's state, as in `forms_catalogue.py`: the phases that
may be started or retired, the decisions with someone still to tell and, once a
decision is chosen (the link from its page or the board chooses it), the people still
to tell of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from decisionlog.application import commands as c
from decisionlog.web.forms import Choice, Done, Field, FormSpec
from decisionlog.web.render import day
from decisionlog.web.who_decides import waiting_to_be_told

if TYPE_CHECKING:
    from decisionlog.application.requests import CommandResult
    from decisionlog.domain.trajectory import Trajectory

PHASES = "Phases"
DECISIONS = "Decisions"  # the group of the decisions' forms in forms_catalogue.py


# Choices from the trajectory's state


def _last_start(t: Trajectory, phase_id: str) -> str:
    starts = [s.started_at for s in t.phase_starts if s.phase_id == phase_id]
    return f"last started {day(max(starts))}" if starts else "not started yet"


def startable(t: Trajectory) -> list[Choice]:
    current = t.current_phase_id()
    return [Choice(p.id, p.name, "current now" if p.id == current else _last_start(t, p.id))
            for p in t.phases_in_order() if p.active]


def retirable(t: Trajectory) -> list[Choice]:
    current = t.current_phase_id()
    return [Choice(p.id, p.name, _last_start(t, p.id)) for p in t.phases_in_order()
            if p.active and p.id != current]


def active_phases(t: Trajectory) -> list[Choice]:
    current = t.current_phase_id()
    return [Choice(p.id, p.name, "current now" if p.id == current else None)
            for p in t.phases_in_order() if p.active]


def decisions_to_tell(t: Trajectory) -> list[Choice]:
    waiting = waiting_to_be_told(t)
    return [Choice(d.id, d.title, "to tell: " + ", ".join(t.members[m].name
                                                         for m in waiting[d.id]))
            for d in reversed(t.decisions.values()) if d.id in waiting]


def members_to_tell(t: Trajectory) -> list[Choice]:
    """Everyone still to tell of some decision."""
    counts: dict[str, int] = {}
    for members in waiting_to_be_told(t).values():
        for m in members:
            counts[m] = counts.get(m, 0) + 1
    return [Choice(m.id, m.name, f"{m.role}; to tell of {counts[m.id]} decision"
                                 + ("" if counts[m.id] == 1 else "s"))
            for m in t.members.values() if m.id in counts]


def to_tell_of(t: Trajectory, decision_id: str) -> list[Choice] | None:
    """The members still to tell of the decision (None: no such decision)."""
    decision = t.decisions.get(decision_id)
    if decision is None:
        return None
    return [Choice(m, t.members[m].name, t.members[m].role) for m in t.to_inform(decision)]


# Availability and where to go once done


def _has_active_phases(t: Trajectory) -> bool:
    return any(p.active for p in t.phases.values())


def _has_retirable(t: Trajectory) -> bool:
    return bool(retirable(t))


def _has_someone_to_tell(t: Trajectory) -> bool:
    return bool(waiting_to_be_told(t))


def _phases(message: Callable[[str], str]) -> Callable[[Trajectory, CommandResult], Done]:
    def done(t: Trajectory, r: CommandResult) -> Done:
        return Done(f"/trajectories/{t.id}#phases", message(t.phases[r.result_id or ""].name))
    return done


def _told(t: Trajectory, r: CommandResult) -> Done:
    d = t.decisions[r.result_id or ""]
    return Done(f"/trajectories/{t.id}/decisions/{d.id}", f"Marked as told of: {d.title}")


# The field that limits a right to some phases (on the grant form)
RIGHT_PHASES = Field("phases", "In phases", "checkboxes", choices=active_phases,
                     hint="None ticked: the right holds in every phase (and before the "
                          "first one starts).")

PHASE_FORMS: tuple[FormSpec, ...] = (
    FormSpec(
        "mark-informed", "Mark people as told", "Mark as told", c.MarkInformed,
        group=DECISIONS, available=_has_someone_to_tell,
        intro="Record that people who hold a right to be informed of a decision were "
              "told of it.",
        fields=(
            Field("decision_id", "Decision", "select", required=True,
                  choices=decisions_to_tell, blank="Choose a decision…"),
            Field("member_ids", "Told", "checkboxes", required=True, choices=members_to_tell,
                  narrowed=to_tell_of, narrowed_by="decision_id",
                  hint="Who was told. Listed: everyone still to be told of a decision "
                       "(opened from a decision: of that one)."),
            Field("informed_at", "Told on (UTC)", "datetime",
                  hint="Leave empty for now; a past date records that they were told "
                       "earlier (not before it was decided)."),
        ),
        done=_told),
    FormSpec(
        "start-phase", "Start a phase", "Start the phase", c.StartPhase, group=PHASES,
        available=_has_active_phases,
        intro="From the moment it starts, the phase is the current one: decisions are "
              "judged by the rights that hold in it.",
        fields=(
            Field("phase_id", "Phase", "select", required=True, choices=startable,
                  blank="Choose a phase…"),
            Field("started_at", "Started on (UTC)", "datetime",
                  hint="Leave empty for now; a past date records a phase that began "
                       "earlier (not before the trajectory started)."),
        ),
        done=_phases(lambda name: f"Phase started: {name}")),
    FormSpec(
        "define-phase", "Define a phase", "Define the phase", c.DefinePhase, group=PHASES,
        intro="A phase of the design process (an intake, a design phase, a phase in "
              "which the line takes over) says when who decides: rights can hold in "
              "some phases only.",
        fields=(
            Field("name", "Name", required=True),
            Field("description", "Description", "textarea"),
            Field("order", "Place", "number",
                  hint="Optional: its place among the phases, a whole number (1, 2, 3…); "
                       "leave empty to put it after the others."),
        ),
        done=_phases(lambda name: f"Phase defined: {name}")),
    FormSpec(
        "retire-phase", "Retire a phase", "Retire the phase", c.RetirePhase,
        group=PHASES, available=_has_retirable,
        intro="A retired phase is not started again nor given new rights; when it held "
              "and the rights for it stay, to judge the decisions taken in it. The "
              "current phase cannot be retired: start the next one first.",
        fields=(
            Field("phase_id", "Phase", "select", required=True, choices=retirable,
                  blank="Choose a phase…"),
            Field("reason", "Reason", "textarea", hint="Optional: kept in the history."),
        ),
        done=_phases(lambda name: f"Phase retired: {name}")),
)
