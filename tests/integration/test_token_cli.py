"""`decisionlog token create|list|revoke` and the demo token, on a SQLite file and on
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.auth import token_store
from decisionlog.auth.tokens import TOKEN_PATTERN
from decisionlog.cli.demotoken import DEMO_TOKEN_NAME, announce_demo_token, demo_token
from decisionlog.cli.main import main
from decisionlog.infrastructure.config import parse_database_url
from tests.backends import BACKENDS, fresh_database


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file, or a PostgreSQL schema (`?schema=`) made by the first command."""
    with fresh_database(request.param, tmp_path, prefix="cli") as database:
        yield database


def test_create_prints_the_token_alone_and_list_shows_no_secret(
        url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "create", "--role", "auditor", "--name", "ines",
                 "--database", url]) == 0
    token = capsys.readouterr().out
    assert TOKEN_PATTERN.fullmatch(token.strip()) and token.endswith("\n")
    assert token.count("\n") == 1

    assert main(["token", "list", "--database", url]) == 0
    listing = capsys.readouterr().out
    assert "ines" in listing and "auditor" in listing and "all" in listing
    assert token.strip()[20:] not in listing


def test_create_refuses_a_taken_name_and_an_unknown_trajectory(
        url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "create", "--role", "reader", "--name", "henk",
                 "--database", url]) == 0
    assert main(["token", "create", "--role", "reader", "--name", "henk",
                 "--database", url]) == 2
    assert main(["token", "create", "--role", "reader", "--name", "sara",
                 "--trajectory", "not-a-trajectory", "--database", url]) == 2
    errors = capsys.readouterr().err
    assert "exists already" in errors and "no trajectory not-a-trajectory" in errors


def test_create_scopes_to_existing_trajectories(url: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    log = DecisionLog(env=parse_database_url(url).env)
    tid = str(log.handle(c.StartTrajectory(name="T"), recorded_by="test").trajectory_id)
    log.close()

    assert main(["token", "create", "--role", "reader", "--name", "yara", "--trajectory",
                 tid.upper(), "--database", url]) == 0
    capsys.readouterr()
    assert main(["token", "list", "--database", url]) == 0
    assert tid in capsys.readouterr().out


def test_revoke(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["token", "create", "--role", "facilitator", "--name", "tom", "--database", url])
    token = capsys.readouterr().out.strip()

    assert main(["token", "revoke", "tom", "--database", url]) == 0
    assert main(["token", "revoke", "tom", "--database", url]) == 0
    assert main(["token", "revoke", "nobody", "--database", url]) == 1
    out = capsys.readouterr()
    assert "Revoked token 'tom'" in out.out and "revoked already" in out.out
    log = DecisionLog(env=parse_database_url(url).env)
    try:
        assert token_store(log).authenticate(token) is None
    finally:
        log.close()


def test_the_demo_token_is_kept_and_the_same_on_every_start(
        url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a PostgreSQL log's token file goes to the working folder
    database = parse_database_url(url)
    log = DecisionLog(env=database.env)
    try:
        first, path = demo_token(log, database)
        announce_demo_token(first, path, host="127.0.0.1", port=8000)
        printed = capsys.readouterr().out
        second, _ = demo_token(log, database)
        record = token_store(log).authenticate(second)
    finally:
        log.close()

    assert second == first and TOKEN_PATTERN.fullmatch(first)
    assert record is not None and record.name == DEMO_TOKEN_NAME
    assert record.role == "facilitator"
    assert f"http://127.0.0.1:8000/graphql#token={first}\n" in printed
    assert f"curl -s http://127.0.0.1:8000/graphql -H 'Authorization: Bearer {first}'" in printed
    assert path is not None and path.read_text() == first + "\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert str(path) in printed


def test_a_lost_or_revoked_demo_token_is_replaced_under_a_new_name(
        url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    database = parse_database_url(url)
    log = DecisionLog(env=database.env)
    try:
        first, path = demo_token(log, database)
        assert path is not None
        path.unlink()  # lost: only its hash is stored, so it cannot come back
        second, _ = demo_token(log, database)
        token_store(log).revoke(f"{DEMO_TOKEN_NAME}-2")
        third, _ = demo_token(log, database)
        store = token_store(log)
        names = [store.authenticate(t) for t in (first, second, third)]
    finally:
        log.close()
    assert len({first, second, third}) == 3
    assert names[0] is not None and names[0].name == DEMO_TOKEN_NAME  # still valid
    assert names[1] is None  # revoked
    assert names[2] is not None and names[2].name == f"{DEMO_TOKEN_NAME}-3"
    assert path.read_text() == third + "\n"
