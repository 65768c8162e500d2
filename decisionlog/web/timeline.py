"""The decisions as a picture: where each mark goes on the board's timeline (an SVG the
template draws), computed on the server from a trajectory's state.

Time runs left to right (`decidedAt`; for a surfaced decision, when it probably began,
or when it was surfaced if nobody said); each active domain with decisions in view has
its own lane. Explicit decisions are circles, implicit ones diamonds, frames carry a
ring; superseding decisions point at what they superseded; withdrawn, rejected and
superseded ones are greyed; decisions out of mandate are marked. Behind them, the
phases of the design process are bands (each from the moment its phase started until
the next one did), named in a strip along the top. Marks taken close together are set
apart, and so are phase starts, always keeping a mark on the side of the phase starts
its moment lies on: every mark lies in the band of the phase current at its moment.
Pure: state in, geometry out.
"""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from decisionlog.domain.mandate import decision_phase_id
from decisionlog.domain.values import DecisionKind, DecisionOrigin
from decisionlog.web.who_decides import stretches

if TYPE_CHECKING:
    from decisionlog.domain.entities import Decision
    from decisionlog.domain.trajectory import Trajectory
    from decisionlog.web.who_decides import Stretch

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
PHASE_GAP = 11.0  # pixels between a phase start and any mark
PHASE_STRIP = 20  # the height of the strip naming the phases
PHASE_COLOURS = 4
MAX_RESERVE = (WIDTH - LEFT - RIGHT) / 3  # at most this much of the axis for crowded marks
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
    phase: str | None = None  # the name of the phase it was taken in

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
class Band:
    """A phase's stretch of time: a band from x to x + width, named in the top strip
    (its name, or its number where the name does not fit)."""

    name: str
    number: int
    x: float
    width: float
    started_at: datetime
    until: datetime | None
    label: str | None
    colour: int

    @property
    def label_x(self) -> float:
        return self.x + 4


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
    bands: list[Band] = field(default_factory=list)
    top: float = TOP  # where the lanes begin (below the strip naming the phases)

    @property
    def phases(self) -> list[Band]:
        """One band per phase shown, for the legend."""
        return list({band.number: band for band in self.bands}.values())


def moment_of(decision: Decision) -> tuple[datetime, bool]:
    """Where the decision goes in time, and whether that moment is a guess (a surfaced
    decision without `since` goes where it was surfaced)."""
    if decision.decided_at is not None:
        return decision.decided_at, False
    return decision.recorded_at, True


def timeline(trajectory: Trajectory, *, out_of_mandate: Collection[str],
             in_force_at: datetime | None = None, limit: int = MAX_MARKERS) -> Timeline:
    """The latest `limit` decisions of the trajectory, placed, over its phases."""
    decisions = trajectory.decisions.values()
    latest = heapq.nlargest(limit, ((moment_of(d), d) for d in decisions),
                            key=lambda item: (item[0][0], item[1].recorded_at))
    shown = latest[::-1]  # oldest first
    moments = [m for (m, _), _ in shown]
    phases = _phase_stretches(trajectory, moments)
    top = TOP + (PHASE_STRIP if phases else 0)
    lane_ids = [i for i in trajectory.domains if any(d.domain_id == i for _, d in shown)]
    lanes = {domain_id: Lane(_cut(trajectory.domains[domain_id].name, 26),
                             top + LANE_HEIGHT * (n + 0.5))
             for n, domain_id in enumerate(lane_ids)}
    axis_y = top + LANE_HEIGHT * len(lanes) + 6
    if in_force_at is not None and not _near(in_force_at, moments):
        in_force_at = None  # years away from every decision shown: no line to draw
    scale_moments = [*moments, *(s.started_at for s in phases
                                 if moments and _near(s.started_at, moments))]
    if in_force_at is not None:
        scale_moments.append(in_force_at)
    reserve = 0.0
    for _ in range(3):  # marks crowded at the right end: leave them room there
        to_x, ticks = _scale(scale_moments, reserve)
        xs, start_xs, overflow = _place(shown, phases, to_x)
        if overflow < 1 or reserve >= MAX_RESERVE:
            break
        reserve = min(reserve + overflow, MAX_RESERVE)
    markers = _markers(trajectory, shown, xs, lanes, out_of_mandate)
    by_id = {m.decision.id: m for m in markers}
    links = [Link(_curve(by_id[d.id], by_id[old])) for d in (m.decision for m in markers)
             for old in d.supersedes if old in by_id]
    return Timeline(
        width=WIDTH, height=int(axis_y + AXIS_HEIGHT), lanes=list(lanes.values()),
        markers=markers, links=links, ticks=[Tick(to_x(t), text) for t, text in ticks],
        axis_y=axis_y, in_force_x=None if in_force_at is None or not moments
        else to_x(in_force_at), shown=len(shown), total=len(decisions),
        bands=_bands(trajectory, phases, start_xs) if markers else [], top=top)


