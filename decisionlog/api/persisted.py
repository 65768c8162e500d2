"""Persisted documents: a request may name its document instead of sending it.

- **Automatic persisted queries** (Apollo's protocol): `extensions.persistedQuery`
  `{"version": 1, "sha256Hash": HASH}`. A hash this worker knows runs its document; an
  unknown one gets the error `PersistedQueryNotFound` (`PERSISTED_QUERY_NOT_FOUND`), and
  the client sends the hash again with the document, which is checked against the hash
  (`provided sha does not match query`) and kept in the document cache
  (`documents.py`, per worker, bounded): a restart or another worker just asks once more.
  With `DECISIONLOG_PERSISTED_QUERIES=0` they get `PersistedQueryNotSupported`
  (`PERSISTED_QUERY_NOT_SUPPORTED`) and Apollo clients stop trying.
- **Trusted documents** (`manifest.py`): with a manifest, only its documents run, named
  by id or hash (`extensions.persistedQuery`, `documentId` as the GraphQL-over-HTTP
  draft has it, or Relay's `doc_id`), or sent in full if the text is in the manifest;
  anything else is refused with `PERSISTED_QUERY_NOT_IN_LIST`, naming the setting, and
  logged, and never reaches the GraphQL pipeline. Documents that only introspect
  (`__schema`, `__type`, `__typename`) run unless introspection is off.
- A mutation sent with GET is refused with 405 (GraphQL over HTTP: GET is for queries).

Refusals are `DocumentRefusedError`s, answered as GraphQL errors: `PersistedQueryNotFound`,
`PersistedQueryNotSupported` and untrusted documents with 200 under `application/json`
(as Apollo Server does) and 400 under `application/graphql-response+json` (nothing ran);
a malformed hash or id, or a hash that does not match, with 400.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.responses import JSONResponse, Response

from decisionlog.api.cacheplan import root_field_names, selected_operation
from decisionlog.api.limits import MAX_QUERY_CHARS, MAX_TOKENS
from decisionlog.api.manifest import TrustedManifest, sha256_of
from decisionlog.api.media import GRAPHQL_RESPONSE_JSON

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from cross_web import AsyncHTTPRequestAdapter
    from strawberry.http import GraphQLRequestData

    from decisionlog.api.documents import DocumentCache

logger = logging.getLogger("decisionlog.api")

HASH: Final = re.compile(r"[0-9a-fA-F]{64}")
SETTING: Final = "serve --trusted-documents, DECISIONLOG_TRUSTED_DOCUMENTS"
ID_FIELDS: Final = ("documentId", "doc_id")
INTROSPECTION_FIELDS: Final = frozenset({"__schema", "__type", "__typename"})
NOT_FOUND: Final = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED: Final = "PERSISTED_QUERY_NOT_SUPPORTED"
NOT_IN_LIST: Final = "PERSISTED_QUERY_NOT_IN_LIST"
BAD_REQUEST: Final = "BAD_REQUEST"


class DocumentRefusedError(Exception):
    """Raised when a request's document cannot be run as sent; answered as a GraphQL
    request error (see the module docstring for the status codes)."""

    def __init__(self, message: str, code: str, *, status: int = 400,
                 json_status: int | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.json_status = status if json_status is None else json_status
        self.headers = dict(headers or {})

    def response(self, media_type: str) -> Response:
        body = {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}
        status = self.status if media_type == GRAPHQL_RESPONSE_JSON else self.json_status
        return JSONResponse(body, status_code=status, headers=self.headers,
                            media_type=f"{media_type}; charset=utf-8")


def _not_found(message: str = "PersistedQueryNotFound") -> DocumentRefusedError:
    return DocumentRefusedError(message, NOT_FOUND, json_status=200)


@dataclass
class PersistedDocuments:
    """How one app finds the document of a request (see the module docstring)."""

    documents: DocumentCache
    manifest: TrustedManifest | None = None
    automatic: bool = True
    introspection: bool = True
    refused: int = 0  # documents refused for not being trusted, since start

    def resolve(self, data: GraphQLRequestData, document_id: object = None
                ) -> GraphQLRequestData:
        """The request with the text of the document it names; raises
        DocumentRefusedError."""
        query = self.query_of(data.query, data.extensions, document_id)
        return data if query is data.query else replace(data, query=query)

    def query_of(self, query: str | None, extensions: object, document_id: object
                 ) -> str | None:
        """The text of the document a request names or sends."""
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) \
            else None
        if document_id is not None:
            if query is not None:
                raise DocumentRefusedError(
                    "Send either the document (query) or its id (documentId), not both.",
                    BAD_REQUEST)
            return self._by_id(document_id)
        if persisted is not None:
            return self._by_hash(persisted, query)
        if query is not None and self.manifest is not None:
            self._check_trusted(query)
        return query

    def known_query(self, query: object, extensions: object, document_id: object
                    ) -> str | None:
        """What `query_of` answers when that takes no parsing, registers nothing and
        refuses nothing (the fast path's question); None otherwise."""
        if not (query is None or isinstance(query, str)):
            return None
        if document_id is not None:
            return None if query is not None or not isinstance(document_id, str) \
                else self._known_id(document_id)
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) \
            else None
        if persisted is None:
            if query is None or (self.manifest is not None
                                 and query not in self.manifest.texts):
                return None
            return query
        if query is not None or not isinstance(persisted, dict) \
                or persisted.get("version") != 1:
            return None
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str):
            return None
        if self.manifest is not None:
            return self.manifest.by_sha256.get(digest.lower())
        document = self.documents.persisted(digest.lower()) if self.automatic else None
        return None if document is None else document.text

    def _known_id(self, document_id: str) -> str | None:
        if self.manifest is not None:
            return self.manifest.find(document_id)
        digest = document_id[7:] if document_id.startswith("sha256:") else document_id
        document = self.documents.persisted(digest.lower()) \
            if self.automatic and HASH.fullmatch(digest) else None
        return None if document is None else document.text

    def _by_id(self, document_id: object) -> str:
        if not isinstance(document_id, str) or not document_id.strip():
            raise DocumentRefusedError("documentId must be a non-empty string.", BAD_REQUEST)
        text = self._known_id(document_id)
        if text is None and self.manifest is not None:
            raise _not_found(f"Document {document_id!r} is not among this server's "
                             f"trusted documents ({SETTING}).")
        if text is None:
            raise _not_found(f"Document {document_id!r} is unknown: send the document "
                             "itself (query).")
        return text

    def _by_hash(self, persisted: object, query: str | None) -> str:
        if self.manifest is None and not self.automatic:
            raise DocumentRefusedError("PersistedQueryNotSupported", NOT_SUPPORTED,
                                       json_status=200)
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise DocumentRefusedError(
                "Unsupported persisted query version: send extensions.persistedQuery as "
                '{"version": 1, "sha256Hash": ...}.', BAD_REQUEST)
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not HASH.fullmatch(digest):
            raise DocumentRefusedError(
                "persistedQuery.sha256Hash must be 64 hexadecimal characters: the "
                "SHA-256 hash of the document.", BAD_REQUEST)
        digest = digest.lower()
        if query is not None:
            if sha256_of(query) != digest:
                raise DocumentRefusedError("provided sha does not match query", BAD_REQUEST)
            if self.manifest is not None:
                self._check_trusted(query)
            elif self.automatic:
                with contextlib.suppress(GraphQLError):  # the pipeline reports it
                    self.documents.persist(digest, query)
            return query
        if self.manifest is not None:
            text = self.manifest.by_sha256.get(digest)
        else:
            document = self.documents.persisted(digest)
            text = None if document is None else document.text
        if text is None:
            raise _not_found()
        return text

    def refusal(self, query: str) -> GraphQLError | None:
        """Why the pipeline must not run a document (counted and logged), or None; for
        operations that reach it other than over HTTP (a websocket)."""
        if self.manifest is None:
            return None
        try:
            self._check_trusted(query)
        except DocumentRefusedError as error:
            return GraphQLError(error.message, extensions={"code": error.code})
        return None

    def _check_trusted(self, query: str) -> None:
        assert self.manifest is not None
        if query in self.manifest.texts or (self.introspection and introspects_only(query)):
            return
        self.refused += 1
        logger.warning("Refused a document that is not among the trusted documents "
                       "(sha256 %s, %d characters)", sha256_of(query)[:16], len(query))
        raise DocumentRefusedError(
            f"This server runs only its trusted documents ({SETTING}): this document is "
            "not among them. Send the id or hash of one that is.", NOT_IN_LIST,
            json_status=200)


