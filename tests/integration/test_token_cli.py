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
from decisionlog.cli.main import main
from decisionlog.cli.tokens import DEMO_TOKEN_NAME, announce_demo_token
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


def test_the_demo_token_is_made_once(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    log = DecisionLog(env=parse_database_url(url).env)
    try:
        announce_demo_token(log, url=url, host="127.0.0.1", port=8000)
        first = capsys.readouterr().out
        announce_demo_token(log, url=url, host="127.0.0.1", port=8000)
        second = capsys.readouterr().out
        record = token_store(log).get(DEMO_TOKEN_NAME)
    finally:
        log.close()

    token = next(w for w in first.split() if TOKEN_PATTERN.fullmatch(w))
    assert "curl -s http://127.0.0.1:8000/graphql -H 'Authorization: Bearer " in first
    assert record is not None and record.role == "facilitator"
    assert "exists already" in second and "token create --role facilitator" in second
    assert token not in second
