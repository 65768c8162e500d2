"""The decisions as a picture: where each mark goes on the board's timeline (an SVG the
template draws), computed on the server from a trajectory's state.

Time runs left to right (`decidedAt`; for a surfaced decision, when it probably began,
or when it was surfaced if nobody said); each active domain with decisions in view has
its own lane. Explicit decisions are circles, implicit ones diamonds, frames carry a
ring; superseding decisions point at what they superseded; withdrawn, rejected and
superseded ones are greyed; decisions out of mandate are marked. Pure: state in,
geometry out.
"""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from decisionlog.domain.values import DecisionKind, DecisionOrigin

if TYPE_CHECKING:
    from decisionlog.domain.entities import Decision
    from decisionlog.domain.trajectory import Trajectory

WIDTH = 1000
LEFT = 190  # lane names
RIGHT = 30
TOP = 16
LANE_HEIGHT = 64
AXIS_HEIGHT = 34
CHAR_WIDTH = 6.4  # of the 12px label font, on average
LABEL_CHARS = 30
MAX_MARKERS = 40
MIN_GAP = 18.0  # pixels between two marks in one lane
TICK_STEPS = (
    (timedelta(hours=1), "%H:%M"), (timedelta(hours=6), "%d %b %H:%M"),
    (timedelta(days=1), "%d %b"), (timedelta(days=7), "%d %b"),
    (timedelta(days=30), "%b %Y"), (timedelta(days=91), "%b %Y"),
    (timedelta(days=365), "%Y"),
)


@dataclass(frozen=True)
class Lane:
    name: str
    y: float  # the lane's middle


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str


@dataclass(frozen=True)
class Marker:
    decision: Decision
    x: float
    y: float
    moment: datetime
    implicit: bool
    frame: bool
    greyed: bool
    out_of_mandate: bool
    moment_uncertain: bool
    label: Label | None

    @property
    def diamond(self) -> str:
        """The points of the diamond drawn for an implicit decision."""
        x, y, r = self.x, self.y, 8
        return f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"


@dataclass(frozen=True)
class Link:
    """A superseding decision (from) pointing at the one it superseded (to)."""

    path: str


@dataclass(frozen=True)
class Tick:
    x: float
    text: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    lanes: list[Lane]
    markers: list[Marker]
    links: list[Link]
    ticks: list[Tick]
    axis_y: float
    in_force_x: float | None
    shown: int
    total: int


def moment_of(decision: Decision) -> tuple[datetime, bool]:
    """Where the decision goes in time, and whether that moment is a guess (a surfaced
    decision without `since` goes where it was surfaced)."""
    if decision.decided_at is not None:
        return decision.decided_at, False
    return decision.recorded_at, True


def timeline(trajectory: Trajectory, *, out_of_mandate: Collection[str],
             in_force_at: datetime | None = None, limit: int = MAX_MARKERS) -> Timeline:
    """The latest `limit` decisions of the trajectory, placed."""
    decisions = trajectory.decisions.values()
    latest = heapq.nlargest(limit, ((moment_of(d), d) for d in decisions),
                            key=lambda item: (item[0][0], item[1].recorded_at))
    shown = latest[::-1]  # oldest first
    lane_ids = [i for i in trajectory.domains if any(d.domain_id == i for _, d in shown)]
    lanes = {domain_id: Lane(_cut(trajectory.domains[domain_id].name, 26),
                             TOP + LANE_HEIGHT * (n + 0.5))
             for n, domain_id in enumerate(lane_ids)}
    axis_y = TOP + LANE_HEIGHT * len(lanes) + 6
    moments = [m for (m, _), _ in shown]
    if in_force_at is not None and not _near(in_force_at, moments):
        in_force_at = None  # years away from every decision shown: no line to draw
    if in_force_at is not None:
        moments.append(in_force_at)
    to_x, ticks = _scale(moments)
    markers = _markers(shown, lanes, to_x, out_of_mandate)
    by_id = {m.decision.id: m for m in markers}
    links = [Link(_curve(by_id[d.id], by_id[old])) for d in (m.decision for m in markers)
             for old in d.supersedes if old in by_id]
    return Timeline(
        width=WIDTH, height=int(axis_y + AXIS_HEIGHT), lanes=list(lanes.values()),
        markers=markers, links=links, ticks=[Tick(to_x(t), text) for t, text in ticks],
        axis_y=axis_y, in_force_x=None if in_force_at is None or not moments
        else to_x(in_force_at), shown=len(shown), total=len(decisions))


