"""The template environment: Jinja2 with autoescaping on, and the filters the pages use
to say things in words (times in UTC, statuses, sides)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import jinja2

from decisionlog.audit.summaries import describe
from decisionlog.domain.values import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    Membership,
    OutOfMandateReason,
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
    OutOfMandateReason.NO_RIGHT_ON_DOMAIN: "no right on the domain",
    OutOfMandateReason.RIGHT_ONLY_IN_OTHER_PHASES: "a right only in other phases",
    OutOfMandateReason.RIGHT_GRANTED_LATER: "the right came later",
    OutOfMandateReason.RIGHT_ENDED: "the right had ended",
    OutOfMandateReason.DECIDER_REMOVED: "the decider had left",
}
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)")


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


def period(start: datetime, until: datetime | None) -> str:
    """From a moment until another (or on), as people say it: "from 3 Mar 2025, 10:00
    to 14:30 UTC" within a day, "… for under a minute" when shorter."""
    if until is None:
        return f"from {when(start)} on"
    first, last = start.astimezone(UTC), until.astimezone(UTC)
    if last - first < timedelta(minutes=1):
        return f"from {when(first)}, for under a minute"
    if first.date() != last.date():
        return f"from {when(first)} to {when(last)}"
    return f"from {when(first).removesuffix(' UTC')} to {last.strftime('%H:%M')} UTC"


def local_input(moment: datetime | None) -> str:
    """A moment as the value of a `datetime-local` field (in UTC)."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def iso(moment: datetime | None) -> str:
    """A moment for a `<time datetime>` attribute."""
    return "" if moment is None else moment.astimezone(UTC).isoformat()


def moments(text: str) -> str:
    """A sentence of the domain's with its ISO 8601 moments as people read them."""
    def readable(match: re.Match[str]) -> str:
        try:
            return when(datetime.fromisoformat(match[0]))
        except ValueError:
            return match[0]
    return ISO_MOMENT.sub(readable, text)


def query(params: Mapping[str, str], **more: str | None) -> str:
    """A link's query: these parameters and `more` (those None or "" left out)."""
    merged = {**params, **{k: v for k, v in more.items() if v}}
    return "?" + urlencode(merged) if merged else ""


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
                       short_id=short_id, describe=describe, moments=moments, period=period,
                       query=query)
    return env
