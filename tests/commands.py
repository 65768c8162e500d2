"""Command objects by the name of the aggregate method they stand for, for tests that
choose their commands by name (the property tests, the application tests)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from decisionlog.application import commands as c

BY_NAME: dict[str, type[c.TrajectoryCommand]] = {
    "close": c.CloseTrajectory,
    "add_member": c.AddMember,
    "change_member": c.ChangeMember,
    "remove_member": c.RemoveMember,
    "define_domain": c.DefineDomain,
    "retire_domain": c.RetireDomain,
    "grant_right": c.GrantRight,
    "revoke_right": c.RevokeRight,
    "record_decision": c.RecordDecision,
    "surface_implicit_decision": c.SurfaceImplicitDecision,
    "ratify_decision": c.RatifyDecision,
    "reject_decision": c.RejectDecision,
    "withdraw_decision": c.WithdrawDecision,
    "reframe_decision": c.ReframeDecision,
    "confirm_decision": c.ConfirmDecision,
    "schedule_review": c.ScheduleReview,
    "record_outcome": c.RecordOutcome,
    "define_phase": c.DefinePhase,
    "retire_phase": c.RetirePhase,
    "start_phase": c.StartPhase,
    "mark_informed": c.MarkInformed,
}


def command(name: str, trajectory_id: str | UUID, /, **inputs: Any) -> c.TrajectoryCommand:
    """The command `name` on the trajectory, with these inputs (lists as tuples)."""
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in inputs.items()}
    return BY_NAME[name](trajectory_id=str(trajectory_id), **fields)
