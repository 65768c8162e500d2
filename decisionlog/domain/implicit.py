"""Implicit decisions: taken without anyone naming them (impliciet), surfaced later with
when they probably began, then ratified (they come into force, explicit now) or
rejected (reopened). The commands of the `Trajectory` aggregate for them (a mixin of
`Trajectory`: its methods take `self: Trajectory`, see the mypy override in
pyproject.toml); `Decision.check_surfaced` guards their state.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from decisionlog.domain import events
from decisionlog.domain.validation import enum_value, moment, optional_text, required_text
from decisionlog.domain.values import (
    MAX_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_TEXT_LENGTH,
    DecisionKind,
    Provenance,
    Scale,
)

if TYPE_CHECKING:
    from decisionlog.domain.trajectory import Trajectory


class ImplicitDecisionCommands:
    """Surfacing, ratifying and rejecting implicit decisions (a mixin of `Trajectory`)."""

    def surface_implicit_decision(self: Trajectory, *, domain_id: str, title: str,
            statement: str, surfaced_by: str, provenance: Provenance,
            since: datetime | None = None,
            evidence: str | None = None, scale: Scale | str = Scale.SMALL,
            kind: DecisionKind | str = DecisionKind.DECISION,
            within_frames: Iterable[str] | None = None, now: datetime | None = None
    ) -> str:
        """Name a decision that was taken without anyone naming it; it awaits ratification."""
        self._check_open()
        now = now or events.TrajectoryEvent.create_timestamp()
        fields = dict(
            title=required_text("title", title, MAX_NAME_LENGTH),
            statement=required_text("statement", statement, MAX_TEXT_LENGTH),
            since=moment("since", since, now=now),
            evidence=optional_text("evidence", evidence, MAX_TEXT_LENGTH),
            scale=enum_value("scale", Scale, scale),
            kind=enum_value("kind", DecisionKind, kind),
        )
        surfacer = self._active_member(surfaced_by, field="surfacedBy").id
        frames = self._frames("withinFrames", within_frames)
        domain = self._active_domain(domain_id)
        decision_id = str(uuid4())
        self._trigger(
            events.ImplicitDecisionSurfaced, provenance, now, decision_id=decision_id,
            domain_id=domain.id, surfaced_by=surfacer, within_frames=frames, **fields,
        )
        return decision_id

    def ratify_decision(self: Trajectory, *, decision_id: str, ratified_by: Iterable[str],
            rationale: str | None, provenance: Provenance, review_by: datetime | None = None,
            now: datetime | None = None
    ) -> str:
        """Make a surfaced implicit decision explicit: it comes into force."""
        return self._close_surfaced(
            events.DecisionRatified, decision_id, "ratifiedBy", ratified_by,
            "rationale", rationale, provenance, now, review_by=review_by,
        )

    def reject_decision(self: Trajectory, *, decision_id: str, rejected_by: Iterable[str],
            reason: str | None, provenance: Provenance, now: datetime | None = None
    ) -> str:
        """Reject a surfaced implicit decision: it is reopened."""
        return self._close_surfaced(
            events.DecisionRejected, decision_id, "rejectedBy", rejected_by,
            "reason", reason, provenance, now,
        )

    def _close_surfaced(self: Trajectory, event_class: type[events.TrajectoryEvent],
            decision_id: str, field: str, member_ids: Iterable[str], note_field: str,
            note: str | None,
            provenance: Provenance, now: datetime | None, review_by: datetime | None = None
    ) -> str:
        """Ratify or reject a surfaced implicit decision (the event class says which)."""
        self._check_open()
        decision = self._decision(decision_id).check_surfaced()
        members = self._active_members(field, member_ids, required=True)
        review = self._review_date(decision.decided_at, review_by)
        self._trigger(
            event_class, provenance, now, decision_id=decision.id, members=members,
            reason=optional_text(note_field, note, MAX_NOTE_LENGTH),
            **({} if review is None else {"review_by": review}),
        )
        return decision.id
