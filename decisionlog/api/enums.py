"""The domain's enumerations, registered as GraphQL enums under the same names."""

from __future__ import annotations

import strawberry

from decisionlog.domain import values

for _enum in (values.Side, values.Membership, values.RightKind, values.DecisionKind,
              values.DecisionOrigin, values.DecisionStatus, values.Scale,
              values.TrajectoryStatus, values.OutOfMandateReason, values.Verdict,
              values.ReviewReasonKind, values.AttentionKind):
    strawberry.enum(_enum)

Side = values.Side
Membership = values.Membership
RightKind = values.RightKind
DecisionKind = values.DecisionKind
DecisionOrigin = values.DecisionOrigin
DecisionStatus = values.DecisionStatus
Scale = values.Scale
TrajectoryStatus = values.TrajectoryStatus
OutOfMandateReason = values.OutOfMandateReason
Verdict = values.Verdict
ReviewReasonKind = values.ReviewReasonKind
AttentionKind = values.AttentionKind
