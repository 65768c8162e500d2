"""GraphiQL's page without a browser: nothing it loads comes from elsewhere, no inline
script (so its Content-Security-Policy can forbid them), the vendored assets are the
pinned releases, and the wheel ships them."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from decisionlog.api.graphiql import FIRST_QUERY, STATIC
from tests.e2e.client import Server

ROOT = Path(__file__).resolve().parents[2]
VENDOR = STATIC / "vendor"


class Page(HTMLParser):
    """The URLs a page loads, its inline scripts and inline event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("src", "href", "action") and v is not None]
        self.handlers += [k for k, _ in attrs if k.startswith("on")]
        self._in_script = tag == "script" and "src" not in values

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A client of a real server (the page is the same on every store)."""
    server = Server(f"sqlite:///{tmp_path_factory.mktemp('page')}/page.db").start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            yield client
    finally:
        server.close()


def test_the_page_loads_nothing_from_elsewhere_and_runs_no_inline_script(
        http: httpx.Client) -> None:
    answer = http.get("/graphql", headers={"Accept": "text/html"})
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy and "unsafe-eval" not in policy
    page = Page()
    page.feed(answer.text)
    assert page.inline_scripts == [] and page.handlers == []
    assert len(page.urls) >= 7
    for url in page.urls:
        assert (url.startswith("/") and not url.startswith("//")) or url.startswith("data:"), url
        if url.startswith("/"):
            asset = http.get(url)
            assert asset.status_code == 200, url
            if url.endswith(".css"):
                assert_css_loads_nothing_from_elsewhere(asset.text, url)


def assert_css_loads_nothing_from_elsewhere(css: str, name: str) -> None:
    for reference in re.findall(r"url\(\s*['\"]?([^'\")]*)", css):
        assert reference.startswith("data:") or not re.match(r"\w+:|//", reference), \
            (name, reference[:80])
    assert "@import" not in css, name


def test_the_page_opens_on_the_projects_query(http: httpx.Client) -> None:
    text = http.get("/graphql", headers={"Accept": "text/html"}).text
    assert "query WhoDecidesWhat" in FIRST_QUERY
    assert 'data-first-query="# decisionlog: who decides when about what.' in text
    assert "token create --role reader --name YOUR-NAME" in text


def test_the_vendored_assets_are_the_pinned_releases() -> None:
    lines = (VENDOR / "VERSIONS").read_text().splitlines()
    assert lines[1].split() == ["graphiql@4.1.2", "react@18.3.1", "react-dom@18.3.1",
                                "graphql-ws@6.0.4"]
    sums = dict(reversed(line.split()) for line in lines[2:])
    assert set(sums) == {p.name for p in VENDOR.iterdir()} - {"VERSIONS"}
    for name, digest in sums.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    licences = (VENDOR / "THIRD-PARTY-LICENSES.txt").read_text()
    for package in ("graphiql 4.1.2", "react 18.3.1", "react-dom 18.3.1", "graphql-ws 6.0.4",
                    "graphql 16."):
        assert f"\n{package}" in licences, package


@pytest.mark.slow
def test_the_wheel_ships_the_page_and_its_assets(tmp_path: Path) -> None:
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True,
                           timeout=300, check=False)
    assert build.returncode == 0, build.stderr
    [wheel] = tmp_path.glob("decisionlog-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in STATIC.rglob("*"):
        if path.is_file():
            assert f"decisionlog/{path.relative_to(ROOT / 'decisionlog')}" in names, path
