"""Errors the domain raises on purpose: one class per broken rule, each with a stable code."""

from __future__ import annotations

from typing import ClassVar


class DecisionLogError(Exception):
    """Raised when a command cannot be carried out; nothing was changed."""

    code: ClassVar[str] = "DECISIONLOG_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DecisionLogError):
    """Raised when an input field is empty, too long or malformed."""

    code = "VALIDATION_ERROR"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(DecisionLogError):
    """Raised when an id names nothing of its kind."""

    code = "NOT_FOUND"
    kind: ClassVar[str] = "thing"

    def __init__(self, id: str) -> None:
        super().__init__(f"No {self.kind} with id {id!r}.")
        self.id = id


class TrajectoryNotFoundError(NotFoundError):
    """Raised when no trajectory has the given id."""

    kind = "trajectory"


class MemberNotFoundError(NotFoundError):
    """Raised when the trajectory has no member with the given id."""

    kind = "member"


class DomainNotFoundError(NotFoundError):
    """Raised when the trajectory has no decision domain with the given id."""

    kind = "decision domain"


class RightNotFoundError(NotFoundError):
    """Raised when the trajectory has no decision right with the given id."""

    kind = "decision right"


class DecisionNotFoundError(NotFoundError):
    """Raised when the trajectory has no decision with the given id."""

    kind = "decision"


class VersionConflictError(DecisionLogError):
    """Raised when the trajectory has moved on from the version the caller expected."""

    code = "VERSION_CONFLICT"

    def __init__(self, *, expected_version: int, actual_version: int) -> None:
        super().__init__(
            f"Expected version {expected_version}, but the trajectory is at "
            f"version {actual_version}."
        )
        self.expected_version = expected_version
        self.actual_version = actual_version


class WriteContentionError(VersionConflictError):
    """Raised when a change without an expected version lost the race to be saved, to
    other writers of the same trajectory, every time it was tried."""

    def __init__(self, *, attempts: int, expected_version: int, actual_version: int) -> None:
        super().__init__(expected_version=expected_version, actual_version=actual_version)
        DecisionLogError.__init__(
            self,
            f"The trajectory changed {attempts} times while this change was being saved "
            f"(it is at version {actual_version}); nothing was written: try again.")
        self.attempts = attempts


class RuleViolationError(DecisionLogError):
    """Raised when a command would break a rule of the decision process."""

    code = "RULE_VIOLATION"


class TrajectoryClosedError(RuleViolationError):
    """Raised when a change is asked of a closed trajectory."""

    code = "TRAJECTORY_CLOSED"

    def __init__(self, trajectory_id: str) -> None:
        super().__init__(f"Trajectory {trajectory_id} is closed and accepts no changes.")


class MemberNotActiveError(RuleViolationError):
    """Raised when a removed member is asked to decide, advise, act or hold a right."""

    code = "MEMBER_NOT_ACTIVE"

    def __init__(self, member_id: str, name: str) -> None:
        super().__init__(f"Member {name!r} ({member_id}) has left the design team.")
        self.member_id = member_id


class DomainRetiredError(RuleViolationError):
    """Raised when a change names a retired decision domain."""

    code = "DOMAIN_RETIRED"

    def __init__(self, domain_id: str, name: str) -> None:
        super().__init__(f"Decision domain {name!r} ({domain_id}) is retired.")
        self.domain_id = domain_id


class DuplicateDomainNameError(RuleViolationError):
    """Raised when an active decision domain already has the name."""

    code = "DUPLICATE_DOMAIN_NAME"

    def __init__(self, name: str) -> None:
        super().__init__(f"An active decision domain is already named {name!r}.")


class DuplicateRightError(RuleViolationError):
    """Raised when the same holder already has the same right on the domain."""

    code = "DUPLICATE_RIGHT"

    def __init__(self, right_id: str) -> None:
        super().__init__(f"The same right is already in force as {right_id}.")
        self.right_id = right_id


