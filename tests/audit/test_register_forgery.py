"""The markdown register cannot be forged: whatever a facilitator writes in a title, a
statement, an option, a name or a reason reads as text. The register is parsed with a
real Markdown parser (markdown-it-py, CommonMark with GitHub's tables) and its structure
asserted: the headings, tables, lists and links are the register's own, and no HTML
but its anchors."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.audit.export import export_markdown
from decisionlog.domain.values import RightKind, Side
from tests.audit.helpers import run

FAKE_ENTRY = "Real title\n\n## Decision 99\n\n- Status: IN_FORCE\n- Decided by: Board"
FAKE_TABLE = ("Fine.\n\n| Domain | Decides | Advises | Informed |\n| --- | --- | --- | --- |\n"
              "| Budget | Board | — | — |")
SCRIPT = "<script>alert('register')</script>"
IMAGE = "<img src=x onerror=alert(1)>"
OPTIONS = [SCRIPT, "[Board decides](http://evil.example/)", "===\nA"]
ANCHOR = re.compile(r'<a id="decision-[0-9a-f-]+"></a>\n?')
# What the register's own structure may contain; anything else came from a person.
ALLOWED = {
    "heading_open", "heading_close", "inline", "paragraph_open", "paragraph_close",
    "bullet_list_open", "bullet_list_close", "ordered_list_open", "ordered_list_close",
    "list_item_open", "list_item_close", "table_open", "table_close", "thead_open",
    "thead_close", "tbody_open", "tbody_close", "tr_open", "tr_close", "th_open", "th_close",
    "td_open", "td_close", "html_block",
}


def plain(token: Token) -> str:
    """The text an inline token shows (escapes and entities resolved)."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type not in ("link_open", "link_close"):
            parts.append(f"<{child.type}>")
    return "".join(parts)


def forged_trajectory(app: DecisionLog) -> UUID:
    """A trajectory whose every text tries to be structure."""
    tid = app.handle(c.StartTrajectory(name="Programme <b>X</b>\n# Fake heading",
                                       client="*Acme*", description=FAKE_TABLE),
                     recorded_by="fac").trajectory_id
    t = str(tid)
    eve = str(run(app, c.AddMember(trajectory_id=t, name="Eve | Board",
                                   role="lead\n- extra item", side=Side.CLIENT), by="fac"))
    budget = str(run(app, c.DefineDomain(
        trajectory_id=t, name="Budget ## x",
        description="    indented code\n> quote\n1. list item"), by="fac"))
    run(app, c.GrantRight(trajectory_id=t, domain_id=budget, member_id=eve,
                          right=RightKind.DECIDES, condition=IMAGE), by="fac")
    run(app, c.RecordDecision(
        trajectory_id=t, domain_id=budget, title=FAKE_ENTRY,
        statement=FAKE_TABLE + "\n" + SCRIPT, rationale="```\nfenced\n```\n---",
        options_considered=tuple(OPTIONS), decided_by=(eve,)), by="fac")
    surfaced = str(run(app, c.SurfaceImplicitDecision(
        trajectory_id=t, domain_id=budget, title="Quietly *dropped* the council",
        statement="> Board", surfaced_by=eve,
        evidence="&lt;script&gt; &amp; [x]: http://evil.example/"), by="fac"))
    run(app, c.WithdrawDecision(trajectory_id=t, decision_id=surfaced, withdrawn_by=(eve,),
                                reason="---\n# Withdrawn by the Board"), by="fac")
    return tid


@pytest.fixture
def register(app: DecisionLog) -> str:
    return export_markdown(app, forged_trajectory(app))


def test_headings_are_the_registers_own(register: str) -> None:
    tokens = MarkdownIt("commonmark").enable("table").parse(register)
    headings = [(tokens[i].tag, plain(tokens[i + 1])) for i, t in enumerate(tokens)
                if t.type == "heading_open"]
    assert headings == [
        ("h1", "Decision register: Programme <b>X</b> # Fake heading"),
        ("h2", "Design team"),
        ("h2", "Decisions"),
        ("h3", "D1. Real title ## Decision 99 - Status: IN_FORCE - Decided by: Board"),
        ("h4", "Context and problem statement"),
        ("h4", "Considered options"),
        ("h4", "Decision outcome"),
        ("h3", "D2. Quietly *dropped* the council"),
        ("h4", "Context and problem statement"),
        ("h4", "Considered options"),
        ("h4", "Decision outcome"),
        ("h2", "Who decides what"),
        ("h2", "Changes to who decides what"),
    ]


def test_tables_lists_and_html_are_the_registers_own(register: str) -> None:
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(register)
    # No structure a person could have made: no code, quotes, rules, links, images
    assert {t.type for t in tokens} <= ALLOWED, {t.type for t in tokens} - ALLOWED
    # HTML: only the anchor before each decision, a paragraph of its own
    html = [t.content for t in tokens if t.type == "html_block"] + [
        t.content for t in tokens
        if t.children and any(c.type == "html_inline" for c in t.children)]
    assert len(html) == 2 and all(ANCHOR.fullmatch(line) for line in html), html
    children = [c for t in tokens if t.children and t.content not in html
                for c in t.children]
    assert {c.type for c in children} <= {"text", "code_inline", "softbreak",
                                          "link_open", "link_close"}
    assert [c for c in children if c.type == "link_open"] == []  # no supersedes here

    # Three tables, each with the rows the register writes, the cells as written
    tables = []
    rows: list[list[str]] = []
    for i, token in enumerate(tokens):
        if token.type == "table_open":
            rows = []
        elif token.type == "tr_open":
            rows.append([])
        elif token.type in ("th_open", "td_open"):
            rows[-1].append(plain(tokens[i + 1]))
        elif token.type == "table_close":
            tables.append(rows)
    assert [len(table) for table in tables] == [2, 2, 3]  # header + rows
    team, matrix, history = tables
    assert team[1][:4] == ["Eve | Board", "lead - extra item", "CLIENT", "CORE"]
    assert matrix[1] == ["Budget ## x", f"Eve | Board ({IMAGE})", "—", "—"]
    assert [row[2] for row in history[1:]] == ["fac", "fac"]
    assert all(len(row) == len(table[0]) for table in tables for row in table)

    # The options are one ordered list of three, as written
    ordered = [i for i, t in enumerate(tokens) if t.type == "ordered_list_open"]
    assert len(ordered) == 1
    items = []
    for token in tokens[ordered[0]:]:
        if token.type == "ordered_list_close":
            break
        if token.type == "inline":
            items.append(plain(token))
    assert items == [SCRIPT, "[Board decides](http://evil.example/)", "=== A"]

    # The HTML a browser would get holds the text, escaped, and no tag of a person's
    rendered = md.render(register)
    assert "<script" not in rendered and "<img" not in rendered and "<b>" not in rendered
    assert "&lt;script&gt;alert('register')&lt;/script&gt;" in rendered.replace("&#x27;", "'")
    assert "| Budget | Board | — | — |" in rendered
    assert "&amp;lt;script&amp;gt;" in rendered  # an entity as written, not decoded


def test_ordinary_text_reads_as_written(app: DecisionLog) -> None:
    tid = app.handle(c.StartTrajectory(name="Merger (2026): unity & difference"),
                     recorded_by="fac").trajectory_id
    text = export_markdown(app, tid)
    assert text.startswith("# Decision register: Merger (2026): unity &amp; difference\n")
    tokens = MarkdownIt("commonmark").parse(text)
    assert plain(tokens[1]) == "Decision register: Merger (2026): unity & difference"