def document_id_of(params: Mapping[str, Any]) -> object:
    """The document id a request names (`documentId`, or Relay's `doc_id`), if any."""
    for name in ID_FIELDS:
        value = params.get(name)
        if value is not None:
            return value
    return None


def introspects_only(query: str) -> bool:
    """Whether every operation of the document selects only introspection fields."""
    try:
        document = parse(query, max_tokens=MAX_TOKENS, max_source_length=MAX_QUERY_CHARS,
                         no_location=True)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        names = root_field_names(document, operation.selection_set)
        if names is None or not names <= INTROSPECTION_FIELDS:
            return False
    return bool(operations)


def refuse_mutation_over_get(documents: DocumentCache, query: str | None,
                             operation_name: str | None) -> None:
    """Raise a 405 DocumentRefusedError when a GET would run a mutation."""
    if not query:
        return
    try:
        document = documents.parsed(query)
    except GraphQLError:
        return  # the pipeline reports the syntax error
    operation = selected_operation(document.node, operation_name)
    if operation is not None and operation.operation is OperationType.MUTATION:
        raise DocumentRefusedError(
            "Mutations need POST: GET runs queries only (GraphQL over HTTP).",
            "METHOD_NOT_ALLOWED", status=405, headers={"Allow": "POST"})


async def resolve_request(persisted: PersistedDocuments, data: GraphQLRequestData,
                          request: AsyncHTTPRequestAdapter,
                          parse_json: Callable[[bytes], Any]) -> GraphQLRequestData:
    """The request the view parsed, with the text of the document it names (a
    `documentId` is read from the URL, or from the body when it sends no document)."""
    document_id = None
    if request.method == "GET":
        document_id = document_id_of(request.query_params)
    elif data.query is None and not (isinstance(data.extensions, dict)
                                     and "persistedQuery" in data.extensions):
        body = parse_json(await request.get_body())
        document_id = document_id_of(body) if isinstance(body, dict) else None
    data = persisted.resolve(data, document_id)
    if request.method == "GET":
        refuse_mutation_over_get(persisted.documents, data.query, data.operation_name)
    return data
