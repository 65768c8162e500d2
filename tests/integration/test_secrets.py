"""Server secrets (`dl_secrets`): made once, by whichever process asks first, and then the
same for everyone, also when many ask at the same moment; kept across restarts. On a
SQLite file, PostgreSQL and in memory."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from decisionlog.application import DecisionLog
from decisionlog.auth.cursors import CursorSealer, InvalidCursorError
from decisionlog.auth.secrets import random_key, secret_store
from tests.integration.conftest import Backend

PROCESSES = 8


def test_a_secret_is_made_once_for_everyone_who_asks_together(backend: Backend) -> None:
    env = backend.new_store()
    apps = [DecisionLog(env=env) for _ in range(PROCESSES)]  # as many workers
    gate = threading.Barrier(PROCESSES)
    made: list[str] = []

    def ask(app: DecisionLog) -> str:
        def make() -> str:
            made.append(value := random_key())
            return value
        gate.wait()
        return secret_store(app).get_or_make("session-key", make)

    try:
        with ThreadPoolExecutor(PROCESSES) as pool:
            values = list(pool.map(ask, apps))
        assert len(set(values)) == 1 and values[0] in made
        assert len(bytes.fromhex(values[0])) == 32
    finally:
        for app in apps:
            app.close()
    # ... and kept: a restart finds the same value, another name gets its own
    again = backend.open(env)
    assert secret_store(again).get_or_make("session-key") == values[0]
    assert secret_store(again).get_or_make("other-key") != values[0]


def test_a_sealed_cursor_opens_only_for_its_list_and_key() -> None:
    sealer = CursorSealer(bytes(32), legacy_limit=10)
    cursor = sealer.seal("auditlog", 2**63 - 1)
    assert sealer.open("auditlog", cursor) == 2**63 - 1
    assert sealer.seal("auditlog", 5) == sealer.seal("auditlog", 5)  # stable across pages
    with pytest.raises(InvalidCursorError):
        sealer.open("decisions", cursor)
    with pytest.raises(InvalidCursorError):
        CursorSealer(bytes([1] * 32), legacy_limit=10).open("auditlog", cursor)
    for bad in ("", "nonsense", "!!!", "YXVkaXRsb2c6LTE=", "YXVkaXRsb2c6MTE="):
        with pytest.raises(InvalidCursorError):  # -1, and 11 past the legacy limit
            sealer.open("auditlog", bad)
    assert sealer.open("auditlog", "YXVkaXRsb2c6MTA=") == 10  # "auditlog:10"
