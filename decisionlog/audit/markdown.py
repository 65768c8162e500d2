"""Text that people wrote, made safe to put into a Markdown document (and its HTML).

What a person wrote must read as text, never as structure: a title with a line break
and "## Decision 99" must not add a heading, a statement with pipes must not add a
table, `<script>` must not reach a browser as a tag. So `inline` (for one line: list
items, headings, table cells) turns every run of whitespace that holds a line break
into one space; `block` (for paragraphs) keeps the lines but strips their indentation
(no code blocks) and escapes what would start a block; both escape the characters that
make inline markup (CommonMark backslash escapes) and write `<`, `>` and `&` as HTML
entities. Other characters (full stops, parentheses, colons) stay as written, so the
raw file reads as it did.
"""

from __future__ import annotations

import re

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Characters that make inline markup: code, emphasis, links and images, table cells,
# strikethrough, heading closers, and the escape itself.
_MARKUP = frozenset("\\`*_[]|~#")
_LINE_BREAK = re.compile(r"\s*[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]\s*")
# What starts a block at the beginning of a line: list items ("-", "+", "1." "1)"),
# setext heading underlines ("===", "---"), thematic breaks.
_BLOCK_START = re.compile(r"^([-+=]|\d{1,9}(?=[.)]))")


def _escape(text: str) -> str:
    out = []
    for char in text:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _MARKUP:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def inline(text: str) -> str:
    """A person's text on one line: line breaks become spaces, markup is escaped."""
    return _escape(_LINE_BREAK.sub(" ", text).strip())


def block(text: str) -> str:
    """A person's text as paragraphs: its lines kept (blank lines part paragraphs),
    each line read as text and nothing else."""
    lines = []
    for line in re.split(r"\r\n|\r|\n", text):
        line = _escape(line.strip())
        match = _BLOCK_START.match(line)
        if match:
            end = match.end()
            line = (line[:end] + "\\" + line[end:]) if line[:1].isdigit() \
                else "\\" + line
        lines.append(line)
    return "\n".join(lines).strip("\n")
