"""Persisted documents in process (issue 17): automatic persisted queries, trusted
documents and their manifests, the fast path, and what is never tagged."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from decisionlog.api.app import create_app
from decisionlog.api.context import Context
from decisionlog.api.manifest import ManifestError, TrustedManifest
from decisionlog.api.settings import Settings
from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.auth import token_store
from decisionlog.auth.principal import Principal

BOARD = "query Board($id: ID!) { trajectory(id: $id) { name version } }"
START = 'mutation Start { startTrajectory(input: {name: "Smuggled"}) { __typename } }'
LIST = "query List { trajectories(first: 5) { totalCount } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(text)}}


class Service:
    """`create_app()` on an in-memory store, called through ASGI."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.log = DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.token = token_store(self.log).create(name="fran", role="facilitator")
        self.app = create_app(decision_log=self.log, settings=settings or Settings())
        self.tid = str(self.log.handle(c.StartTrajectory(name="Programme"),
                                       recorded_by="t").trajectory_id)

    def send(self, *requests: dict[str, Any]) -> list[httpx.Response]:
        async def run() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                         headers={"Authorization": f"Bearer {self.token}"}
                                         ) as client:
                return [await client.request(**request) for request in requests]
        return asyncio.run(run())

    def post(self, body: dict[str, Any], **headers: str) -> httpx.Response:
        [response] = self.send({"method": "POST", "url": "/graphql", "json": body,
                                "headers": headers})
        return response

    def get(self, params: dict[str, Any], **headers: str) -> httpx.Response:
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        [response] = self.send({"method": "GET", "url": "/graphql", "params": params,
                                "headers": {"Accept": "application/json", **headers}})
        return response

    @property
    def events(self) -> int:
        return self.log.recorder.max_notification_id() or 0


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors", [])]


# Automatic persisted queries


