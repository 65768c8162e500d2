"""Who may see and change what: the one place resolvers ask.

Every field that reaches trajectory data checks here, so a scoped token sees nothing
outside its trajectories through any path. How to use it in a new field:

- One trajectory's data (`trajectory(id)`, `verifyTrajectory(id)`, ...): answer as if it
  did not exist when the caller may not see it, so ids do not leak::

      if not may_read(info, trajectory_id):
          return None                      # or [] for a list field

- A list across trajectories (root `decisions`, `mandates`, `openImplicitDecisions`,
  `auditLog`, ...): pass the scope down to the query, so totals and pages count only
  what the caller may see::

      scope = read_scope(info)             # None: every trajectory; else a frozenset
      rows = read_model.decisions(..., trajectory_ids=scope)

- Integrity checks and the audit log are for auditors and facilitators::

      @strawberry.field(permission_classes=[MayAudit])
      def audit_log(self, info: Info, ...) -> ...:
          scope = read_scope(info)         # a scoped auditor sees its trajectories only

  and for one trajectory, `may_audit(info, trajectory_id)` (return None when False).
- Mutations: `denied = write_denied(info, trajectory_id)` (None to start a trajectory);
  return it (a `NotAuthorized` result) before anything is loaded or written.
"""

from __future__ import annotations

from typing import Any, TypeVar

from strawberry.permission import BasePermission

from decisionlog.api.context import Info
from decisionlog.api.errors import NotAuthorizedResult
from decisionlog.auth.principal import ROLES, Principal

S = TypeVar("S")
T = TypeVar("T")


def principal(info: Info) -> Principal:
    """Who makes the request."""
    return info.context.principal


def may_read(info: Info, trajectory_id: str) -> bool:
    """Whether the caller may see the trajectory."""
    return principal(info).may_read(str(trajectory_id))


def may_audit(info: Info, trajectory_id: str | None = None) -> bool:
    """Whether the caller may check the trajectory (None: every trajectory)."""
    return principal(info).may_audit(None if trajectory_id is None else str(trajectory_id))


def read_scope(info: Info) -> frozenset[str] | None:
    """The trajectory ids the caller may see: None for every trajectory.

    An unauthenticated principal (no role) gets an empty set: nothing.
    """
    who = principal(info)
    if who.role not in ROLES:
        return frozenset()
    return who.trajectories if who.is_scoped else None


def write_denied(info: Info, trajectory_id: str | None) -> NotAuthorizedResult | None:
    """The `NotAuthorized` result when the caller may not change the trajectory (None:
    may not start one); None when the change may go ahead."""
    who = principal(info)
    if who.may_write(None if trajectory_id is None else str(trajectory_id)):
        return None
    if not who.can_write:
        return NotAuthorizedResult(message=f"{who.name or 'An anonymous caller'!r} may not "
                                           f"record changes (role {who.role}).")
    if trajectory_id is None:
        return NotAuthorizedResult(
            message=f"{who.name!r} is limited to some trajectories and may not start one.")
    return NotAuthorizedResult(
        message=f"{who.name!r} may not change trajectory {trajectory_id}.")


class MayAudit(BasePermission):
    """Field permission: auditors and facilitators only (scope still applies to data)."""

    message = "Only auditors and facilitators may read integrity checks and the audit log."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return principal(info).can_audit