def _markers(shown: Sequence[tuple[tuple[datetime, bool], Decision]], lanes: dict[str, Lane],
             to_x: Callable[[datetime], float], out_of_mandate: Collection[str]
             ) -> list[Marker]:
    rows: dict[tuple[str, int], float] = {}  # (lane, label row): right edge of last label
    last_x: dict[str, float] = {}  # lane: x of its last mark
    markers = []
    for (moment, uncertain), decision in shown:
        lane = lanes[decision.domain_id]
        # marks closer than MIN_GAP in one lane (decisions taken the same day) are set
        # apart, so each stays visible and clickable; the axis stays true to a few pixels
        x = min(max(to_x(moment), last_x.get(decision.domain_id, -MIN_GAP) + MIN_GAP),
                WIDTH - 8.0)
        last_x[decision.domain_id] = x
        markers.append(Marker(
            decision=decision, x=x, y=lane.y, moment=moment,
            implicit=decision.origin is DecisionOrigin.IMPLICIT,
            frame=decision.kind is DecisionKind.FRAME,
            greyed=decision.status.value in ("WITHDRAWN", "REJECTED", "SUPERSEDED"),
            out_of_mandate=decision.id in out_of_mandate, moment_uncertain=uncertain,
            label=_label(decision.domain_id, lane, x, decision.title, rows)))
    return markers


def _label(lane_id: str, lane: Lane, x: float, title: str,
           rows: dict[tuple[str, int], float]) -> Label | None:
    """A label above or below the mark where it does not cover another; else none (the
    title is still the mark's tooltip and in the list below the picture)."""
    text = _cut(title, LABEL_CHARS)
    width = len(text) * CHAR_WIDTH
    start, anchor = x - 6, "start"
    if start + width > WIDTH - 4:
        start, anchor = x + 6 - width, "end"
    for row, dy in ((0, -14), (1, 24)):
        if rows.get((lane_id, row), LEFT - 10) < start:
            rows[(lane_id, row)] = start + width + 10
            return Label(x - 6 if anchor == "start" else x + 6, lane.y + dy, text, anchor)
    return None


def _near(moment: datetime, moments: Sequence[datetime]) -> bool:
    """Whether `moment` lies within the span of `moments` or one such span beyond (at
    least a month), so that a line drawn there leaves the decisions readable."""
    if not moments:
        return False
    low, high = min(moments), max(moments)
    reach = max(high - low, timedelta(days=30))
    try:
        return low - reach <= moment <= high + reach
    except OverflowError:  # at the ends of the calendar
        return low <= moment <= high


def _scale(moments: Sequence[datetime]
           ) -> tuple[Callable[[datetime], float], list[tuple[datetime, str]]]:
    """The x of a moment, and the axis' ticks."""
    if not moments:
        return (lambda _: float(LEFT)), []
    low, high = min(moments), max(moments)
    span = high - low
    if span < timedelta(hours=2):
        with contextlib.suppress(OverflowError):
            low, high = low - timedelta(hours=1), high + timedelta(hours=1)
    pad = (high - low) * 0.04
    with contextlib.suppress(OverflowError):  # decisions at the ends of the calendar
        low, high = low - pad, high + pad
    seconds = (high - low).total_seconds() or 1.0
    inner = WIDTH - LEFT - RIGHT

    def to_x(moment: datetime) -> float:
        return round(LEFT + inner * (moment - low).total_seconds() / seconds, 1)

    try:
        ticks = _ticks(low, high)
    except (OverflowError, ValueError):  # the calendar ends
        ticks = []
    return to_x, ticks


def _ticks(low: datetime, high: datetime) -> list[tuple[datetime, str]]:
    step, pattern = next(((s, p) for s, p in TICK_STEPS if (high - low) / s <= 8),
                         TICK_STEPS[-1])
    start = low.astimezone(UTC)
    if step >= timedelta(days=365):
        tick = datetime(start.year + 1, 1, 1, tzinfo=UTC)
    elif step >= timedelta(days=30):
        month = start.month + (step.days // 30)
        tick = datetime(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=UTC)
    elif step >= timedelta(days=1):
        tick = start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    else:
        tick = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    ticks: list[tuple[datetime, str]] = []
    try:
        while tick < high and len(ticks) < 12:
            ticks.append((tick, tick.strftime(pattern).lstrip("0")))
            tick = _next_tick(tick, step)
    except (OverflowError, ValueError):  # the calendar ends
        pass
    return ticks


def _next_tick(tick: datetime, step: timedelta) -> datetime:
    if step >= timedelta(days=365):
        return tick.replace(year=tick.year + 1)
    if step >= timedelta(days=30):
        months = step.days // 30
        month = tick.month - 1 + months
        return tick.replace(year=tick.year + month // 12, month=month % 12 + 1)
    return tick + step


def _curve(start: Marker, end: Marker) -> str:
    """A curve from a superseding mark to the one it superseded, arching above them
    (in one lane, above the labels too: a quadratic curve peaks halfway to its control
    point, so the control sits at twice the height the curve should reach)."""
    top = min(start.y, end.y) - (LANE_HEIGHT / 2 - 4 if start.y == end.y else 9)
    control_y = 2 * top - (start.y - 9 + end.y - 9) / 2
    middle_x = (start.x + end.x) / 2
    return (f"M{start.x:.1f},{start.y - 9:.1f} Q{middle_x:.1f},{control_y:.1f}"
            f" {end.x + 4:.1f},{end.y - 9:.1f}")


def _cut(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"
