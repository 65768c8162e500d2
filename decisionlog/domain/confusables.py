"""Names that look alike: the Unicode confusable skeleton (UTS #39, section 4).

Two names are confusable when their skeletons are equal: "Вudget" (Cyrillic В) and
"Budget", "Аnna" (Cyrillic А) and "Anna". The skeleton of a text is its NFD form with
every character replaced by the prototype of its confusable class, put in NFD again.

The confusable classes come from the data file the `confusable-homoglyphs` distribution
ships (`confusables.json`, built from Unicode's `confusables.txt`): for each character
the characters it is confusable with. Only that data file is read (with the standard
library); none of that package's code runs here, so the domain stays pure. The file
lists each source character beside its prototype and back; a class is a connected
part of that graph, and its prototype is the member linked to the most others (the one
`confusables.txt` maps them all to), the smallest such text on a tie. The data is
pinned with the dependency's version: the read models store keys made from it.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache, lru_cache
from importlib import resources

DATA_PACKAGE = "confusable_homoglyphs"
DATA_FILE = "confusables.json"
_DIRECTION_MARKS = "\u200e\u200f"  # around right-to-left entries in the data file


@cache
def _prototypes() -> dict[int, str]:
    """For every character with a prototype other than itself: that prototype."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    data: dict[str, list[dict[str, str]]] = json.loads(text)
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    degree: dict[str, int] = {}
    for source, targets in data.items():
        a = source.strip(_DIRECTION_MARKS)
        for target in targets:
            b = target["c"].strip(_DIRECTION_MARKS)
            if a and b and a != b:
                degree[a] = degree.get(a, 0) + 1
                parent[root(a)] = root(b)
    prototype: dict[str, str] = {}
    for node, links in degree.items():
        group = root(node)
        best = prototype.get(group)
        if best is None or (-links, node) < (-degree[best], best):
            prototype[group] = node
    return {ord(node): prototype[root(node)] for node in degree
            if len(node) == 1 and prototype[root(node)] != node}


@lru_cache(maxsize=8192)
def skeleton(text: str) -> str:
    """The UTS #39 skeleton of `text`: equal for texts that look alike."""
    mapped = unicodedata.normalize("NFD", text).translate(_prototypes())
    return unicodedata.normalize("NFD", mapped)


@cache
def _foreign_prototypes() -> dict[int, str]:
    """`_prototypes` for the characters outside ASCII only."""
    return {code: prototype for code, prototype in _prototypes().items() if code > 127}


@lru_cache(maxsize=8192)
def caseless_skeleton(text: str) -> str:
    """The skeleton of `text` case-folded, so that "Вudget" (Cyrillic capital В, whose
    small letter looks like no Latin one) and "budget" match, while ASCII letters keep
    their case-folding ("DESIGN" is "design", not "deslgn": a capital I looks like l)."""
    foreign = unicodedata.normalize("NFD", text).translate(_foreign_prototypes())
    return skeleton(foreign.casefold())