def test_a_hash_runs_once_its_document_was_sent_with_it() -> None:
    service = Service()
    variables = {"id": service.tid}
    unknown = service.post({"extensions": persisted(BOARD), "variables": variables})
    assert unknown.status_code == 200 and unknown.json() == {"errors": [{
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}
    sent = service.post({"query": BOARD, "extensions": persisted(BOARD),
                         "variables": variables})
    by_hash = service.post({"extensions": persisted(BOARD), "variables": variables})
    assert sent.json() == by_hash.json() == {"data": {"trajectory": {
        "name": "Programme", "version": 1}}}
    by_id = service.post({"documentId": f"sha256:{sha(BOARD)}", "variables": variables})
    assert by_id.json() == sent.json()
    # Hashes are kept in the app's document cache, bounded with it
    assert service.app.state.caches.documents.persisted(sha(BOARD)) is not None


def test_a_hash_is_refused_when_malformed_or_not_the_documents() -> None:
    service = Service()
    wrong = sha(BOARD + " ")
    for extensions, message in [
        ({"persistedQuery": {"version": 1, "sha256Hash": "abc"}}, "64 hexadecimal"),
        ({"persistedQuery": {"version": 1, "sha256Hash": "g" * 64}}, "64 hexadecimal"),
        ({"persistedQuery": {"version": 1, "sha256Hash": 12}}, "64 hexadecimal"),
        ({"persistedQuery": {"version": 2, "sha256Hash": sha(BOARD)}}, "version"),
        ({"persistedQuery": "yes"}, "version"),
        ({"persistedQuery": {"version": 1, "sha256Hash": wrong}}, "does not match"),
    ]:
        response = service.post({"query": BOARD, "extensions": extensions,
                                 "variables": {"id": service.tid}})
        assert response.status_code == 400, extensions
        assert message in response.json()["errors"][0]["message"]
    # The mismatched hash was not kept
    assert codes(service.post({"extensions": {"persistedQuery": {
        "version": 1, "sha256Hash": wrong}}})) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_request_errors_are_400_under_the_graphql_response_media_type() -> None:
    service = Service()
    response = service.post({"extensions": persisted(BOARD)},
                            Accept="application/graphql-response+json")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert codes(response) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_with_persisted_queries_off_clients_are_told_it_is_not_supported() -> None:
    service = Service(Settings(persisted_queries=False))
    response = service.post({"query": BOARD, "extensions": persisted(BOARD),
                             "variables": {"id": service.tid}})
    assert response.status_code == 200 and response.json()["errors"][0]["message"] \
        == "PersistedQueryNotSupported"
    assert codes(response) == ["PERSISTED_QUERY_NOT_SUPPORTED"]
    # The document alone still runs
    assert service.post({"query": BOARD, "variables": {"id": service.tid}}).json()["data"]


def test_a_mutation_by_get_is_405_in_full_or_by_hash() -> None:
    service = Service()
    before = service.events
    service.post({"query": START, "extensions": persisted(START)})
    for params in ({"query": START}, {"extensions": persisted(START)}):
        response = service.get(params)
        assert response.status_code == 405 and response.headers["allow"] == "POST"
        assert codes(response) == ["METHOD_NOT_ALLOWED"]
    assert service.events == before + 1  # only the POST ran


def test_gets_that_name_no_document_or_garbled_json_are_400() -> None:
    service = Service()
    for params in ({}, {"extensions": "{nope"}, {"variables": "[", "query": BOARD},
                   {"extensions": {"persistedQuery": 5}}, {"documentId": ""}):
        response = service.get(params)
        assert response.status_code == 400, (params, response.text)


# Trusted documents


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({sha(BOARD): BOARD, "relay-7f3a": LIST}))
    return path


def test_only_the_manifests_documents_run(manifest: Path) -> None:
    service = Service(Settings(trusted_documents=str(manifest)))
    variables = {"id": service.tid}
    expected = {"data": {"trajectory": {"name": "Programme", "version": 1}}}
    assert service.post({"query": BOARD, "variables": variables}).json() == expected
    assert service.post({"extensions": persisted(BOARD), "variables": variables}).json() \
        == expected
    assert service.post({"documentId": sha(BOARD), "variables": variables}).json() == expected
    assert service.post({"doc_id": "relay-7f3a"}).json()["data"]["trajectories"]
    assert service.get({"documentId": "relay-7f3a"}).json()["data"]["trajectories"]

    documents = service.app.state.caches.documents
    kept = len(documents)
    before = service.events
    for body in ({"query": START}, {"query": BOARD + " "},
                 {"query": START, "extensions": persisted(START)}):
        response = service.post(body)
        assert response.status_code == 200 and codes(response) == [
            "PERSISTED_QUERY_NOT_IN_LIST"]
        assert "--trusted-documents" in response.json()["errors"][0]["message"]
    assert codes(service.post({"extensions": persisted(START)})) == [
        "PERSISTED_QUERY_NOT_FOUND"]
    assert codes(service.post({"documentId": "relay-0000"})) == ["PERSISTED_QUERY_NOT_FOUND"]
    # Nothing of them ran, nor even reached the GraphQL pipeline
    assert service.events == before
    assert len(documents) == kept and documents.get(START) is None
    assert service.app.state.persisted.refused == 3


def test_introspection_follows_its_setting_under_a_manifest(manifest: Path) -> None:
    introspect = "{ __schema { queryType { name } } __typename }"
    allowed = Service(Settings(trusted_documents=str(manifest)))
    assert allowed.post({"query": introspect}).json()["data"]["__schema"] == {
        "queryType": {"name": "Query"}}
    closed = Service(Settings(trusted_documents=str(manifest), introspection=False))
    assert codes(closed.post({"query": introspect})) == ["PERSISTED_QUERY_NOT_IN_LIST"]


def test_operations_that_do_not_come_over_http_are_held_to_the_manifest(
        manifest: Path) -> None:
    # A websocket's operations reach the schema directly: it refuses them there too
    service = Service(Settings(trusted_documents=str(manifest)))
    schema = service.app.state.schema
    context = Context(app=service.log, principal=Principal(name="fran", role="facilitator"))
    before = service.events
    refused = schema.execute_sync(START, context_value=context)
    assert refused.data is None and refused.errors
    assert refused.errors[0].extensions["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    assert service.events == before
    trusted = schema.execute_sync(BOARD, {"id": service.tid}, context_value=context)
    assert not trusted.errors


@pytest.mark.parametrize(("content", "problem"), [
    (None, "no such file"),
    (b"\xff\xfe", "not UTF-8"),
    (b"{not json", "is not JSON"),
    (b"[]", "expected a JSON object"),
    (b"{}", "holds no documents"),
    (b'{"a": 1}', "is not a document"),
    (b'{"a": "query {"}', "the document 'a' does not parse"),
    (b'{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}',
     "version 1"),
    (b'{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{}]}',
     "operation 0"),
])
def test_a_bad_manifest_is_refused_in_one_line(tmp_path: Path, content: bytes | None,
                                               problem: str) -> None:
    path = tmp_path / "manifest.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ManifestError) as raised:
        TrustedManifest.load(path)
    message = str(raised.value)
    assert problem in message and str(path) in message and "\n" not in message
    with pytest.raises(ManifestError):
        create_app(decision_log=DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}),
                   settings=Settings(trusted_documents=str(path)))