class RightNotInForceError(RuleViolationError):
    """Raised when revoking a right that has already ended."""

    code = "RIGHT_NOT_IN_FORCE"

    def __init__(self, right_id: str) -> None:
        super().__init__(f"Decision right {right_id} is no longer in force.")


class DecisionNotInForceError(RuleViolationError):
    """Raised when superseding, reframing or scheduling a review of a decision that is
    not in force."""

    code = "DECISION_NOT_IN_FORCE"

    def __init__(self, decision_id: str, status: str, action: str = "be superseded") -> None:
        super().__init__(
            f"Decision {decision_id} is {status}; only a decision in force can {action}."
        )


class DecisionNotSurfacedError(RuleViolationError):
    """Raised when ratifying or rejecting a decision that is not a surfaced implicit one."""

    code = "DECISION_NOT_SURFACED"

    def __init__(self, decision_id: str, status: str) -> None:
        super().__init__(
            f"Decision {decision_id} is {status}; only a surfaced implicit decision "
            "awaiting ratification can be ratified or rejected."
        )


class DecisionNotWithdrawableError(RuleViolationError):
    """Raised when withdrawing a decision that is neither in force nor surfaced."""

    code = "DECISION_NOT_WITHDRAWABLE"

    def __init__(self, decision_id: str, status: str) -> None:
        super().__init__(
            f"Decision {decision_id} is {status}; only a decision in force or a "
            "surfaced implicit decision can be withdrawn."
        )


class IdempotencyKeyReusedError(RuleViolationError):
    """Raised when an idempotency key comes back with a different input."""

    code = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Idempotency key {key!r} was already used with a different input."
        )


class ConfusableNameError(RuleViolationError):
    """Raised when a new name looks like the name of an active domain or member of the
    same trajectory (their Unicode confusable skeletons are equal) without being it."""

    code = "CONFUSABLE_NAME"

    def __init__(self, *, kind: str, name: str, existing_id: str, existing_name: str) -> None:
        super().__init__(
            f"{name!r} looks like the name of the active {kind} {existing_name!r} "
            f"({existing_id}); choose a name that cannot be mistaken for it.")
        self.existing_id = existing_id
        self.existing_name = existing_name


class PhaseNotFoundError(NotFoundError):
    """Raised when the trajectory has no phase with the given id."""

    kind = "phase"


class PhaseRetiredError(RuleViolationError):
    """Raised when a phase that was retired is started again or named in a new right."""

    code = "PHASE_RETIRED"

    def __init__(self, phase_id: str, name: str) -> None:
        super().__init__(f"Phase {name!r} ({phase_id}) is retired.")
        self.phase_id = phase_id


class DuplicatePhaseNameError(RuleViolationError):
    """Raised when an active phase already has the name."""

    code = "DUPLICATE_PHASE_NAME"

    def __init__(self, name: str) -> None:
        super().__init__(f"An active phase is already named {name!r}.")


class PhaseIsCurrentError(RuleViolationError):
    """Raised when retiring the phase the trajectory is in now: start the next one first."""

    code = "PHASE_IS_CURRENT"

    def __init__(self, phase_id: str, name: str) -> None:
        super().__init__(f"Phase {name!r} ({phase_id}) is the current phase; start the "
                         "next phase before retiring it.")
        self.phase_id = phase_id


class PhaseAlreadyCurrentError(RuleViolationError):
    """Raised when starting the phase that is already current at that moment."""

    code = "PHASE_ALREADY_CURRENT"

    def __init__(self, phase_id: str, name: str) -> None:
        super().__init__(f"Phase {name!r} ({phase_id}) is already the current phase at "
                         "that moment.")
        self.phase_id = phase_id


class BeforeTrajectoryStartError(RuleViolationError):
    """Raised when a phase is said to start before the trajectory itself started."""

    code = "BEFORE_TRAJECTORY_START"

    def __init__(self, field: str, started_at: str) -> None:
        super().__init__(f"{field} must not lie before the trajectory started "
                         f"({started_at}).")
        self.field = field


