"""Security headers on every answer, no inline script anywhere, user text escaped."""

from __future__ import annotations

import re

import httpx

from tests.e2e.client import Server
from tests.web.conftest import MakeVisitor


def _policy(response: httpx.Response) -> dict[str, str]:
    header = response.headers["content-security-policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def _check_headers(response: httpx.Response) -> None:
    policy = _policy(response)
    assert "'unsafe-inline'" not in policy["script-src"], response.url
    assert policy["script-src"] == "script-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_every_page_and_the_api_carry_the_security_headers(
        server: Server, visitor: MakeVisitor, demo_id: str) -> None:
    someone = visitor("facilitator")
    decisions = someone.get(f"/trajectories/{demo_id}/decisions").document.find("a")
    decision = next(a for a in decisions if "/decisions/" in a.attrs.get("href", ""))
    paths = ["/sign-in", "/trajectories", "/trajectories/new", f"/trajectories/{demo_id}",
             f"/trajectories/{demo_id}?version=3", decision.attrs["href"],
             f"/trajectories/{demo_id}/decisions", f"/trajectories/{demo_id}/history",
             f"/trajectories/{demo_id}/audit", f"/trajectories/{demo_id}/audit?verify=1",
             f"/trajectories/{demo_id}/forms/record-decision", "/audit",
             f"/trajectories/{demo_id}/export.md", "/trajectories/unknown",
             "/static/style.css", "/static/enhance.js", "/health"]
    for path in paths:
        response = someone.http.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        _check_headers(response)
        if response.headers["content-type"].startswith("text/html"):
            scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", response.text, re.S)
            assert scripts, path
            for attrs, body in scripts:
                assert 'src="/static/' in attrs and not body.strip(), path
            assert " style=" not in response.text and "<style" not in response.text, path
    # GraphiQL's page and the API's answers too
    graphiql = httpx.get(server.url + "/graphql", headers={"Accept": "text/html"})
    _check_headers(graphiql)
    api = httpx.post(server.url + "/graphql", json={"query": "{ __typename }"})
    _check_headers(api)


def test_user_text_is_shown_as_text(visitor: MakeVisitor, demo_id: str) -> None:
    someone = visitor("facilitator")
    board = someone.get(f"/trajectories/{demo_id}")
    form = someone.get(f"/trajectories/{demo_id}/forms/record-decision")
    domain = form.document.find("option")[1].attrs["value"]
    member = form.document.find("input", name="decided_by")[0].attrs["value"]
    title = "<script>alert(1)</script>"
    done = someone.submit(f"/trajectories/{demo_id}/forms/record-decision", {
        "domain_id": domain, "title": title, "statement": "<b>bold</b> & <i>x</i>",
        "decided_by": member, "options_considered": "<img src=x onerror=alert(2)>"},
        opened=form)
    assert done.status == 200 and done.response.url.path.startswith(
        f"/trajectories/{demo_id}/decisions/")
    for page in (done, someone.get(f"/trajectories/{demo_id}"),
                 someone.get(f"/trajectories/{demo_id}/decisions"),
                 someone.get(f"/trajectories/{demo_id}/history",
                             after=str(int(board.document.find("input", id="version")[0]
                                           .attrs["max"]) - 1)),
                 someone.get("/audit", trajectory=demo_id, type="DecisionRecorded")):
        html = page.response.text
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page.response.url
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;" in done.response.text
