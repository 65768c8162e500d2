"""Trusted documents: the manifest of the operations a client was built with.

`decisionlog serve --trusted-documents FILE` (or `DECISIONLOG_TRUSTED_DOCUMENTS`) reads a
manifest in the formats client build tools write:
- a JSON object from id or hash to document text: GraphQL Codegen's client preset with
  `persistedDocuments: true` (`persisted-documents.json`, keys are SHA-256 hashes) and
  Relay's compiler with `persistConfig` (`persisted_queries.json`, keys are MD5 ids);
- Apollo's persisted query manifest (`@apollo/generate-persisted-query-manifest`):
  `{"format": "apollo-persisted-query-manifest", "version": 1, "operations":
  [{"id": ..., "body": ..., "name": ..., "type": ...}]}`.
Every document must parse. A manifest that is missing, unreadable, malformed or holds a
document that does not parse stops the service before it starts, with one line naming
the file and the problem (`ManifestError`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from graphql import GraphQLError, parse

from decisionlog.api.limits import MAX_QUERY_CHARS, MAX_TOKENS

SHA256_HEX: Final = re.compile(r"[0-9a-fA-F]{64}")
APOLLO_FORMAT: Final = "apollo-persisted-query-manifest"
MAX_MANIFEST_BYTES: Final = 64 * 1024 * 1024


class ManifestError(Exception):
    """Raised when a trusted-documents manifest cannot be used; the message is one line
    naming the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"Trusted documents {str(path)!r}: {problem}")


@dataclass(frozen=True)
class TrustedManifest:
    """The documents a manifest trusts, by id, by SHA-256 hash and by text."""

    path: str
    by_id: dict[str, str]
    by_sha256: dict[str, str]
    texts: frozenset[str]

    @classmethod
    def load(cls, path: str | Path) -> TrustedManifest:
        """The manifest in the file; raises ManifestError."""
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            raise ManifestError(path, "no such file.") from None
        except IsADirectoryError:
            raise ManifestError(path, "is a directory, not a file.") from None
        except OSError as error:
            raise ManifestError(path, f"cannot be read ({error.strerror}).") from None
        if len(raw) > MAX_MANIFEST_BYTES:
            raise ManifestError(path, f"larger than {MAX_MANIFEST_BYTES:,} bytes.")
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ManifestError(path, "is not UTF-8 text.") from None
        except json.JSONDecodeError as error:
            raise ManifestError(path, f"is not JSON ({error.msg}, line {error.lineno}, "
                                      f"column {error.colno}).") from None
        return cls.of(str(path), _documents(path, data))

    @classmethod
    def of(cls, path: str, documents: dict[str, str]) -> TrustedManifest:
        """A manifest of these documents by id; raises ManifestError for one that does
        not parse."""
        by_sha256: dict[str, str] = {}
        for key, text in documents.items():
            try:
                parse(text, max_tokens=MAX_TOKENS, max_source_length=MAX_QUERY_CHARS)
            except GraphQLError as error:
                problem = " ".join(error.message.split())
                raise ManifestError(path, f"the document {key!r} does not parse: "
                                          f"{problem}") from None
            by_sha256[sha256_of(text)] = text
            if SHA256_HEX.fullmatch(key):
                by_sha256.setdefault(key.lower(), text)
        return cls(path=path, by_id=dict(documents), by_sha256=by_sha256,
                   texts=frozenset(documents.values()))

    def find(self, document_id: str) -> str | None:
        """The text of a document by its id, its hash, or `sha256:` and its hash."""
        text = self.by_id.get(document_id)
        if text is None:
            digest = document_id[7:] if document_id.startswith("sha256:") else document_id
            text = self.by_sha256.get(digest.lower())
        return text

    def __len__(self) -> int:
        return len(self.by_id)


def sha256_of(text: str) -> str:
    """The hex SHA-256 of a document's text, as clients compute it."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _documents(path: str | Path, data: Any) -> dict[str, str]:
    if not isinstance(data, dict):
        raise ManifestError(path, "expected a JSON object from id to document, or an "
                                  "Apollo persisted query manifest.")
    if data.get("format") == APOLLO_FORMAT:
        operations = data.get("operations")
        if data.get("version") != 1 or not isinstance(operations, list):
            raise ManifestError(path, "an Apollo manifest needs version 1 and a list of "
                                      "operations.")
        documents: dict[str, str] = {}
        for index, operation in enumerate(operations):
            if not (isinstance(operation, dict) and isinstance(operation.get("id"), str)
                    and isinstance(operation.get("body"), str)):
                raise ManifestError(path, f"operation {index} needs a string id and body.")
            documents[operation["id"]] = operation["body"]
        return _non_empty(path, documents)
    for key, value in data.items():
        if not isinstance(value, str):
            raise ManifestError(path, f"the value of {key!r} is not a document (a string).")
    return _non_empty(path, data)


def _non_empty(path: str | Path, documents: dict[str, str]) -> dict[str, str]:
    if not documents:
        raise ManifestError(path, "holds no documents.")
    return documents
