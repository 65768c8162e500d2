"""The token store on a real database: SQLite file, PostgreSQL (when
DECISIONLOG_TEST_POSTGRES_URL is set) and in memory, through the same tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from decisionlog.application import DecisionLog
from decisionlog.auth import (
    Authenticator,
    TokenError,
    TokenNameTakenError,
    TokenNotFoundError,
    token_store,
)
from decisionlog.auth.tokens import hash_secret, split_token
from decisionlog.infrastructure.config import parse_database_url

POSTGRES_URL = os.environ.get("DECISIONLOG_TEST_POSTGRES_URL")
TRAJECTORY = "5f0c8a62-5a3b-4bb9-9c43-0d5c2cbe2f11"


def _admin(statement: str) -> None:
    import psycopg

    assert POSTGRES_URL is not None
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(statement.encode())


@pytest.fixture(params=["sqlite", "postgres", "memory"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a fresh store."""
    if request.param == "memory":
        yield {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    elif request.param == "sqlite":
        yield parse_database_url(f"sqlite:///{tmp_path}/tokens.db").env
    else:
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL tests need DECISIONLOG_TEST_POSTGRES_URL")
        schema = f"t_{uuid4().hex[:16]}"
        _admin(f'CREATE SCHEMA "{schema}"')
        yield {**parse_database_url(POSTGRES_URL).env, "POSTGRES_SCHEMA": schema}
        _admin(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def app(database: dict[str, str]) -> Iterator[DecisionLog]:
    log = DecisionLog(env=database)
    yield log
    log.close()


def test_a_created_token_authenticates_as_its_name_role_and_scope(app: DecisionLog) -> None:
    store = token_store(app)
    token = store.create(name="ines", role="reader", trajectories=[TRAJECTORY.upper()])

    record = store.authenticate(token)
    assert record is not None
    assert record.principal.name == "ines"
    assert record.principal.role == "reader"
    assert record.principal.trajectories == {TRAJECTORY}  # canonical spelling
    assert store.authenticate(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert store.authenticate("dl_" + "0" * 16 + "_" + "0" * 64) is None
    assert store.authenticate("") is None


def test_only_a_salted_hash_of_the_secret_is_stored(app: DecisionLog) -> None:
    store = token_store(app)
    one = store.create(name="one", role="auditor")
    two = store.create(name="two", role="auditor")

    records = {r.name: r for r in store.records()}
    for name, token in (("one", one), ("two", two)):
        parts = split_token(token)
        assert parts is not None
        _key_id, secret = parts
        stored = records[name]
        assert secret not in repr(stored)
        assert stored.secret_hash == hash_secret(stored.salt, secret)
    assert records["one"].salt != records["two"].salt


def test_names_are_unique_for_ever_and_checked(app: DecisionLog) -> None:
    store = token_store(app)
    store.create(name="sara", role="facilitator")
    store.revoke("sara")

    with pytest.raises(TokenNameTakenError):
        store.create(name="sara", role="reader")
    for name in ("", "anonymous", "demo", "has space", "x" * 65):
        with pytest.raises(TokenError):
            store.create(name=name, role="reader")
    with pytest.raises(TokenError):
        store.create(name="henk", role="admin")
    assert [r.name for r in store.records()] == ["sara"]


def test_a_revoked_token_no_longer_authenticates(app: DecisionLog) -> None:
    store = token_store(app)
    token = store.create(name="tom", role="facilitator")
    assert store.authenticate(token) is not None

    revoked = store.revoke("tom")
    again = store.revoke("tom")

    assert revoked.revoked_at is not None
    assert again.revoked_at == revoked.revoked_at
    assert store.authenticate(token) is None
    with pytest.raises(TokenNotFoundError):
        store.revoke("nobody")


def test_tokens_survive_reopening_the_store(database: dict[str, str]) -> None:
    if database["PERSISTENCE_MODULE"] == "eventsourcing.popo":
        pytest.skip("in-memory stores end with their application")
    first = DecisionLog(env=database)
    token = token_store(first).create(name="yara", role="reader", trajectories=[TRAJECTORY])
    first.close()

    second = DecisionLog(env=database)
    try:
        record = token_store(second).authenticate(token)
        assert record is not None
        assert record.trajectories == {TRAJECTORY}
    finally:
        second.close()


def test_the_authenticator_sees_a_revocation_after_its_cache_time(app: DecisionLog) -> None:
    store = token_store(app)
    token = store.create(name="henk", role="reader")
    now = [0.0]
    authenticator = Authenticator(store, ttl=5.0, clock=lambda: now[0])
    assert authenticator.principal(token) is not None

    store.revoke("henk")

    now[0] = 4.9
    assert authenticator.principal(token) is not None  # within the staleness bound
    now[0] = 5.1
    assert authenticator.principal(token) is None


def test_the_authenticator_cache_is_bounded(app: DecisionLog) -> None:
    store = token_store(app)
    authenticator = Authenticator(store, maxsize=3)
    tokens = [store.create(name=f"reader-{i}", role="reader") for i in range(5)]

    assert all(authenticator.principal(t) is not None for t in tokens)
    assert len(authenticator._cache) == 3
    assert authenticator.principal("dl_" + "1" * 16 + "_" + "2" * 64) is None
    assert authenticator.principal("Bearer nonsense") is None
