"""Names as people read them: normalised (NFKC), nothing invisible, no look-alikes.

"Вudget" (Cyrillic В) beside "Budget", "Аnna" (Cyrillic А) beside "Anna": the same
Unicode confusable skeleton (UTS #39) under another spelling is refused with a typed
error naming the active one it looks like; the read models match names by skeleton, so
`mandates(memberName: "Anna")` finds "Аnna" recorded before the rule. Old events with
such names still load and verify unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.audit.verify import verify_trajectory
from decisionlog.domain import events
from decisionlog.domain.errors import (
    ConfusableNameError,
    DuplicateDomainNameError,
    ValidationError,
)
from decisionlog.domain.values import Provenance, RightKind, Side, name_key
from decisionlog.infrastructure.config import parse_database_url

BY = "facilitator"
INVISIBLE = ["A\u200bnna", "\ufeffAnna", "An\u202ena", "Anna\u2066", "An\u200dna", "Anna\x00",
             "An\u00adna", "\u115fAnna", "Ann\ufe0fa", "An\u0007na"]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[DecisionLog]:
    log = DecisionLog(env=parse_database_url(f"sqlite:///{tmp_path}/names.db").env)
    yield log
    log.close()


def start(app: DecisionLog) -> str:
    return str(app.handle(c.StartTrajectory(name="Merger"), recorded_by=BY).trajectory_id)


def add(app: DecisionLog, tid: str, name: str) -> str:
    result = app.handle(c.AddMember(trajectory_id=tid, name=name, role="lead",
                                    side=Side.CLIENT), recorded_by=BY)
    return str(result.result_id)


def define(app: DecisionLog, tid: str, name: str) -> str:
    return str(app.handle(c.DefineDomain(trajectory_id=tid, name=name),
                          recorded_by=BY).result_id)


def test_a_domain_name_that_looks_like_an_active_one_is_refused_naming_it(
        app: DecisionLog) -> None:
    tid = start(app)
    budget = define(app, tid, "Budget")
    with pytest.raises(ConfusableNameError) as refused:
        define(app, tid, "Вudget")  # Cyrillic Ve
    assert refused.value.code == "CONFUSABLE_NAME"
    assert (refused.value.existing_id, refused.value.existing_name) == (budget, "Budget")
    assert "Budget" in refused.value.message
    with pytest.raises(DuplicateDomainNameError):
        define(app, tid, "  budget ")
    app.handle(c.RetireDomain(trajectory_id=tid, domain_id=budget), recorded_by=BY)
    define(app, tid, "Вudget")  # the look-alike of a retired name is free
    assert app.get_trajectory(tid).version == 4  # type: ignore[union-attr]


def test_a_member_name_that_looks_like_an_active_one_is_refused(app: DecisionLog) -> None:
    tid = start(app)
    anna = add(app, tid, "Anna")
    with pytest.raises(ConfusableNameError) as refused:
        add(app, tid, "Аnna")  # Cyrillic A
    assert refused.value.existing_id == anna
    add(app, tid, "Anna")  # two people may share a name, written the same way
    add(app, tid, "Anne")


@pytest.mark.parametrize("name", INVISIBLE)
def test_invisible_control_and_direction_characters_are_refused_in_names(
        app: DecisionLog, name: str) -> None:
    tid = start(app)
    for command in (c.AddMember(trajectory_id=tid, name=name, role="lead", side=Side.CLIENT),
                    c.DefineDomain(trajectory_id=tid, name=name)):
        with pytest.raises(ValidationError) as refused:
            app.handle(command, recorded_by=BY)
        assert refused.value.field == "name"
    assert app.get_trajectory(tid).version == 1  # type: ignore[union-attr]


def test_names_are_stored_in_nfkc_with_single_spaces(app: DecisionLog) -> None:
    tid = start(app)
    member = add(app, tid, "  Ａnna\u00a0 de\u3000Vries ")  # fullwidth A, no-break spaces
    trajectory = app.get_trajectory(tid)
    assert trajectory is not None
    assert trajectory.members[member].name == "Anna de Vries"


def test_mandates_find_a_look_alike_name_recorded_before_the_rule(app: DecisionLog) -> None:
    tid = start(app)
    domain = define(app, tid, "Design")
    # an event as the previous version recorded it: "Аnna" with a Cyrillic A, unchecked
    trajectory = app.get_trajectory(tid)
    assert trajectory is not None
    trajectory._trigger(events.MemberAdded, Provenance(BY), None, member_id="m-old",
                        name="Аnna", role="lead", side=Side.CLIENT, membership="CORE")
    app.save(trajectory)
    app.handle(c.GrantRight(trajectory_id=tid, domain_id=domain, member_id="m-old",
                            right=RightKind.DECIDES), recorded_by=BY)

    rows = app.readmodels.mandates("Anna")
    assert [(r.member_name, r.domain_name) for r in rows] == [("Аnna", "Design")]
    assert name_key("Anna") == name_key("Аnna") == name_key("ANNA")

    # the old event loads and verifies unchanged, after a restart too
    reopened = DecisionLog(env=app.env)
    try:
        again = reopened.get_trajectory(tid)
        assert again is not None and again.members["m-old"].name == "Аnna"
        assert verify_trajectory(reopened, tid).ok
    finally:
        reopened.close()
