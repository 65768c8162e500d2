"""The template environment: Jinja2 with autoescaping on, and the filters the pages use
to say things in words (times in UTC, statuses, sides)."""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2

from decisionlog.audit.summaries import describe
from decisionlog.domain.values import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    Membership,
    RightKind,
    Scale,
    Side,
    TrajectoryStatus,
)

LABELS: dict[str, str] = {
    DecisionStatus.PROPOSED_IMPLICIT: "awaiting ratification",
    DecisionStatus.IN_FORCE: "in force",
    DecisionStatus.REJECTED: "rejected",
    DecisionStatus.SUPERSEDED: "superseded",
    DecisionStatus.WITHDRAWN: "withdrawn",
    DecisionKind.DECISION: "decision",
    DecisionKind.FRAME: "frame",
    DecisionOrigin.EXPLICIT: "explicit",
    DecisionOrigin.IMPLICIT: "implicit (surfaced)",
    Scale.SMALL: "small",
    Scale.LARGE: "large",
    Side.CLIENT: "client organisation",
    Side.PROVIDER: "provider",
    Membership.CORE: "core team",
    Membership.SPECIALIST: "specialist",
    RightKind.DECIDES: "decides",
    RightKind.ADVISES: "advises",
    RightKind.INFORMED: "informed",
    TrajectoryStatus.ACTIVE: "active",
    TrajectoryStatus.CLOSED: "closed",
}


def label(value: object) -> str:
    """An enumeration value in words ("IN_FORCE" → "in force")."""
    text = str(value)
    return LABELS.get(text, text.replace("_", " ").lower())


def when(moment: datetime | None, *, seconds: bool = False) -> str:
    """A moment in UTC, as people read it: "3 Mar 2025, 14:02 UTC"."""
    if moment is None:
        return "—"
    utc = moment.astimezone(UTC)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return f"{utc.day} {utc.strftime('%b %Y')}, {utc.strftime(clock)} UTC"


def day(moment: datetime | None) -> str:
    """The date alone: "3 Mar 2025"."""
    if moment is None:
        return "—"
    utc = moment.astimezone(UTC)
    return f"{utc.day} {utc.strftime('%b %Y')}"


def local_input(moment: datetime | None) -> str:
    """A moment as the value of a `datetime-local` field (in UTC)."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def iso(moment: datetime | None) -> str:
    """A moment for a `<time datetime>` attribute."""
    return "" if moment is None else moment.astimezone(UTC).isoformat()


def short_id(value: object) -> str:
    """The first characters of an id, for people to tell ids apart."""
    return str(value)[:8]


def environment() -> jinja2.Environment:
    """The pages' template environment: autoescaping on for every template."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("decisionlog.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(label=label, when=when, day=day, local_input=local_input, iso=iso,
                       short_id=short_id, describe=describe)
    return env
