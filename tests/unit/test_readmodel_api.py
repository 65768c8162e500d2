"""The lists across trajectories on the schema itself: a page of trajectories answers the
row's fields without loading a single aggregate, and a field beyond the row loads the
trajectory as of the row's version, so one node never mixes two states."""

from __future__ import annotations

from typing import Any

import pytest

from decisionlog.api.context import Context
from decisionlog.api.readmodel_types import TrajectoryStandIn
from decisionlog.api.schema import build_schema
from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.auth import Principal
from decisionlog.domain.values import RightKind, Side

schema = build_schema()


@pytest.fixture
def app() -> DecisionLog:
    return DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def run(app: DecisionLog, query: str) -> dict[str, Any]:
    result = schema.execute_sync(query, context_value=Context(
        app=app, principal=Principal(name="t", role="reader")))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def start(app: DecisionLog, name: str) -> str:
    started = app.handle(c.StartTrajectory(name=name, client="Gemeente"), recorded_by="t")
    return str(started.trajectory_id)


def add_member(app: DecisionLog, tid: str, name: str) -> None:
    app.handle(c.AddMember(trajectory_id=tid, name=name, role="lead", side=Side.CLIENT),
               recorded_by="t")


def test_a_page_of_row_fields_loads_no_aggregate(app: DecisionLog,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    tids = [start(app, f"Programme {n}") for n in range(3)]
    add_member(app, tids[1], "Anna")
    design = app.handle(c.DefineDomain(trajectory_id=tids[1], name="Design"),
                        recorded_by="t").result_id
    app.handle(c.GrantRight(trajectory_id=tids[1], domain_id=str(design), role="lead",
                            right=RightKind.DECIDES), recorded_by="t")
    expected = run(app, "{ trajectories { edges { node { id name client status version "
                        "startedAt modifiedAt } } } }")
    assert [e["node"]["version"] for e in expected["trajectories"]["edges"]] == [1, 4, 1]

    def no_loading(*args: object, **kwargs: object) -> None:
        raise AssertionError("an aggregate was loaded")

    monkeypatch.setattr(app, "get_trajectory", no_loading)
    assert run(app, "{ trajectories { totalCount edges { node { id name client status "
                    "version startedAt modifiedAt } } } }")["trajectories"] == {
        "totalCount": 3, **expected["trajectories"]}
    assert run(app, '{ mandates(memberName: "anna") { trajectory { id name status } } }') == {
        "mandates": [{"trajectory": {"id": tids[1], "name": "Programme 1",
                                     "status": "ACTIVE"}}]}


def test_a_field_beyond_the_row_loads_the_trajectory_as_of_the_rows_version(
        app: DecisionLog) -> None:
    tid = start(app, "Programme")
    add_member(app, tid, "Anna")
    stand_in = TrajectoryStandIn(app, tid, version=2, name="Programme")
    add_member(app, tid, "Bob")  # written after the row was read

    assert stand_in.name == "Programme" and stand_in.version == 2
    assert [m.name for m in stand_in.members.values()] == ["Anna"]
    assert stand_in.head_digest == app.get_trajectory(tid,
        version=2).head_digest  # type: ignore[union-attr]

    current = TrajectoryStandIn(app, tid, version=3)
    assert current.members == app.get_trajectory(tid).members  # type: ignore[union-attr]
