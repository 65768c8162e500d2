"""Time travel on the board: as recorded after an event (`version`) or at a moment (`at`),
"what was known then"; and `in_force_at`, "what was in force then" (valid time). The
URL carries them, so a view of the past can be shared and bookmarked.

Moments typed without an offset are read as UTC (the pages show every time in UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decisionlog.web.site import Page

MAX_ID = 100


class MomentError(ValueError):
    """Raised when a typed moment is not a date or date and time."""


def parse_moment(text: str, *, field: str = "moment") -> datetime | None:
    """A typed date ("2025-03-04"), date and time ("2025-03-04T14:05", as a
    `datetime-local` field sends it) or ISO 8601 moment; UTC when no offset is given.
    A date alone means the end of that day. None for empty text."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MomentError(f"{field}: {text[:40]!r} is not a date (YYYY-MM-DD) or a date "
                          "and time (YYYY-MM-DD HH:MM).") from None
    if len(text) == 10:  # a date alone: the whole of that day counts
        moment = moment.replace(hour=23, minute=59, second=59)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise MomentError(f"{field}: {text[:40]!r} is outside the calendar.") from None
    return moment


@dataclass(frozen=True)
class AsOf:
    """Which state of a trajectory a page shows."""

    version: int | None = None
    at: datetime | None = None
    in_force_at: datetime | None = None
    error: str | None = None
    phase: str | None = None  # the id of the phase the matrix shows (None: the current)

    @property
    def travelling(self) -> bool:
        """Whether the page shows the trajectory as it was known in the past."""
        return self.version is not None or self.at is not None

    def params(self) -> dict[str, str]:
        """The query parameters that keep this view in links."""
        params: dict[str, str] = {}
        if self.version is not None:
            params["version"] = str(self.version)
        if self.at is not None:
            params["at"] = self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        if self.in_force_at is not None:
            params["in_force_at"] = self.in_force_at.astimezone(UTC).strftime(
                "%Y-%m-%dT%H:%M")
        if self.phase is not None:
            params["phase"] = self.phase
        return params

    def without(self, *names: str) -> dict[str, str]:
        """The query parameters of this view but the ones named (for a form that asks
        for them again, or a link that clears them)."""
        return {k: v for k, v in self.params().items() if k not in names}


def as_of(page: Page) -> AsOf:
    """The view the URL asks for; a bad value is left out and said in `error`."""
    errors: list[str] = []
    version: int | None = None
    text = page.query("version")
    if text:
        if text.isdigit() and len(text) < 10 and int(text) >= 1:
            version = int(text)
        else:
            errors.append(f"version: {text[:20]!r} is not an event number (1 or more).")
    moments: dict[str, datetime | None] = {}
    for name in ("at", "in_force_at"):
        try:
            moments[name] = parse_moment(page.query(name), field=name.replace("_", " "))
        except MomentError as error:
            errors.append(str(error))
            moments[name] = None
    at = moments["at"]
    if version is not None and at is not None:
        errors.append("Give an event number or a moment, not both: showing the event.")
        at = None
    phase = page.query("phase")[:MAX_ID] or None
    return AsOf(version, at, moments["in_force_at"], " ".join(errors) or None, phase)
