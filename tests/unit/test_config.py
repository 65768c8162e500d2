"""Database URLs, `serve` options that need no server, and retries under write contention."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.application import decision_log as application
from decisionlog.cli.main import event_loop_and_parser, main
from decisionlog.domain.errors import VersionConflictError, WriteContentionError
from decisionlog.infrastructure.config import DatabaseURLError, parse_database_url, redact

PG = "postgresql://ana:s%40cret@db.example:6543/decisions"


def test_a_postgresql_url_gives_eventsourcing_its_settings() -> None:
    database = parse_database_url(PG)
    assert database.backend == "postgres" and not database.is_sqlite
    assert database.env == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "decisions",
        "POSTGRES_HOST": "db.example", "POSTGRES_PORT": "6543", "POSTGRES_USER": "ana",
        "POSTGRES_PASSWORD": "s@cret"}
    assert parse_database_url("postgres://a:b@h/d").env["POSTGRES_PORT"] == "5432"


def test_a_schema_option_puts_the_tables_in_that_schema() -> None:
    env = parse_database_url(PG + "?schema=team_a").env
    assert env["POSTGRES_SCHEMA"] == "team_a"


@pytest.mark.parametrize("url", [PG + "?sslmode=require", PG + "?schema=", PG + "?schema=" +
                                 "x" * 64, "postgresql://h", "mysql://h/db"])
def test_a_url_the_service_cannot_use_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(DatabaseURLError) as info:
        parse_database_url(url)
    assert "s@cret" not in str(info.value) and "s%40cret" not in str(info.value)


def test_redact_hides_the_password_only() -> None:
    assert redact(PG + "?schema=x") == "postgresql://ana:***@db.example:6543/decisions?schema=x"
    assert redact("postgresql://ana@h/d") == "postgresql://ana@h/d"
    assert redact("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize("url", ["sqlite:///x.db", "memory://"])
def test_serve_refuses_several_workers_without_postgresql(
        url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--database", url, "--workers", "2"]) == 2
    assert "needs PostgreSQL" in capsys.readouterr().err
    assert main(["serve", "--database", url, "--workers", "0"]) == 2


def test_serve_names_uvloop_and_httptools() -> None:
    assert event_loop_and_parser() == ("uvloop", "httptools")  # uvicorn[standard] is installed


# Retries of a change without an expected version


class Beaten(DecisionLog):
    """Once `beaten`, every save loses the race to another writer."""

    beaten = False

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        if self.beaten:
            raise IntegrityError("another writer saved this version first")
        return super().save(*objs, **kwargs)


def test_a_change_beaten_every_time_is_a_conflict_that_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(application, "RETRY_PAUSE_CAP", 0.0)
    app = Beaten(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    tid = app.handle(c.StartTrajectory(name="T", client=None, description=None),
        recorded_by="f").trajectory_id
    app.beaten = True
    with pytest.raises(WriteContentionError) as info:
        app.handle(c.DefineDomain(trajectory_id=str(tid),
                                  name="D", description=None), recorded_by="f")
    assert isinstance(info.value, VersionConflictError)  # the API's VersionConflict
    assert (info.value.expected_version, info.value.actual_version) == (1, 1)
    assert f"changed {application.MAX_UNCONDITIONAL_ATTEMPTS} times" in info.value.message
    assert app.get_trajectory(tid).version == 1  # type: ignore[union-attr]
