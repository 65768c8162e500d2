"""Word search: one tokenizer for indexing and querying, the same on both backends.

Text is case-folded, stripped of diacritics and cut into runs of letters and digits, in
Python, so SQLite (FTS5) and PostgreSQL (`tsvector`) index exactly the same words. A
query matches when every one of its words is a word, or the start of a word, of the text.
"""

from __future__ import annotations

import re
import unicodedata

from decisionlog.readmodels.dialect import Dialect

MAX_WORD_LENGTH = 60
MAX_QUERY_WORDS = 16

_WORD = re.compile(r"[^\W_]+")


def words(*texts: str | None) -> list[str]:
    """The distinct words of the texts, normalised, in order of first appearance."""
    seen: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        if text.isascii():
            plain = text.lower()
        else:
            folded = unicodedata.normalize("NFKD", text.casefold())
            plain = "".join(c for c in folded if not unicodedata.combining(c))
        for word in _WORD.findall(plain):
            seen.setdefault(word[:MAX_WORD_LENGTH], None)
    return list(seen)


def index_text(*texts: str | None) -> str:
    """What the search index stores for the texts: their words, space-separated."""
    return " ".join(words(*texts))


def query_words(query: str | None) -> list[str]:
    """The words of a search query (at most MAX_QUERY_WORDS); empty matches everything."""
    return words(query)[:MAX_QUERY_WORDS]


def match_condition(dialect: Dialect, table: str, alias: str) -> str:
    """A condition on `table` (as `alias`) that one match parameter fills in.

    The SQLite full-text table `<table>_fts` shares its rowids with `alias.position`.
    """
    if dialect.name == "postgres":
        return f"{alias}.search @@ CAST(? AS tsquery)"
    return f"{alias}.position IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?)"


def match_parameter(dialect: Dialect, query: list[str]) -> str:
    """The match parameter for words (each one a word or the start of one)."""
    if dialect.name == "postgres":
        return " & ".join(f"'{w}':*" for w in query)
    return " AND ".join(f'"{w}"*' for w in query)
