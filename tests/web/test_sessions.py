"""Session cookies and CSRF tokens (`decisionlog.web.sessions`), and the key that signs
them, kept in the database (`decisionlog.web.keys`)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from decisionlog.application import DecisionLog
from decisionlog.infrastructure.config import parse_database_url
from decisionlog.web.keys import page_signing_key
from decisionlog.web.sessions import SESSION_SECONDS, SessionSigner
from tests.backends import BACKENDS, fresh_database


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_reads_back_until_it_expires() -> None:
    clock = Clock()
    signer = SessionSigner(b"k" * 32, clock=clock)
    session = signer.new_session("0123456789abcdef")
    cookie = signer.encode(session)
    assert signer.decode(cookie) == session
    clock.now += SESSION_SECONDS - 1
    assert signer.decode(cookie) == session
    clock.now += 1
    assert signer.decode(cookie) is None


def test_a_cookie_signed_with_another_key_or_changed_is_refused() -> None:
    signer = SessionSigner(b"k" * 32)
    cookie = signer.encode(signer.new_session("0123456789abcdef"))
    assert SessionSigner(b"j" * 32).decode(cookie) is None
    body, mac = cookie.split(".")
    for forged in (body[:-1] + ("A" if body[-1] != "A" else "B") + "." + mac,
                   body + "." + mac[:-2], body, "", "a.b.c", "!!!.???"):
        assert signer.decode(forged) is None, forged
    # a flash message is not a session, though signed with the same key
    assert signer.decode(signer.flash("hello")) is None


def test_csrf_tokens_belong_to_their_session() -> None:
    signer = SessionSigner(b"k" * 32)
    one, two = signer.new_session(None), signer.new_session(None)
    assert signer.csrf_ok(one, signer.csrf_token(one))
    assert not signer.csrf_ok(two, signer.csrf_token(one))
    assert not signer.csrf_ok(one, "")
    assert not signer.csrf_ok(None, signer.csrf_token(one))
    # signing in makes a new session: a token from before does not carry over
    assert signer.new_session("0123456789abcdef").session_id != one.session_id


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_signing_key_is_made_once_and_shared(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path, prefix="keys") as url:
        env = parse_database_url(url).env
        logs = [DecisionLog(env=env) for _ in range(4)]
        try:
            keys: list[bytes] = []

            def read(log: DecisionLog) -> None:
                keys.append(page_signing_key(log))

            threads = [threading.Thread(target=read, args=(log,)) for log in logs]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(keys) == 4 and len(set(keys)) == 1 and len(keys[0]) == 32
            reopened = DecisionLog(env=env)
            try:
                assert page_signing_key(reopened) == keys[0]
            finally:
                reopened.close()
        finally:
            for log in logs:
                log.close()
