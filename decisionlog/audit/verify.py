"""Verification: recompute every trajectory's hash chain from the stored rows.

One pass reads the notification log in large pages, decodes each row once with the
application's mapper and checks its link; a trajectory found damaged is then read again
on its own to name its first broken version and why (`decisionlog.audit.diagnose`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from decisionlog.audit.diagnose import Damage, Problem, first_damage, read_rows
from decisionlog.audit.snapshots import check_latest_snapshot
from decisionlog.audit.stored import TopicKind, Topics, as_uuid, genesis, link_ok

if TYPE_CHECKING:
    from eventsourcing.application import Application
    from eventsourcing.persistence import StoredEvent

ProgressCallback = Callable[[int, int | None], None]
"""Called after each page with the number of rows read so far and, if known, the total."""

PAGE_SIZE = 10_000


@dataclass(frozen=True)
class TrajectoryVerification:
    """The outcome for one trajectory: intact, or its first broken version and why."""

    trajectory_id: str
    event_count: int  # rows stored for the trajectory
    intact_count: int  # events verified intact, counted from version 1
    head_digest: str  # the digest of the last intact event (the genesis if none is)
    damage: Damage | None = None

    @property
    def ok(self) -> bool:
        return self.damage is None


@dataclass(frozen=True)
class VerificationReport:
    """The outcome for every trajectory checked, in the order they were started."""

    trajectories: list[TrajectoryVerification] = field(default_factory=list)
    events_checked: int = 0

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.trajectories)

    @property
    def damaged(self) -> list[TrajectoryVerification]:
        return [t for t in self.trajectories if not t.ok]

    def get(self, trajectory_id: str | UUID) -> TrajectoryVerification | None:
        """The outcome for one trajectory, if it was checked."""
        wanted = str(trajectory_id)
        return next((t for t in self.trajectories if t.trajectory_id == wanted), None)


class _Stream:
    """What the fast pass knows of one trajectory so far."""

    __slots__ = ("anchor", "anchor_seen", "broken_at", "count", "head", "next_version",
                 "trajectory_id")

    def __init__(self, trajectory_id: UUID | str, anchor: str | None) -> None:
        self.trajectory_id = str(trajectory_id)
        self.next_version = 1
        self.head = genesis(trajectory_id)
        self.count = 0
        self.broken_at: int | None = None
        self.anchor = anchor
        self.anchor_seen = False


class _Pass:
    """The fast pass: one decode and one digest per row, no queries of its own."""

    def __init__(self, app: Application[Any], *, whole_store: bool,
                 anchors: Mapping[str, str] | None) -> None:
        self.app = app
        self.anchors = anchors or {}
        self.topics = Topics()
        self.whole_store = whole_store
        self.streams: dict[UUID | str, _Stream] = {}
        self.rows = 0

    def feed(self, page: Iterable[StoredEvent]) -> None:
        to_domain_event = self.app.mapper.to_domain_event
        streams = self.streams
        for stored in page:
            self.rows += 1
            kind = self.topics.kind(stored.topic)
            stream = streams.get(stored.originator_id)
            if stream is None:
                if kind is TopicKind.FOREIGN and self.whole_store:
                    continue
                stream = streams[stored.originator_id] = _Stream(
                    stored.originator_id, self.anchors.get(str(stored.originator_id)))
            stream.count += 1
            if stream.broken_at is not None:
                continue
            version = stored.originator_version
            if kind is not TopicKind.TRAJECTORY or version != stream.next_version:
                stream.broken_at = stream.next_version
                continue
            try:
                event: Any = to_domain_event(stored)
            except Exception:  # a row that does not decode is damage
                stream.broken_at = version
                continue
            if link_ok(event, trajectory_id=stream.trajectory_id, version=version,
                       previous_digest=stream.head):
                stream.head = event.digest
                stream.next_version = version + 1
                if stream.anchor is not None and stream.head == stream.anchor:
                    stream.anchor_seen = True
            else:
                stream.broken_at = version


def verify(
    app: Application[Any],
    trajectory_id: str | UUID | None = None,
    *,
    progress: ProgressCallback | None = None,
    anchors: Mapping[str, str] | None = None,
    snapshots: bool = False,
    page_size: int = PAGE_SIZE,
) -> VerificationReport:
    """Verify the chain of one trajectory, or of every trajectory in the store.

    `anchors` maps trajectory ids to head digests kept elsewhere (from an earlier report
    or export): a chain that no longer contains its anchor was cut short or rewritten,
    which the chain alone cannot show. With `snapshots`, each intact trajectory's latest
    snapshot is compared with its events replayed (a replay of every such trajectory).
    Rows appended while the whole store is verified are left for the next run.
    """
    if trajectory_id is not None:
        uuid = as_uuid(trajectory_id)
        if uuid is None:
            return VerificationReport()
        wanted = {k: v for k, v in (anchors or {}).items() if k == str(uuid)}
        fast = _Pass(app, whole_store=False, anchors=wanted)
        after: int | None = None
        while True:
            stored = app.recorder.select_events(uuid, gt=after, limit=page_size)
            fast.feed(stored)
            if progress is not None:
                progress(fast.rows, None)
            if len(stored) < page_size:
                break
            after = stored[-1].originator_version
    else:
        fast = _Pass(app, whole_store=True, anchors=anchors)
        _scan_log(app, fast, progress, page_size)
    return _report(app, fast, snapshots=snapshots)


def verify_trajectory(app: Application[Any], trajectory_id: str | UUID
                      ) -> TrajectoryVerification | None:
    """The outcome for one trajectory; None when nothing is stored under its id."""
    return verify(app, trajectory_id).get(trajectory_id)


def _scan_log(app: Application[Any], fast: _Pass, progress: ProgressCallback | None,
              page_size: int) -> None:
    recorder = app.recorder
    stop = recorder.max_notification_id()
    if not stop:
        return
    start: int | None = None
    while True:
        page = recorder.select_notifications(
            start=start, limit=page_size, stop=stop, inclusive_of_start=False)
        fast.feed(page)
        if progress is not None:
            progress(fast.rows, stop)
        if len(page) < page_size:
            return
        start = page[-1].id


def _report(app: Application[Any], fast: _Pass, *, snapshots: bool) -> VerificationReport:
    outcomes = []
    for trajectory_id, stream in fast.streams.items():
        if stream.broken_at is not None:
            outcomes.append(_diagnosed(app, trajectory_id, stream.broken_at))
            continue
        damage = None
        if snapshots and isinstance(trajectory_id, UUID):
            damage = check_latest_snapshot(app, trajectory_id)
        if damage is None and stream.anchor is not None and not stream.anchor_seen:
            damage = Damage(stream.count + 1, Problem.TRUNCATED,
                            f"The chain does not reach the head digest kept elsewhere "
                            f"({stream.anchor}): events after version {stream.count} were "
                            "removed, or the chain was rewritten.")
        outcomes.append(TrajectoryVerification(
            str(trajectory_id), stream.count, stream.count, stream.head, damage))
    for trajectory_id, anchor in fast.anchors.items():
        if not any(t.trajectory_id == trajectory_id for t in outcomes):
            outcomes.append(TrajectoryVerification(
                trajectory_id, 0, 0, genesis(trajectory_id), Damage(
                    1, Problem.MISSING, f"No events are stored, but its head digest "
                    f"{anchor} was kept elsewhere.")))
    return VerificationReport(outcomes, fast.rows)


def _diagnosed(app: Application[Any], trajectory_id: UUID | str, broken_at: int
               ) -> TrajectoryVerification:
    uuid = as_uuid(trajectory_id)
    rows = [] if uuid is None else read_rows(app, uuid)
    damage, intact, head = first_damage(trajectory_id, rows)
    if damage is None:  # intact in version order, so it was out of commit order
        damage = Damage(broken_at, Problem.REORDERED,
                        f"Version {broken_at} is out of commit order in the store.")
    return TrajectoryVerification(str(trajectory_id), len(rows), intact, head, damage)


def summary_lines(report: VerificationReport) -> Sequence[str]:
    """One line per trajectory, for people and the command line."""
    lines = []
    for t in report.trajectories:
        if t.damage is None:
            lines.append(f"{t.trajectory_id} OK {t.event_count} events head {t.head_digest}")
        else:
            lines.append(f"{t.trajectory_id} DAMAGED at version {t.damage.version}: "
                         f"{t.damage.problem} {t.damage.detail}")
    return lines
