"""Rules on inputs that the aggregate's commands share: idempotency keys, names, id lists."""

from __future__ import annotations

import pytest

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain.errors import DuplicateDomainNameError, ValidationError
from decisionlog.domain.trajectory import Trajectory
from decisionlog.domain.values import MAX_KEY_LENGTH, Provenance

BY = Provenance("facilitator")


def started() -> Trajectory:
    trajectory = Trajectory.start(name="Programme", client=None, description=None,
                                  provenance=BY)
    trajectory.collect_events()
    return trajectory


def test_an_idempotency_key_longer_than_the_limit_is_refused() -> None:
    Provenance("facilitator", "k" * MAX_KEY_LENGTH)
    with pytest.raises(ValidationError) as refused:
        Provenance("facilitator", "k" * (MAX_KEY_LENGTH + 1))
    assert refused.value.field == "idempotencyKey"


def test_the_application_refuses_a_long_key_and_writes_nothing() -> None:
    app = DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    tid = app.handle(c.StartTrajectory(name="P", client=None, description=None),
        recorded_by="f").trajectory_id
    with pytest.raises(ValidationError):
        app.handle(c.DefineDomain(trajectory_id=str(tid),
                                  name="D", description=None), recorded_by="f",
                                      idempotency_key="k" * (MAX_KEY_LENGTH + 1))
    with pytest.raises(ValidationError):
        app.handle(c.StartTrajectory(name="P", client=None, description=None), recorded_by="f",
                             idempotency_key="k" * (MAX_KEY_LENGTH + 1))
    assert app.get_trajectory(tid).version == 1  # type: ignore[union-attr]
    assert app.recorder.max_notification_id() == 1


def test_domain_names_that_differ_only_in_white_space_or_case_are_the_same() -> None:
    trajectory = started()
    trajectory.define_domain(name="Design Team", description=None, provenance=BY)
    for same in ("design team", "Design  Team", "DESIGN\tTEAM"):
        with pytest.raises(DuplicateDomainNameError):
            trajectory.define_domain(name=same, description=None, provenance=BY)


def test_a_repeated_superseded_decision_is_named_as_a_decision() -> None:
    trajectory = started()
    member = trajectory.add_member(name="Ada", role="lead", side="CLIENT",
                                   membership="CORE", provenance=BY)
    domain = trajectory.define_domain(name="Design", description=None, provenance=BY)
    old = trajectory.record_decision(domain_id=domain, title="T", statement="S",
                                     decided_by=[member], provenance=BY)
    with pytest.raises(ValidationError) as refused:
        trajectory.record_decision(domain_id=domain, title="T2", statement="S2",
                                   decided_by=[member], supersedes=[old, old],
                                   provenance=BY)
    assert refused.value.message == "supersedes names the same decision twice."
