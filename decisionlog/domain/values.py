"""Enumerations, limits and small value objects of the decision-log domain."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from decisionlog.domain.confusables import caseless_skeleton
from decisionlog.domain.errors import ValidationError


class Side(StrEnum):
    """Which side of the engagement a member is on."""

    CLIENT = "CLIENT"
    PROVIDER = "PROVIDER"


class Membership(StrEnum):
    """A core team member, or a specialist who joins now and then."""

    CORE = "CORE"
    SPECIALIST = "SPECIALIST"


class RightKind(StrEnum):
    """What a decision right lets its holder do about a domain."""

    DECIDES = "DECIDES"
    ADVISES = "ADVISES"
    INFORMED = "INFORMED"


class DecisionKind(StrEnum):
    """An ordinary decision, or a frame (a guiding decision that bounds later ones)."""

    DECISION = "DECISION"
    FRAME = "FRAME"


class DecisionOrigin(StrEnum):
    """Recorded when taken (explicit) or surfaced afterwards (implicit)."""

    EXPLICIT = "EXPLICIT"
    IMPLICIT = "IMPLICIT"


class DecisionStatus(StrEnum):
    """Where a decision stands now."""

    PROPOSED_IMPLICIT = "PROPOSED_IMPLICIT"
    IN_FORCE = "IN_FORCE"
    REJECTED = "REJECTED"
    SUPERSEDED = "SUPERSEDED"
    WITHDRAWN = "WITHDRAWN"


class Scale(StrEnum):
    """A small or a large matter."""

    SMALL = "SMALL"
    LARGE = "LARGE"


class Verdict(StrEnum):
    """What an observed outcome says of the decision: it holds, or it needs adjusting or
    reversing (those two put it up for review)."""

    CONFIRMED = "CONFIRMED"
    ADJUST = "ADJUST"
    REVERSE = "REVERSE"


class ReviewReasonKind(StrEnum):
    """Why a decision is up for review: a frame it lies within changed, or an outcome
    asked for it."""

    FRAME_SUPERSEDED = "FRAME_SUPERSEDED"
    FRAME_WITHDRAWN = "FRAME_WITHDRAWN"
    OUTCOME_ADJUST = "OUTCOME_ADJUST"
    OUTCOME_REVERSE = "OUTCOME_REVERSE"


class AttentionKind(StrEnum):
    """What a team has to look at in a trajectory (`Trajectory.attention`)."""

    OPEN_IMPLICIT_DECISION = "OPEN_IMPLICIT_DECISION"
    UP_FOR_REVIEW = "UP_FOR_REVIEW"
    DUE_FOR_REVIEW = "DUE_FOR_REVIEW"
    GAP = "GAP"
    OUT_OF_MANDATE = "OUT_OF_MANDATE"
    CONSULTATION_GAP = "CONSULTATION_GAP"
class OutOfMandateReason(StrEnum):
    """Why a decision lies outside its deciders' mandate (stable values; most telling
    first when deciders differ)."""

    RIGHT_ONLY_IN_OTHER_PHASES = "RIGHT_ONLY_IN_OTHER_PHASES"
    RIGHT_GRANTED_LATER = "RIGHT_GRANTED_LATER"
    RIGHT_ENDED = "RIGHT_ENDED"
    DECIDER_REMOVED = "DECIDER_REMOVED"
    NO_RIGHT_ON_DOMAIN = "NO_RIGHT_ON_DOMAIN"


class TrajectoryStatus(StrEnum):
    """An active trajectory accepts changes; a closed one does not."""

    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


# Maximum lengths, in characters, of text the domain accepts.
MAX_NAME_LENGTH = 200
MAX_TEXT_LENGTH = 10_000
MAX_NOTE_LENGTH = 2_000
MAX_LIST_LENGTH = 50
MAX_KEY_LENGTH = 200
MAX_PHASE_ORDER = 1_000_000

# What no stored text may hold: NUL (PostgreSQL text refuses it) and lone surrogates
# (they cannot be encoded as UTF-8).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def name_key(name: str) -> str:
    """How names are compared: NFKC, runs of white space as one space, case-folded and
    by their confusable skeleton (UTS #39), so that names that look alike match ("Вudget"
    with a Cyrillic В, "Budget", "budget"; see `caseless_skeleton`)."""
    return caseless_skeleton(" ".join(unicodedata.normalize("NFKC", name).split()))


def plain_name_key(name: str) -> str:
    """Names compared as spelled: NFKC, case-folded, runs of white space as one space."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass(frozen=True)
class Provenance:
    """Who recorded a change, and the idempotency key and input digest it came with."""

    recorded_by: str
    idempotency_key: str | None = None
    input_digest: str | None = None

    def __post_init__(self) -> None:
        # Every event stores its key, the chain hashes it and the trajectory keeps it.
        key = self.idempotency_key
        if key is None:
            return
        if not isinstance(key, str):
            raise ValidationError("idempotencyKey", "idempotencyKey must be text.")
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError(
                "idempotencyKey", f"idempotencyKey is longer than {MAX_KEY_LENGTH} characters.")
        if UNSTORABLE.search(key) is not None:
            raise ValidationError("idempotencyKey", "idempotencyKey must not contain NUL "
                                  "characters or lone surrogates.")
