"""Token names are compared as a person reads `recordedBy`: ignoring case, NFKC-normalised.
`decisionlog token create` refuses `Fac` beside `fac`, `Anonymous` beside the reserved
`anonymous`, full-width `ｆａｃ`; a store that already holds such a pair (made before the
rule) keeps both working. On a SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from decisionlog.application import DecisionLog
from decisionlog.auth import TokenNameTakenError, token_store
from decisionlog.auth.tokens import hash_secret
from decisionlog.cli.main import main
from decisionlog.infrastructure.config import parse_database_url
from decisionlog.infrastructure.sqltables import SQLTable
from tests.backends import BACKENDS, fresh_database


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path, prefix="names") as database:
        yield database


def create(url: str, name: str) -> int:
    return main(["token", "create", "--role", "reader", "--name", name, "--database", url])


def test_names_differing_only_in_case_or_width_are_refused(
        url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert create(url, "fac") == 0
    capsys.readouterr()

    for clash in ("Fac", "FAC", "ｆａｃ", "Ｆac"):
        assert create(url, clash) == 2, clash
        err = capsys.readouterr().err
        assert err.startswith("decisionlog: A token named 'fac' exists already"), err
        assert len(err.splitlines()) == 1
    for reserved in ("Anonymous", "ANONYMOUS", "Demo", "ａｎｏｎｙｍｏｕｓ"):
        assert create(url, reserved) == 2, reserved
        assert "is reserved" in capsys.readouterr().err

    # A full-width name that clashes with nothing is kept in its plain form
    assert create(url, "ｚｏｅ") == 0
    log = DecisionLog(env=parse_database_url(url).env)
    try:
        assert sorted(r.name for r in token_store(log).records()) == ["fac", "zoe"]
    finally:
        log.close()


def test_a_store_holding_a_pair_from_before_keeps_both_and_takes_no_more(url: str) -> None:
    # A token table as the first release made it, holding `Fac` and `fac`
    log = DecisionLog(env=parse_database_url(url).env)
    datastore = log.recorder.datastore
    table = SQLTable(datastore, "dl_tokens")
    table.run("DROP TABLE IF EXISTS {table}", commit=True)
    table.run("CREATE TABLE {table} (name TEXT PRIMARY KEY, role TEXT NOT NULL, "
              "trajectories TEXT NOT NULL, key_id TEXT NOT NULL UNIQUE, salt TEXT NOT NULL, "
              "secret_hash TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)",
              commit=True)
    tokens = {}
    start = datetime.now(UTC)
    for n, name in enumerate(("Fac", "fac")):
        key_id, secret, salt = (secrets.token_hex(8), secrets.token_hex(32),
                                secrets.token_hex(16))
        table.run("INSERT INTO {table} VALUES (?, 'facilitator', ?, ?, ?, ?, ?, NULL)",
                  (name, json.dumps([]), key_id, salt, hash_secret(salt, secret),
                   (start + timedelta(seconds=n)).isoformat()), commit=True)
        tokens[name] = f"dl_{key_id}_{secret}"
    log.close()

    # Opened by this version: both still authenticate as themselves
    log = DecisionLog(env=parse_database_url(url).env)
    try:
        store = token_store(log)
        for name, token in tokens.items():
            record = store.authenticate(token)
            assert record is not None and record.name == name
        # ... and no third spelling is taken
        with pytest.raises(TokenNameTakenError) as refused:
            store.create(name="FAC", role="reader")
        assert refused.value.existing == "Fac"
        assert len(store.records()) == 2
        # revoking one leaves the other
        store.revoke("fac")
        assert store.authenticate(tokens["fac"]) is None
        assert store.authenticate(tokens["Fac"]) is not None
    finally:
        log.close()
