"""One bad request in a group-commit batch fails only itself, on SQLite and PostgreSQL.

Values that once passed the domain's checks and then failed in storage (a moment with no
UTC equivalent on SQLite, a NUL character on PostgreSQL, a lone surrogate anywhere) are
refused by the domain now, as a `ValidationError` naming the field; and whatever else
makes the batch's save fail makes each request run on its own, so that the others are
stored and answered as if the bad one had not been there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from decisionlog.api.groupcommit import GroupCommit
from decisionlog.application import CommandRequest, CommandResult, DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain.errors import ValidationError
from decisionlog.domain.values import RightKind, Side
from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, fresh_database

BY = "facilitator"
EARLY = datetime.fromisoformat("0001-01-01T00:30:00+01:00")
LATE = datetime.fromisoformat("9999-12-31T23:59:59-14:00")


@pytest.fixture(params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DecisionLog]:
    with fresh_database(request.param, tmp_path, prefix="poison") as url:
        log = DecisionLog(env={**parse_database_url(url).env, "POSTGRES_POOL_SIZE": "2"})
        yield log
        log.close()


def together(app: DecisionLog, commands: list[c.Command], keys: list[str | None] | None = None
             ) -> list[CommandResult | BaseException]:
    """The commands sent at once through a group commit (one batch), with their outcomes."""
    writes = GroupCommit(app)
    keys = keys or [None] * len(commands)

    async def main() -> list[CommandResult | BaseException]:
        return list(await asyncio.gather(
            *(writes.execute(CommandRequest(command, BY, None, key))
              for command, key in zip(commands, keys, strict=True)),
            return_exceptions=True))
    return asyncio.run(main())


def setup(app: DecisionLog) -> tuple[str, str, str]:
    tid = str(app.handle(c.StartTrajectory(name="Merger"), recorded_by=BY).trajectory_id)
    anna = app.handle(c.AddMember(trajectory_id=tid, name="Anna", role="lead",
                                  side=Side.CLIENT), recorded_by=BY).result_id
    domain = app.handle(c.DefineDomain(trajectory_id=tid, name="Design"),
                        recorded_by=BY).result_id
    assert anna is not None and domain is not None
    return tid, anna, domain


def decision(tid: str, domain: str, anna: str, title: str, **fields: Any) -> c.RecordDecision:
    return c.RecordDecision(trajectory_id=tid, domain_id=domain, title=title,
                            statement="We decided.", decided_by=(anna,), **fields)


BAD = [
    ("decidedAt", lambda tid, d, a: decision(tid, d, a, "Early", decided_at=EARLY)),
    ("effectiveFrom", lambda tid, d, a: c.GrantRight(
        trajectory_id=tid, domain_id=d, member_id=a, right=RightKind.DECIDES,
        effective_from=LATE)),
    ("title", lambda tid, d, a: decision(tid, d, a, "Nul\x00title")),
    ("statement", lambda tid, d, a: c.RecordDecision(
        trajectory_id=tid, domain_id=d, title="S", statement="lone \ud800 surrogate",
        decided_by=(a,))),
    ("optionsConsidered", lambda tid, d, a: decision(tid, d, a, "O",
                                                     options_considered=("ok", "n\x00l"))),
    ("decidedBy", lambda tid, d, a: decision(tid, d, "\udfff", "Who")),
    ("name", lambda tid, d, a: c.AddMember(trajectory_id=tid, name="Bob\x00",
                                           role="lead", side=Side.CLIENT)),
    ("reason", lambda tid, d, a: c.RetireDomain(trajectory_id=tid, domain_id=d,
                                                reason="\ud83d half an emoji")),
]


@pytest.mark.parametrize(("field", "bad"), BAD, ids=[field for field, _ in BAD])
def test_a_value_storage_refuses_fails_only_its_own_request(
        app: DecisionLog, field: str, bad: Any) -> None:
    tid, anna, domain = setup(app)
    other = str(app.handle(c.StartTrajectory(name="Other"), recorded_by=BY).trajectory_id)

    outcomes = together(app, [
        decision(tid, domain, anna, "Before"),
        bad(tid, domain, anna),
        c.AddMember(trajectory_id=other, name="Ben", role="lead", side=Side.PROVIDER),
        decision(tid, domain, anna, "After"),
    ])

    before, refused, ben, after = outcomes
    assert isinstance(refused, ValidationError) and refused.field == field, refused
    assert isinstance(before, CommandResult) and before.version == 4
    assert isinstance(ben, CommandResult) and ben.version == 2
    assert isinstance(after, CommandResult) and after.version == 5
    trajectory = app.get_trajectory(tid)
    assert trajectory is not None and trajectory.version == 5
    assert [d.title for d in trajectory.decisions.values()] == ["Before", "After"]
    titles = [row.title for row in app.readmodels.decisions(first=10).rows]
    assert sorted(titles) == ["After", "Before"]


def test_an_idempotency_key_storage_refuses_is_a_validation_error(app: DecisionLog) -> None:
    tid, anna, domain = setup(app)
    outcomes = together(app, [decision(tid, domain, anna, "A"), decision(tid, domain, anna, "B")],
                        keys=["fine", "bad\x00key"])
    assert isinstance(outcomes[0], CommandResult) and outcomes[0].version == 4
    assert isinstance(outcomes[1], ValidationError)
    assert outcomes[1].field == "idempotencyKey"


def test_a_batch_whose_save_fails_is_run_again_one_request_at_a_time(
        app: DecisionLog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever makes storing the batch fail (here: the read models refuse one event),
    every other request is stored and answered; the poisoned one gets the failure."""
    tid, anna, domain = setup(app)
    from decisionlog.readmodels import store

    project = store.project

    def poisoned(events: Any) -> Any:
        events = list(events)
        if any(getattr(e, "title", None) == "Poison" for _, e in events):
            raise RuntimeError("storage refused the poison")
        return project(events)

    monkeypatch.setattr(store, "project", poisoned)
    outcomes = together(app, [decision(tid, domain, anna, f"D{i}") for i in range(3)]
                        + [decision(tid, domain, anna, "Poison")]
                        + [decision(tid, domain, anna, f"E{i}") for i in range(3)])

    assert [o.version for o in outcomes if isinstance(o, CommandResult)] == [4, 5, 6, 7, 8, 9]
    assert isinstance(outcomes[3], RuntimeError)
    trajectory = app.get_trajectory(tid)
    assert trajectory is not None
    assert [d.title for d in trajectory.decisions.values()] == [
        "D0", "D1", "D2", "E0", "E1", "E2"]
