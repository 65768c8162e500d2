"""Commands as data: every command has a handler, and "the same request" is decided by
the command alone (its type name and the fields not at their default)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from decisionlog.application import DecisionLog, handlers
from decisionlog.application import commands as c
from decisionlog.application.idempotency import (
    DIGEST_PREFIX,
    LEGACY_MUTATIONS,
    check_repeat,
    command_digest,
    input_digest,
)
from decisionlog.domain.errors import IdempotencyKeyReusedError
from decisionlog.domain.values import DecisionKind, Scale, Side

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
TID = "3f8a5c1e-0000-4000-8000-000000000001"


def command_types() -> list[type[c.Command]]:
    """Every concrete command of `decisionlog.application.commands`."""
    abstract = {c.Command, c.TrajectoryCommand}
    return [value for value in vars(c).values()
            if isinstance(value, type) and issubclass(value, c.Command)
            and value not in abstract]


def test_every_command_has_a_handler() -> None:
    missing = [t.__name__ for t in command_types()
               if t not in handlers.HANDLERS and t is not c.StartTrajectory]
    assert missing == []
    assert len(command_types()) == 22


def test_every_command_is_frozen_and_takes_keywords_only() -> None:
    for command_type in command_types():
        params = command_type.__dataclass_params__  # type: ignore[attr-defined]
        assert params.frozen, command_type
        assert all(f.kw_only for f in dataclasses.fields(command_type)), command_type


def test_the_digest_leaves_out_fields_at_their_default() -> None:
    bare = c.RecordDecision(trajectory_id=TID, domain_id="d", title="T", statement="S",
                            decided_by=("m",))
    explicit = c.RecordDecision(trajectory_id=TID, domain_id="d", title="T", statement="S",
                                decided_by=("m",), options_considered=(), consulted=(),
                                scale=Scale.SMALL, kind=DecisionKind.DECISION,
                                supersedes=(), rationale=None, decided_at=None)
    assert command_digest(bare) == command_digest(explicit)
    assert command_digest(bare).startswith(DIGEST_PREFIX)
    other_trajectory = dataclasses.replace(bare, trajectory_id="another")
    assert command_digest(other_trajectory) == command_digest(bare)  # the key is scoped
    assert command_digest(dataclasses.replace(bare, scale=Scale.LARGE)) != command_digest(bare)
    assert command_digest(dataclasses.replace(bare, title="U")) != command_digest(bare)


def test_a_command_with_an_optional_field_added_later_has_the_same_digest() -> None:
    # an optional field added to AddMember in a later release (same name, same meaning)
    later = dataclasses.make_dataclass(
        "AddMember", [("note", str | None, dataclasses.field(default=None, kw_only=True))],
        bases=(c.AddMember,), frozen=True)
    before = c.AddMember(trajectory_id=TID, name="Ada", role="lead", side=Side.CLIENT)
    after = later(trajectory_id=TID, name="Ada", role="lead", side=Side.CLIENT)
    assert command_digest(after) == command_digest(before)
    assert command_digest(later(trajectory_id=TID, name="Ada", role="lead", side=Side.CLIENT,
                                note="x")) != command_digest(before)


def test_a_retry_across_an_input_type_change_is_recognised_as_a_repeat(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = DecisionLog(env=POPO)
    tid = str(app.handle(c.StartTrajectory(name="Merger"), recorded_by="f").trajectory_id)
    first = app.handle(c.AddMember(trajectory_id=tid, name="Ada", role="lead",
                                   side=Side.CLIENT), recorded_by="f", idempotency_key="k1")

    # the deploy: AddMember gains an optional field; the client retries with its old input
    later = dataclasses.make_dataclass(
        "AddMember", [("note", str | None, dataclasses.field(default=None, kw_only=True))],
        bases=(c.AddMember,), frozen=True)
    monkeypatch.setitem(handlers.HANDLERS, later, handlers.HANDLERS[c.AddMember])
    retry = app.handle(later(trajectory_id=tid, name="Ada", role="lead", side=Side.CLIENT),
                       recorded_by="f", idempotency_key="k1")

    assert (retry.repeated, retry.version, retry.result_id) == (
        True, first.version, first.result_id)
    assert app.get_trajectory(tid).version == 2  # type: ignore[union-attr]
    with pytest.raises(IdempotencyKeyReusedError):
        app.handle(later(trajectory_id=tid, name="Ada", role="lead", side=Side.CLIENT,
                         note="changed"), recorded_by="f", idempotency_key="k1")
    app.close()


def legacy(name: str, **inputs: Any) -> str:
    """A digest as the version before commands were data computed it."""
    return input_digest(name, **inputs)


def test_a_digest_stored_by_the_previous_version_is_recognised() -> None:
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    command = c.RecordDecision(trajectory_id=TID, domain_id="d", title="T", statement="S",
                               decided_by=("m",), consulted=("n",), decided_at=at)
    fields: dict[str, Any] = dict(
        domain_id="d", title="T", statement="S", decided_by=["m"], rationale=None,
        consulted=["n"], scale="SMALL", kind="DECISION", decided_at=at)
    # optional lists left out (null) or sent empty ([]): both are the same request
    for options, supersedes in ((None, None), ([], None), (None, []), ([], [])):
        stored = legacy("recordDecision", **fields, options_considered=options,
                        supersedes=supersedes)
        check_repeat(stored, command, command_digest(command), "k")
    changed = legacy("recordDecision", **{**fields, "title": "U"}, options_considered=None,
                     supersedes=None)
    with pytest.raises(IdempotencyKeyReusedError):
        check_repeat(changed, command, command_digest(command), "k")
    with pytest.raises(IdempotencyKeyReusedError):  # another mutation, same inputs
        check_repeat(legacy("surfaceImplicitDecision", **fields), command,
                     command_digest(command), "k")


# Commands added after commands became data: no request of theirs was stored before.
NEWER_COMMANDS = {c.DefinePhase, c.RetirePhase, c.StartPhase, c.MarkInformed,
                  c.ReframeDecision, c.ConfirmDecision, c.ScheduleReview, c.RecordOutcome}


def test_every_command_of_the_previous_version_has_its_mutation_name() -> None:
    assert set(LEGACY_MUTATIONS) == set(command_types()) - NEWER_COMMANDS
    for command_type, (_, names) in LEGACY_MUTATIONS.items():
        fields = {f.name for f in dataclasses.fields(command_type)} - {"trajectory_id"}
        assert set(names) <= fields, command_type