class NoInformedRightError(RuleViolationError):
    """Raised when marking informed a member who holds no INFORMED right on the
    decision's domain (directly or through their role) in the decision's phase."""

    code = "NO_INFORMED_RIGHT"

    def __init__(self, member_id: str, name: str, decision_id: str) -> None:
        super().__init__(f"Member {name!r} ({member_id}) holds no INFORMED right on the "
                         f"domain of decision {decision_id} when it was taken.")
        self.member_id = member_id


class AlreadyInformedError(RuleViolationError):
    """Raised when marking informed a member who was marked informed of it before."""

    code = "ALREADY_INFORMED"

    def __init__(self, member_id: str, name: str, decision_id: str) -> None:
        super().__init__(f"Member {name!r} ({member_id}) was already marked informed of "
                         f"decision {decision_id}.")
        self.member_id = member_id
# Frames and reviews (decisionlog.domain.frames)


class NotAFrameError(RuleViolationError):
    """Raised when `withinFrames` names a decision that is not a FRAME."""

    code = "NOT_A_FRAME"

    def __init__(self, decision_id: str, title: str) -> None:
        super().__init__(f"Decision {title!r} ({decision_id}) is not a frame: only a "
                         "decision of kind FRAME can bound other decisions.")
        self.decision_id = decision_id


class FrameNotInForceError(RuleViolationError):
    """Raised when `withinFrames` names a frame that is not in force (or that the same
    decision supersedes)."""

    code = "FRAME_NOT_IN_FORCE"

    def __init__(self, decision_id: str, title: str, status: str) -> None:
        super().__init__(f"Frame {title!r} ({decision_id}) is {status}; only a frame in "
                         "force can bound a decision.")
        self.decision_id = decision_id


class WithinItselfError(RuleViolationError):
    """Raised when a decision is to lie within itself."""

    code = "WITHIN_ITSELF"

    def __init__(self, decision_id: str) -> None:
        super().__init__(f"Decision {decision_id} cannot lie within itself.")
        self.decision_id = decision_id


class FrameCycleError(RuleViolationError):
    """Raised when putting a decision within a frame that lies within that decision
    (directly or through other frames): frames would bound each other in a cycle."""

    code = "FRAME_CYCLE"

    def __init__(self, decision_id: str, frame_id: str) -> None:
        super().__init__(f"Frame {frame_id} lies within decision {decision_id}: putting "
                         "the decision within it would make a cycle of frames.")
        self.decision_id = decision_id
        self.frame_id = frame_id


class NotWithinFrameError(RuleViolationError):
    """Raised when reframing a decision away from a frame it does not lie within."""

    code = "NOT_WITHIN_FRAME"

    def __init__(self, decision_id: str, frame_id: str) -> None:
        super().__init__(f"Decision {decision_id} does not lie within frame {frame_id}.")
        self.decision_id = decision_id
        self.frame_id = frame_id


class NotUpForReviewError(RuleViolationError):
    """Raised when reconfirming a decision that is neither up for review nor past its
    review date."""

    code = "DECISION_NOT_UP_FOR_REVIEW"

    def __init__(self, decision_id: str, status: str) -> None:
        super().__init__(f"Decision {decision_id} ({status}) is not up for review and not "
                         "past a review date: there is nothing to reconfirm.")
        self.decision_id = decision_id


class OutcomeOnClosedDecisionError(RuleViolationError):
    """Raised when recording an outcome of a withdrawn or rejected decision."""

    code = "OUTCOME_ON_CLOSED_DECISION"

    def __init__(self, decision_id: str, status: str) -> None:
        super().__init__(f"Decision {decision_id} is {status}; outcomes are recorded for "
                         "decisions in force, superseded or awaiting ratification.")
        self.decision_id = decision_id