def _phase_stretches(trajectory: Trajectory, moments: Sequence[datetime]) -> list[Stretch]:
    """The stretches of the phase timeline that reach into the span of the decisions
    shown (none when no decision is shown)."""
    if not moments:
        return []
    first = min(moments)
    return [s for s in stretches(trajectory.phase_starts)
            if s.until is None or s.until > first]


def _place(shown: Sequence[tuple[tuple[datetime, bool], Decision]],
           phases: Sequence[Stretch], to_x: Callable[[datetime], float]
           ) -> tuple[list[float], list[float], float]:
    """The x of each decision shown and of each phase start: where its moment is, but
    marks in one lane at least MIN_GAP apart and phase starts at least PHASE_GAP from
    every mark, on the side of it their moments are (a first pass pushes what is too
    close to the right, a second pulls it back inside the picture); and how far the
    first pass pushed past the right end (what the second had to pull back)."""
    items = sorted(
        [((moment, 1, n), decision.domain_id, to_x(moment))
         for n, ((moment, _), decision) in enumerate(shown)]
        + [((s.started_at, 0, n), None, to_x(s.started_at)) for n, s in enumerate(phases)],
        key=lambda item: item[0])  # at one moment a start comes first: it holds from then
    low, high = LEFT - 10.0, WIDTH - 20.0  # room for a mark's rings
    xs = [max(x, low) for _, _, x in items]
    lane_x: dict[str, float] = {}
    mark_x, start_x = -1e9, -1e9
    for n, (_, lane, _) in enumerate(items):  # left to right: far enough from before
        if lane is None:
            xs[n] = start_x = max(xs[n], mark_x + PHASE_GAP, start_x + PHASE_GAP)
        else:
            xs[n] = max(xs[n], lane_x.get(lane, -1e9) + MIN_GAP, start_x + PHASE_GAP)
            lane_x[lane] = xs[n]
            mark_x = max(mark_x, xs[n])
    overflow = max([x - high for x in xs] + [0.0])
    lane_x, mark_x, start_x = {}, 1e9, 1e9
    for n in reversed(range(len(items))):  # right to left: inside, and far from after
        lane = items[n][1]
        if lane is None:
            xs[n] = start_x = max(min(xs[n], mark_x - PHASE_GAP, start_x - PHASE_GAP, high),
                                  low)
        else:
            xs[n] = max(min(xs[n], lane_x.get(lane, 1e9) - MIN_GAP, start_x - PHASE_GAP,
                            high), low)
            lane_x[lane] = xs[n]
            mark_x = min(mark_x, xs[n])
    marks, starts = [0.0] * len(shown), [0.0] * len(phases)
    for ((_, kind, index), _, _), x in zip(items, xs, strict=True):
        (marks if kind else starts)[index] = x
    return marks, starts, overflow


def _bands(trajectory: Trajectory, phases: Sequence[Stretch], start_xs: Sequence[float]
           ) -> list[Band]:
    numbers = {p.id: n for n, p in enumerate(trajectory.phases_in_order(), start=1)}
    bands = []
    for n, stretch in enumerate(phases):
        x = max(start_xs[n], float(LEFT - 10))
        end = start_xs[n + 1] if n + 1 < len(phases) else float(WIDTH - 4)
        if end <= x:
            continue
        name, number = trajectory.phases[stretch.phase_id].name, numbers[stretch.phase_id]
        room = int((end - x - 8) / CHAR_WIDTH)
        label = (name if len(name) <= room else _cut(name, room) if room >= 6
                 else str(number) if len(str(number)) <= room + 1 else None)
        bands.append(Band(name, number, x, end - x, stretch.started_at, stretch.until,
                          label, (number - 1) % PHASE_COLOURS))
    return bands


def _markers(trajectory: Trajectory, shown: Sequence[tuple[tuple[datetime, bool], Decision]],
             xs: Sequence[float], lanes: dict[str, Lane], out_of_mandate: Collection[str]
             ) -> list[Marker]:
    rows: dict[tuple[str, int], float] = {}  # (lane, label row): right edge of last label
    markers = []
    for ((moment, uncertain), decision), x in zip(shown, xs, strict=True):
        lane = lanes[decision.domain_id]
        phase_id = decision_phase_id(trajectory, decision) if trajectory.phases else None
        markers.append(Marker(
            decision=decision, x=x, y=lane.y, moment=moment,
            implicit=decision.origin is DecisionOrigin.IMPLICIT,
            frame=decision.kind is DecisionKind.FRAME,
            greyed=decision.status.value in ("WITHDRAWN", "REJECTED", "SUPERSEDED"),
            out_of_mandate=decision.id in out_of_mandate, moment_uncertain=uncertain,
            label=_label(decision.domain_id, lane, x, decision.title, rows),
            phase=None if phase_id is None else trajectory.phases[phase_id].name))
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


def _scale(moments: Sequence[datetime], reserve: float = 0.0
           ) -> tuple[Callable[[datetime], float], list[tuple[datetime, str]]]:
    """The x of a moment, and the axis' ticks; `reserve` pixels at the right are left
    to marks set apart from the last ones (past the last tick, so no mark is drawn
    earlier than its moment)."""
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
    inner = WIDTH - LEFT - RIGHT - reserve

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
