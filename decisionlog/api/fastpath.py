"""The read path at HTTP speed: kept answers sent before strawberry, conditional GETs.

`FastPath` sits in front of the GraphQL view on `/graphql`. For a request that names a
known document (in full, by hash or by id) with variables whose answer is kept in the
result cache (`resultcache.py`), it does what the view would do first (the token, from
the authenticator's cache) and the same check that the answer is current (each
dependency against the store, `dependencies.py`), then sends the kept bytes, or `304
Not Modified` to a GET whose `If-None-Match` names the answer's tag, without parsing,
validating or executing anything. Anything else, or any doubt (a token not cached, an
odd body), goes to the view unchanged.

`tag_response` is the view's side: it gives an answer of the pipeline its `ETag` (and
its bytes to the kept entry), and answers a matching GET with 304 there too (on a worker
that had not kept the answer, after executing it). POST answers carry the tag and are
always sent in full. Answers that cannot be tagged get `Cache-Control: no-store`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

import orjson
from starlette.responses import Response
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from decisionlog.api.authentication import bearer_token
from decisionlog.api.cacheplan import variables_key
from decisionlog.api.etag import NO_STORE, conditional_headers, etag, matches
from decisionlog.api.media import GRAPHQL_RESPONSE_JSON, JSON, response_media_type
from decisionlog.api.persisted import document_id_of
from decisionlog.api.resultcache import ANSWER_STATE, Answer
from decisionlog.auth.authenticator import NOT_CACHED
from decisionlog.auth.principal import ANONYMOUS_READER
from decisionlog.infrastructure.observer import RESULTS, TOKENS
from decisionlog.operations.graphqlnotes import describe
from decisionlog.operations.notes import current_note

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from decisionlog.api.persisted import PersistedDocuments
    from decisionlog.api.resultcache import ResultCache
    from decisionlog.application import DecisionLog
    from decisionlog.auth.authenticator import Authenticator
    from decisionlog.auth.principal import Principal

CONTENT_TYPES: Final = {JSON: b"application/json",
                        GRAPHQL_RESPONSE_JSON: b"application/graphql-response+json; "
                                               b"charset=utf-8"}
TOO_LARGE_PREFIX: Final = b'{"data":null'  # what encode_json sends instead of a huge answer
MEDIA_MEMO_SIZE: Final = 64
REMEMBERED_URLS: Final = 256
MAX_REMEMBERED_URL: Final = 4096


class FastPath:
    """The `/graphql` route: kept answers first, the GraphQL view for the rest."""

    def __init__(self, view: ASGIApp, *, app: DecisionLog, results: ResultCache,
                 persisted: PersistedDocuments, authenticator: Authenticator,
                 allow_anonymous_read: bool) -> None:
        self.view = view
        self.app = app
        self.results = results
        self.persisted = persisted
        self.authenticator = authenticator
        self.anonymous = ANONYMOUS_READER if allow_anonymous_read else None
        self._media: dict[bytes | None, str] = {}
        self._gets: dict[bytes, dict[str, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.results.enabled:
            replay = await self._answer(scope, receive, send)
            if replay is None:
                return
            receive = replay
        await self.view(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """None when answered; else the `receive` to hand on (the body read, replayed)."""
        authorization = accept = content_type = if_none_match = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"accept":
                accept = value
            elif name == b"content-type":
                content_type = value
            elif name == b"if-none-match":
                if_none_match = value
        method = scope["method"]
        if method == "GET":
            params = self._get_params(scope["query_string"])
            if params is None:
                return receive
        elif method == "POST":
            messages, body = await _read(receive)
            receive = _replay(messages, receive)
            if content_type is None or b"application/json" not in content_type.lower():
                return receive
            try:
                params = orjson.loads(body)
            except orjson.JSONDecodeError:
                return receive
            if not isinstance(params, dict):
                return receive
        else:
            return receive
        principal = self._principal(authorization)
        query = self.persisted.known_query(params.get("query"), params.get("extensions"),
                                           document_id_of(params))
        operation_name = params.get("operationName")
        variables = params.get("variables")
        if principal is None or query is None \
                or not (operation_name is None or isinstance(operation_name, str)) \
                or not (variables is None or isinstance(variables, dict)):
            return receive
        key_variables = variables_key(variables)
        if key_variables is None:
            return receive
        entry = self.results.current((query, operation_name, key_variables, principal),
                                     self.app, with_body=True)
        if entry is None or entry.body is None:
            return receive
        self._noted(query, operation_name, variables, principal,
                    token=authorization is not None)
        media = self._media_type(accept)
        tag = etag(entry.tag, media)
        headers = conditional_headers(tag)
        if method == "GET" and if_none_match is not None \
                and matches(if_none_match.decode("latin-1"), tag):
            self.results.counts.not_modified += 1
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return None
        headers += [(b"content-type", CONTENT_TYPES[media]),
                    (b"content-length", str(len(entry.body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": entry.body})
        return None

    def _noted(self, query: str, operation_name: str | None,
               variables: dict[str, Any] | None, principal: Principal, *,
               token: bool) -> None:
        """What the view would have noted of an answer it served from the cache: a
        hit in the metrics, and the operation, root field and caller on the request's
        note (`operations/graphqlnotes.py`)."""
        self.app.observer.cache_lookup(RESULTS, True)
        if token:  # the token's lookup, which `_principal` left uncounted
            self.authenticator.observer.cache_lookup(TOKENS, True)
        note = current_note()
        schema = getattr(self.view, "schema", None)
        if note is not None and schema is not None:
            describe(note, schema, GraphQLRequestData(query, variables, operation_name, None),
                     _Caller(principal), _ANSWERED)

    def _get_params(self, query_string: bytes) -> dict[str, Any] | None:
        """`_params`, remembered for the last URLs seen (a dashboard polls the same one:
        decoding it is a third of a 304's time)."""
        params = self._gets.get(query_string)
        if params is None:
            params = _params(query_string)
            if params is not None and len(query_string) <= MAX_REMEMBERED_URL:
                if len(self._gets) >= REMEMBERED_URLS:
                    self._gets.clear()
                self._gets[query_string] = params
        return params

    def _principal(self, authorization: bytes | None) -> Principal | None:
        token = bearer_token(None if authorization is None
                             else authorization.decode("latin-1"))
        if token is None:
            return self.anonymous
        principal = self.authenticator.cached_principal(token, count=False)
        return None if principal is NOT_CACHED else principal

    def _media_type(self, accept: bytes | None) -> str:
        media = self._media.get(accept)
        if media is None:
            media = response_media_type(None if accept is None else accept.decode("latin-1"))
            if len(self._media) < MEDIA_MEMO_SIZE:
                self._media[accept] = media
        return media


class _Caller:
    """The part of a request context `describe` reads."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal


_ANSWERED: Final = ExecutionResult(data=None, errors=None)  # kept answers have no errors


def tag_response(request: Request, response: Response, results: ResultCache) -> Response:
    """The view's answer with its tag (or `no-store`); 304 for a GET that names it."""
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith((JSON, GRAPHQL_RESPONSE_JSON)):
        return response  # GraphiQL's page
    answer: Answer | None = getattr(request.state, ANSWER_STATE, None)
    body = bytes(response.body)
    if answer is None or response.status_code != 200 or body.startswith(TOO_LARGE_PREFIX):
        response.headers["cache-control"] = NO_STORE
        return response
    media = GRAPHQL_RESPONSE_JSON if content_type.startswith(GRAPHQL_RESPONSE_JSON) else JSON
    tag = etag(answer.tag, media)
    if answer.entry is not None and answer.entry.body is None:
        answer.entry.body = body
    headers = conditional_headers(tag)
    if request.method == "GET" and matches(request.headers.get("if-none-match"), tag):
        results.counts.not_modified += 1
        return Response(status_code=304,
                        headers={name.decode(): value.decode() for name, value in headers})
    for name, value in headers:
        response.headers[name.decode()] = value.decode()
    return response


def _params(query_string: bytes) -> dict[str, Any] | None:
    """A GET's parameters with `variables` and `extensions` decoded; None for a GET
    that names no document (GraphiQL's page) or whose JSON does not decode."""
    params: dict[str, Any] = dict(parse_qsl(query_string.decode("latin-1"),
                                            keep_blank_values=True))
    if "query" not in params and "extensions" not in params \
            and document_id_of(params) is None:
        return None
    for name in ("variables", "extensions"):
        if params.get(name):
            try:
                params[name] = orjson.loads(params[name])
            except orjson.JSONDecodeError:
                return None
    return params


async def _read(receive: Receive) -> tuple[list[Message], bytes]:
    """The messages of a request's body, and the body."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives these messages again, then waits on the real one."""
    pending = iter(messages)

    async def replay() -> Message:
        message = next(pending, None)
        return message if message is not None else await receive()

    return replay

