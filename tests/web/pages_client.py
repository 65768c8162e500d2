"""A browser-less visitor of the pages: an HTTP client that keeps its cookies, reads
the hidden fields of forms and the errors shown, and posts forms as a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.e2e.client import GraphQLClient, Server


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class Document(HTMLParser):
    """The parts of a page the tests look at: every element with its attributes and
    text, in document order."""

    VOID = frozenset({"input", "meta", "link", "br", "img", "hr", "source", "col"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements of the tag (any if None) whose attributes contain these values
        (`class_` for class: a word of it)."""
        found = []
        for element in self.elements:
            if tag is not None and element.tag != tag:
                continue
            ok = True
            for name, value in attrs.items():
                name = name.rstrip("_")
                if name == "class":
                    ok = ok and value in element.attrs.get("class", "").split()
                else:
                    ok = ok and element.attrs.get(name) == value
            if ok:
                found.append(element)
        return found

    def by_id(self, element_id: str) -> Element | None:
        found = self.find(id=element_id)
        return found[0] if found else None

    def text_of(self, tag: str | None = None, **attrs: str) -> list[str]:
        return [" ".join(e.text.split()) for e in self.find(tag, **attrs)]

    def hidden(self) -> dict[str, str]:
        return {e.attrs["name"]: e.attrs.get("value", "")
                for e in self.find("input", type="hidden") if "name" in e.attrs}


@dataclass
class Page:
    response: httpx.Response
    document: Document = field(init=False)

    def __post_init__(self) -> None:
        self.document = Document(self.response.text)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        return " ".join(visible_text(self.response.text).split())

    def field_error(self, name: str) -> str | None:
        """The error shown beside the field `name`, if any."""
        element = self.document.by_id(f"f-{name}-error")
        return None if element is None else " ".join(element.text.split())

    def problems(self) -> list[str]:
        box = self.document.find(id="problems")
        return [] if not box else [" ".join(box[0].text.split())]


def visible_text(html: str) -> str:
    """The visible text of a page (tags dropped; script and style left out)."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").replace("&lt;", "<") \
        .replace("&gt;", ">").replace("&#34;", '"').replace("&#39;", "'")


class Visitor:
    """Someone using the pages with one browser (one cookie jar)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.name = ""  # of the token signed in with
        self.token = ""
        self.http = httpx.Client(base_url=server.url, timeout=30, verify=False,
                                   follow_redirects=True)

    def get(self, path: str, **params: Any) -> Page:
        return Page(self.http.get(path, params=params or None))

    def post(self, path: str, data: dict[str, Any]) -> Page:
        return Page(self.http.post(path, data=data))

    def sign_in(self, token: str) -> Page:
        form = self.get("/sign-in")
        return self.post("/sign-in", {**form.document.hidden(), "token": token,
                                      "next": "/trajectories"})

    def submit(self, path: str, fields: dict[str, Any], *, opened: Page | None = None) -> Page:
        """Open the form at `path` (or use the one opened), fill in `fields` and send it
        with its hidden fields (CSRF token, expected version, idempotency key)."""
        form = opened or self.get(path)
        assert form.status == 200, form.text[:500]
        return self.post(path, {**form.document.hidden(), **fields})

    def close(self) -> None:
        self.http.close()


def api(server: Server, token: str) -> GraphQLClient:
    return server.client(token)
