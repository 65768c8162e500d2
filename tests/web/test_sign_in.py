"""Signing in and out: the session cookie, CSRF on the sign-in form, revocation."""

from __future__ import annotations

import time

from tests.e2e.client import Server
from tests.web.conftest import MakeVisitor
from tests.web.pages_client import Visitor


def test_pages_ask_a_visitor_to_sign_in_and_come_back(server: Server, demo_id: str) -> None:
    someone = Visitor(server)
    page = someone.get(f"/trajectories/{demo_id}/history", after="3")
    assert page.status == 200
    assert page.response.url.path == "/sign-in"
    assert page.document.find("input", name="next")[0].attrs["value"] == \
        f"/trajectories/{demo_id}/history?after=3"
    # the front door sends the visitor to the sign-in page too
    assert someone.get("/").response.url.path == "/sign-in"


def test_a_token_signs_in_and_the_cookie_holds_no_token(server: Server) -> None:
    token = server.facilitator_token
    assert token is not None
    someone = Visitor(server)
    form = someone.get("/sign-in")
    response = someone.http.post("/sign-in", data={**form.document.hidden(), "token": token,
                                                   "next": "/trajectories"},
                                 follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/trajectories"
    headers = response.headers.get_list("set-cookie")
    session = next(h for h in headers if h.startswith("dl_session="))
    assert "httponly" in session.lower() and "samesite=lax" in session.lower()
    assert "secure" not in session.lower()  # plain http here
    _, secret = token.removeprefix("dl_").split("_")
    assert secret not in session and token not in session
    page = someone.get("/trajectories")
    assert page.status == 200 and "Signed in as ana" in page.text


def test_a_wrong_token_is_refused_beside_the_field(server: Server) -> None:
    someone = Visitor(server)
    for token, message in (("", "Paste your token"), ("hello", "starts with dl_"),
                           ("dl_" + "0" * 16 + "_" + "0" * 64, "unknown or has been revoked")):
        form = someone.get("/sign-in")
        page = someone.post("/sign-in", {**form.document.hidden(), "token": token})
        assert page.status == 400
        error = page.document.by_id("token-error")
        assert error is not None and message in error.text
        assert page.document.find("input", id="token")[0].attrs["aria-invalid"] == "true"
    assert someone.get("/trajectories").response.url.path == "/sign-in"


def test_signing_in_needs_the_forms_csrf_token(server: Server) -> None:
    someone = Visitor(server)
    someone.get("/sign-in")  # a visitor's session, but no token from the form
    page = someone.post("/sign-in", {"token": server.facilitator_token, "csrf_token": "x"})
    assert page.status == 400 and "expired" in page.text
    # a post from another site is refused even with the token
    form = someone.get("/sign-in")
    response = someone.http.post("/sign-in", data={**form.document.hidden(),
                                                   "token": server.facilitator_token},
                                 headers={"Origin": "https://evil.example"})
    assert response.status_code == 400 and "another site" in response.text
    assert someone.get("/trajectories").response.url.path == "/sign-in"


def test_sign_in_goes_only_to_pages_of_this_site(server: Server) -> None:
    someone = Visitor(server)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        form = someone.get("/sign-in", next=target)
        response = someone.http.post("/sign-in", data={
            **form.document.hidden(), "token": server.facilitator_token},
            follow_redirects=False)
        assert response.headers["location"] == "/trajectories"


def test_the_cookie_is_secure_behind_https(server: Server) -> None:
    headers = {"X-Forwarded-Proto": "https"}  # uvicorn trusts it from 127.0.0.1
    form = Visitor(server).http.get("/sign-in", headers=headers)
    assert "; secure" in form.headers["set-cookie"].lower()


def test_signing_out_ends_the_session(visitor: MakeVisitor) -> None:
    someone = visitor("reader")
    page = someone.get("/trajectories")
    assert page.status == 200
    signed_out = someone.post("/sign-out", page.document.hidden())
    assert signed_out.response.url.path == "/sign-in"
    assert "You are signed out" in signed_out.text
    assert someone.get("/trajectories").response.url.path == "/sign-in"


def test_a_tampered_cookie_is_no_session(server: Server, visitor: MakeVisitor) -> None:
    someone = visitor("facilitator")
    value = someone.http.cookies["dl_session"]
    body, mac = value.split(".")
    forged = Visitor(server)
    forged.http.cookies.set("dl_session", body + "." + mac[::-1])
    assert forged.get("/trajectories").response.url.path == "/sign-in"


def test_a_revoked_tokens_session_ends_within_the_cache_bound(
        server: Server, visitor: MakeVisitor) -> None:
    someone = visitor("facilitator")
    server.revoke_token(someone.name)
    deadline = time.monotonic() + 1 + 3  # DECISIONLOG_TOKEN_CACHE_SECONDS=1, and slack
    while time.monotonic() < deadline:
        page = someone.get("/trajectories")
        if page.response.url.path == "/sign-in":
            break
        time.sleep(0.2)
    assert page.response.url.path == "/sign-in"
    assert "revoked" in page.text


def test_a_restart_signs_nobody_out(server: Server, visitor: MakeVisitor) -> None:
    someone = visitor("reader")
    assert someone.get("/trajectories").status == 200
    server.stop()
    server.start()
    page = someone.get("/trajectories")
    assert page.response.url.path == "/trajectories" and someone.name in page.text
