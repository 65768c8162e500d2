"""docs/live.md's GraphQL examples are valid against the schema (the Python example runs
in tests/scaleout/test_live_dashboard.py), and the README links the page."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, validate

from decisionlog.api.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]


def test_the_live_docs_graphql_examples_are_valid() -> None:
    text = (ROOT / "docs" / "live.md").read_text()
    documents = re.findall(r"```graphql\n(.*?)```", text, re.DOTALL)
    python = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    documents += re.findall(r'gql\("""(.*?)"""\)', "".join(python), re.DOTALL)
    assert len(documents) >= 3
    schema = build_schema()._schema
    for document in documents:
        assert validate(schema, parse(document)) == [], document


def test_the_readme_links_the_live_docs() -> None:
    assert "(docs/live.md)" in (ROOT / "README.md").read_text()
