"""schema.graphql is the public contract: it must equal the schema the code builds."""

from __future__ import annotations

from pathlib import Path

from decisionlog.api.schema import schema_sdl

SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"


def test_schema_file_equals_the_code_schema() -> None:
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "schema.graphql differs from the code's schema: run `make schema` and review the diff."
    )


def test_schema_keeps_the_public_names() -> None:
    sdl = schema_sdl()
    for name in [
        "trajectory(id: ID!, asOf: AsOf = null): Trajectory",
        "trajectories(", "whoDecidesWhat(", "): [DomainMandate!]!", "gaps(",
        "): [DecisionDomain!]!", "outOfMandate(", "): [Decision!]!",
        "history(first: Int = null, after: String = null)",
        "input AsOf @oneOf", "startTrajectory(", "closeTrajectory(", "addMember(",
        "changeMember(", "removeMember(", "defineDomain(", "retireDomain(", "grantRight(",
        "revokeRight(", "recordDecision(", "surfaceImplicitDecision(", "ratifyDecision(",
        "rejectDecision(", "withdrawDecision(", "type ValidationError", "type NotFound",
        "type RuleViolation", "type VersionConflict", "type NotAuthorized",
        "union RightHolder = Member | Role",
    ]:
        assert name in sdl, name
