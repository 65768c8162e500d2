"""What the API derives from a trajectory, computed once per state and shared by every
field and request that asks for it (who decides what, gaps, decisions out of mandate).

Entries are keyed by (trajectory id, version, head digest, what): the head digest names
the last event applied, so a state that was never saved (a command that failed after it
triggered its event) cannot pass for the saved state at the same version. Nothing is
stored on the aggregate: its `__dict__` is compared in tests and written to snapshots.

A memo belongs to one app (`create_app` makes it; resolvers find it as
`info.context.memo`) and is bounded in entries and in bytes (`sizes.approximate_size`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from decisionlog.api.sizes import approximate_size
from decisionlog.domain.mandate import JUDGED_STATUSES
from decisionlog.infrastructure.lru import BoundedLRU

if TYPE_CHECKING:
    from decisionlog.domain.entities import Decision
    from decisionlog.domain.trajectory import Trajectory

T = TypeVar("T")
MAXSIZE = 512
_MISSING: Any = object()


class StateMemo:
    """A bounded LRU of values derived from trajectory states."""

    def __init__(self, maxsize: int = MAXSIZE, *, max_bytes: int | None = None) -> None:
        self._entries: BoundedLRU[tuple[Hashable, ...], Any] = BoundedLRU(
            maxsize, max_bytes=max_bytes)

    def get(self, trajectory: Trajectory, what: Hashable, compute: Callable[[], T]) -> T:
        """The value `compute()` gives for this state of the trajectory, computed once."""
        key = (trajectory.id, trajectory.version, trajectory.head_digest, what)
        value: T = self._entries.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
            self._entries.put(key, value, size=approximate_size(value))
        return value

    def peek(self, trajectory: Trajectory, what: Hashable) -> Any:
        """The value if it is computed already for this state, else None."""
        return self._entries.peek(
            (trajectory.id, trajectory.version, trajectory.head_digest, what))

    def clear(self) -> None:
        self._entries.clear()

    @property
    def bytes(self) -> int:
        return self._entries.bytes


def out_of_mandate_ids(memo: StateMemo, trajectory: Trajectory) -> frozenset[str]:
    """The ids of the trajectory's decisions out of mandate, once per state."""
    return memo.get(trajectory, "out_of_mandate_ids",
                    lambda: frozenset(d.id for d in trajectory.out_of_mandate()))


def is_within_mandate(memo: StateMemo, trajectory: Trajectory, decision: Decision) -> bool:
    """`Trajectory.is_within_mandate`, from the memo when the decisions out of mandate
    are known for this state (a query that lists them); else for this one decision
    (after a write, judging one decision is cheaper than judging them all)."""
    out: frozenset[str] | None = memo.peek(trajectory, "out_of_mandate_ids")
    if out is not None and decision.status in JUDGED_STATUSES:
        return decision.id not in out
    return trajectory.is_within_mandate(decision)
