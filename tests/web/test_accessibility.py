"""Every input labelled, headings in order, the matrix a real table with headers, on
every page a facilitator can open."""

from __future__ import annotations

import itertools

from decisionlog.web.forms_catalogue import FORMS
from tests.web.conftest import MakeVisitor
from tests.web.pages_client import Page


def _check(page: Page, where: str) -> None:
    labels = {e.attrs.get("for") for e in page.document.find("label")}
    for element in page.document.elements:
        if element.tag not in ("input", "select", "textarea"):
            continue
        if element.attrs.get("type") in ("hidden", "submit"):
            continue
        assert element.attrs.get("id") in labels, (where, element.attrs)
    levels = [int(e.tag[1]) for e in page.document.elements
              if e.tag in ("h1", "h2", "h3", "h4")]
    assert levels and levels[0] == 1 and levels.count(1) == 1, (where, levels)
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), (where, levels)
    assert page.document.find("main", id="main") and page.document.find("a", href="#main")
    assert page.document.find("html")[0].attrs.get("lang") == "en"


def test_every_page_is_labelled_and_in_order(visitor: MakeVisitor, demo_id: str) -> None:
    someone = visitor("facilitator")
    decisions = someone.get(f"/trajectories/{demo_id}/decisions")
    decision = next(a.attrs["href"] for a in decisions.document.find("a")
                    if "/decisions/" in a.attrs.get("href", ""))
    paths = ["/trajectories", "/trajectories/new", f"/trajectories/{demo_id}",
             f"/trajectories/{demo_id}?version=12&in_force_at=2030-01-01",
             f"/trajectories/{demo_id}/decisions", decision,
             f"/trajectories/{demo_id}/history", f"/trajectories/{demo_id}/audit?verify=1",
             "/audit", *(f"/trajectories/{demo_id}/forms/{slug}" for slug in FORMS)]
    for path in paths:
        page = someone.get(path)
        assert page.status == 200, path
        _check(page, path)
    board = someone.get(f"/trajectories/{demo_id}")
    headers = board.document.find("th")
    assert {h.attrs.get("scope") for h in headers} <= {"col", "row"}
    _check(visitor(None).get("/sign-in"), "/sign-in")