def test_manifests_as_client_build_tools_write_them(tmp_path: Path) -> None:
    apollo = tmp_path / "apollo.json"
    apollo.write_text(json.dumps({
        "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{"id": sha(BOARD), "body": BOARD, "name": "Board", "type": "query"}]}))
    relay = tmp_path / "persisted_queries.json"
    relay.write_text(json.dumps({"4f2b0a5c8d9e1f3a": LIST}))
    codegen = tmp_path / "persisted-documents.json"
    codegen.write_text(json.dumps({sha(BOARD): BOARD}))
    assert TrustedManifest.load(apollo).find(sha(BOARD)) == BOARD
    assert TrustedManifest.load(relay).find("4f2b0a5c8d9e1f3a") == LIST
    assert TrustedManifest.load(relay).find(f"sha256:{sha(LIST)}") == LIST
    assert TrustedManifest.load(codegen).find(sha(BOARD).upper()) == BOARD


# The fast path


def test_a_kept_answer_is_sent_without_running_the_query_again() -> None:
    service = Service()
    results = service.app.state.caches.results
    body = {"query": BOARD, "variables": {"id": service.tid}}
    first = service.post(body)
    assert (results.counts.misses, results.counts.hits) == (1, 0)
    again = service.send(*[{"method": "POST", "url": "/graphql", "json": body}] * 5)
    assert {r.content for r in again} == {first.content}
    assert {r.headers["etag"] for r in again} == {first.headers["etag"]}
    assert (results.counts.misses, results.counts.hits) == (1, 5)

    # A write: the next request runs the query again, and sees it
    service.log.handle(c.CloseTrajectory(trajectory_id=service.tid), recorded_by="t")
    after = service.post(body)
    assert after.json()["data"]["trajectory"]["version"] == 2
    assert (results.counts.misses, results.counts.stale) == (2, 1)


def test_documents_named_by_hash_or_id_are_answered_from_the_cache_too(
        manifest: Path) -> None:
    service = Service(Settings(trusted_documents=str(manifest)))
    results = service.app.state.caches.results
    variables = {"id": service.tid}
    for named in ({"documentId": sha(BOARD)}, {"extensions": persisted(BOARD)},
                  {"query": BOARD}):
        service.post({**named, "variables": variables})
    assert service.get({"doc_id": sha(BOARD), "variables": variables}).status_code == 200
    assert (results.counts.misses, results.counts.hits) == (1, 3)


def test_a_token_the_worker_has_not_checked_goes_the_long_way() -> None:
    service = Service()
    body = {"query": BOARD, "variables": {"id": service.tid}}
    service.post(body)
    stranger = token_store(service.log).create(name="sam", role="reader")
    token_store(service.log).revoke("sam")
    [refused] = service.send({"method": "POST", "url": "/graphql", "json": body,
                              "headers": {"Authorization": f"Bearer {stranger}"}})
    assert refused.status_code == 401


def test_answers_from_lagging_read_models_are_not_tagged(tmp_path: Path) -> None:
    from decisionlog.infrastructure.config import parse_database_url
    from decisionlog.readmodels import rebuild

    log = DecisionLog(env={**parse_database_url(f"sqlite:///{tmp_path}/v.db").env,
                           "READMODELS_CATCH_UP": "n"})
    try:
        for i in range(12):
            log.handle(c.StartTrajectory(name=f"T{i}"), recorded_by="t")

        class Cut(Exception):
            pass

        def cut(report: Any) -> None:
            if report.events_applied >= 5:
                raise Cut

        with pytest.raises(Cut):
            rebuild(log, batch_size=5, progress=cut)
        token = token_store(log).create(name="fran", role="facilitator")
        app = create_app(decision_log=log, settings=Settings())

        async def run() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as h:
                return await h.post("/graphql", json={"query": LIST},
                                    headers={"Authorization": f"Bearer {token}"})

        response = asyncio.run(run())
        assert response.json()["extensions"]["readModels"]["status"] == "rebuilding"
        assert "etag" not in response.headers
        assert response.headers["cache-control"] == "no-store"
        assert len(app.state.caches.results.entries) == 0
    finally:
        log.close()
