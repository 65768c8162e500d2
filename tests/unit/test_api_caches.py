"""The API's caches: bounded in bytes, owned by one app each (issue 19 item 7, issue 11
item 6)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from decisionlog.api.app import create_app
from decisionlog.api.authentication import AuthenticatingGraphQL
from decisionlog.api.settings import Settings
from decisionlog.application import DecisionLog
from decisionlog.auth import token_store
from decisionlog.infrastructure.lru import BoundedLRU

MiB = 1024 * 1024


def test_a_bounded_lru_keeps_its_bytes_under_the_bound() -> None:
    cache: BoundedLRU[str, str] = BoundedLRU(100, max_bytes=1000)
    for i in range(50):
        assert cache.put(f"k{i}", "v", size=100)
    assert cache.bytes == 1000 and len(cache) == 10
    assert cache.get("k49") == "v" and cache.get("k39") is None  # oldest went first


def test_a_bounded_lru_refuses_an_entry_over_its_share() -> None:
    cache: BoundedLRU[str, str] = BoundedLRU(100, max_bytes=800)
    cache.put("small", "v", size=100)
    assert not cache.put("huge", "v", size=101)  # over an eighth: not kept, nothing flushed
    assert cache.get("huge") is None and cache.get("small") == "v"
    cache.put("small", "w", size=50)  # replacing counts the new size only
    assert cache.bytes == 50


def test_a_bounded_lru_without_a_byte_bound_counts_entries() -> None:
    cache: BoundedLRU[int, int] = BoundedLRU(3)
    for i in range(5):
        cache.put(i, i, size=10**9)
    assert len(cache) == 3 and cache.bytes == 3 * 10**9


def serve(settings: Settings) -> tuple[Any, str]:
    log = DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    token = token_store(log).create(name="fran", role="facilitator")
    return create_app(decision_log=log, settings=settings), token


async def post_all(app: Any, token: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers={
            "Authorization": f"Bearer {token}"}) as client:
        return [await client.post("/graphql", json=body) for body in bodies]


START = ('mutation { startTrajectory(input: {name: "P", description: "%s"}) { '
         "... on TrajectoryPayload { trajectory { id } } } }")


def test_the_caches_hold_no_more_bytes_than_their_bound_after_many_large_queries(
        ) -> None:
    app, token = serve(Settings(cache_bytes=4 * MiB))
    caches = app.state.caches
    [started] = asyncio.run(post_all(app, token, [{"query": START % ("d" * 9000)}]))
    tid = started.json()["data"]["startTrajectory"]["trajectory"]["id"]
    # Distinct texts of 12 KB, each answered with a result of 9 KB and more
    bodies = [{"query": "query($id: ID!) {%s trajectory(id: $id) { description name }}"
               % (" " * (12_000 + i)), "variables": {"id": tid}} for i in range(400)]

    responses = asyncio.run(post_all(app, token, bodies))

    assert {r.status_code for r in responses} == {200}
    assert all(r.json()["data"]["trajectory"]["name"] == "P" for r in responses)
    assert 0 < caches.documents.bytes <= MiB
    assert 0 < caches.results.entries.bytes <= 2 * MiB
    assert len(caches.documents) < 400 and len(caches.results.entries) < 400


def test_two_apps_share_no_cache_no_schema_and_no_settings() -> None:
    first, first_token = serve(Settings())
    second, _ = serve(Settings(introspection=False, result_cache_entries=0))
    assert first.state.schema is not second.state.schema
    for name in ("documents", "results", "memo"):
        assert getattr(first.state.caches, name) is not getattr(second.state.caches, name)

    asyncio.run(post_all(first, first_token, [{"query": "{ trajectories { totalCount } }"}]))

    assert len(first.state.caches.documents) == 1
    assert len(second.state.caches.documents) == 0
    assert second.state.settings.result_cache_entries == 0
    assert first.state.settings.result_cache_entries == 256


def test_an_exception_that_escapes_everything_is_a_json_500_with_the_request_id(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    app, token = serve(Settings())

    async def broken(self: object, request: object, response: object) -> None:
        raise RuntimeError("secret: the database password is hunter2")

    monkeypatch.setattr(AuthenticatingGraphQL, "get_context", broken)
    [response] = asyncio.run(post_all(app, token, [{"query": "{ __typename }"}]))

    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 500
    assert response.json()["errors"][0] == {
        "message": f"Internal error (request id {request_id}).",
        "extensions": {"code": "INTERNAL_ERROR", "requestId": request_id}}
    assert "hunter2" not in response.text
    assert request_id in caplog.text and "hunter2" in caplog.text
