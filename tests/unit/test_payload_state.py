"""A mutation's payload shows the trajectory right after its own event: not a later
change stored in the same group-commit batch, nor one stored before the answer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from decisionlog.api.context import Context
from decisionlog.api.groupcommit import GroupCommit
from decisionlog.api.schema import build_schema
from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.auth.principal import Principal
from decisionlog.domain.values import Side
from decisionlog.infrastructure.config import parse_database_url

FACILITATOR = Principal(name="fran", role="facilitator")
schema = build_schema()
RECORD = """
mutation ($input: RecordDecisionInput!) {
  recordDecision(input: $input) {
    __typename
    ... on DecisionPayload {
      version
      decision { title status supersededBy { title } }
      trajectory { version decisions(first: 100) { totalCount } history(first: 100) {
        totalCount } }
    }
  }
}"""


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DecisionLog]:
    env = ({"PERSISTENCE_MODULE": "eventsourcing.popo"} if request.param == "memory"
           else parse_database_url(f"sqlite:///{tmp_path}/log.db").env)
    log = DecisionLog(env=env)
    yield log
    log.close()


def test_each_payload_in_a_batch_shows_the_state_right_after_its_own_event(
        app: DecisionLog) -> None:
    tid = str(app.handle(c.StartTrajectory(name="Merger"), recorded_by="f").trajectory_id)
    anna = app.handle(c.AddMember(trajectory_id=tid, name="Anna", role="lead",
                                  side=Side.CLIENT), recorded_by="f").result_id
    domain = app.handle(c.DefineDomain(trajectory_id=tid, name="Design"),
                        recorded_by="f").result_id
    first = app.handle(c.RecordDecision(trajectory_id=tid, domain_id=str(domain), title="D0",
                                        statement="s", decided_by=(str(anna),)),
                       recorded_by="f").result_id
    writes = GroupCommit(app)
    context = Context(app=app, principal=FACILITATOR, writes=writes)

    async def main() -> list[Any]:
        results = await asyncio.gather(*(
            schema.execute(RECORD, {"input": {
                "trajectoryId": tid, "domainId": domain, "title": f"D{n}",
                "statement": "s", "decidedBy": [anna],
                "supersedes": [first] if n == 3 else []}}, context_value=context)
            for n in range(1, 7)))
        return [r.data for r in results]

    answers = [data["recordDecision"] for data in asyncio.run(main())]

    assert [a["version"] for a in answers] == [5, 6, 7, 8, 9, 10]
    for answer in answers:
        state = answer["trajectory"]
        assert state["version"] == answer["version"]
        assert state["history"]["totalCount"] == answer["version"]
        assert state["decisions"]["totalCount"] == answer["version"] - 3
    assert answers[0]["decision"] == {"title": "D1", "status": "IN_FORCE", "supersededBy": []}
    trajectory = app.get_trajectory(tid)
    assert trajectory is not None and trajectory.version == 10
    assert trajectory.decisions[str(first)].status == "SUPERSEDED"


def test_a_payload_answered_after_a_later_change_still_shows_its_own_state(
        app: DecisionLog) -> None:
    tid = str(app.handle(c.StartTrajectory(name="Merger"), recorded_by="f").trajectory_id)
    result = app.handle(c.DefineDomain(trajectory_id=tid, name="Design"), recorded_by="f")
    app.handle(c.DefineDomain(trajectory_id=tid, name="Budget"), recorded_by="f")
    # (the first result's trajectory is the cached aggregate, changed on by the second)
    after = app.trajectory_after(result)
    assert after.version == 2
    assert [d.name for d in after.domains.values()] == ["Design"]
