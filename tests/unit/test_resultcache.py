"""The result cache: repeats are answered from it only while what they read is unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from graphql import GraphQLObjectType, GraphQLUnionType, get_named_type

from decisionlog.api import types
from decisionlog.api.cacheplan import ROOT_FIELDS
from decisionlog.api.context import Context
from decisionlog.api.dependencies import TrajectoryState
from decisionlog.api.resultcache import ResultCache
from decisionlog.api.schema import DecisionLogSchema, build_schema
from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.auth.principal import Principal
from decisionlog.domain.values import Side

FACILITATOR = Principal(name="fran", role="facilitator")
QUERY = "query Q($id: ID!) { trajectory(id: $id) { version name members { name } } }"


@pytest.fixture
def app() -> Iterator[DecisionLog]:
    log = DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield log
    log.close()


@pytest.fixture
def results() -> ResultCache:
    return ResultCache()


@pytest.fixture
def schema(results: ResultCache) -> DecisionLogSchema:
    return build_schema(results=results)


def _start(app: DecisionLog, name: str = "Programme") -> str:
    result = app.handle(c.StartTrajectory(name=name), recorded_by="t")
    return str(result.trajectory_id)


def _run(schema: DecisionLogSchema, app: DecisionLog, query: str, variables: dict[str, Any],
         principal: Principal = FACILITATOR) -> dict[str, Any]:
    result = schema.execute_sync(query, variables,
                                 context_value=Context(app=app, principal=principal))
    assert not result.errors, result.errors
    assert result.data is not None
    return result.data


def _add_member(app: DecisionLog, trajectory_id: str, name: str) -> None:
    app.handle(c.AddMember(trajectory_id=trajectory_id, name=name, role="designer",
                           side=Side.CLIENT), recorded_by="t")


def test_a_repeat_is_answered_from_the_cache_until_a_write(
        app: DecisionLog, schema: DecisionLogSchema, results: ResultCache,
        monkeypatch: pytest.MonkeyPatch) -> None:
    tid = _start(app)
    _add_member(app, tid, "Anna")
    first = _run(schema, app, QUERY, {"id": tid})
    [entry] = results.entries.values()
    assert entry.result.data == first

    # The repeat resolves nothing
    converted: list[object] = []
    original = types.Member.of
    monkeypatch.setattr(types.Member, "of", lambda m: converted.append(m) or original(m))
    assert _run(schema, app, QUERY, {"id": tid}) == first
    assert converted == []

    # A write moves the version: the next query sees it
    _add_member(app, tid, "Bert")
    after = _run(schema, app, QUERY, {"id": tid})
    assert after["trajectory"]["version"] == first["trajectory"]["version"] + 1
    assert after["trajectory"]["members"] == [{"name": "Anna"}, {"name": "Bert"}]
    assert len(converted) == 2


def test_principals_do_not_share_results(app: DecisionLog, schema: DecisionLogSchema) -> None:
    tid = _start(app)
    assert _run(schema, app, QUERY, {"id": tid})["trajectory"] is not None
    stranger = Principal(name="sam", role="reader", trajectories=frozenset({"elsewhere"}))
    assert _run(schema, app, QUERY, {"id": tid}, stranger) == {"trajectory": None}


def test_as_of_answers_are_kept_until_their_trajectory_changes(
        app: DecisionLog, schema: DecisionLogSchema, results: ResultCache) -> None:
    tid, other = _start(app), _start(app, "Other")
    _add_member(app, tid, "Anna")
    as_of = "query A($id: ID!) { trajectory(id: $id, asOf: {version: 1}) { version } }"
    assert _run(schema, app, as_of, {"id": tid}) == {"trajectory": {"version": 1}}
    assert len(results.entries) == 1

    # A change elsewhere: answered from the cache
    _add_member(app, other, "Olga")
    assert _run(schema, app, as_of, {"id": tid}) == {"trajectory": {"version": 1}}
    assert results.counts.hits == 1

    # A change to the trajectory: computed again (as of the past, it may have reached
    # an `at` in the future; the answer is tied to the trajectory as it is)
    _add_member(app, tid, "Bert")
    assert _run(schema, app, as_of, {"id": tid}) == {"trajectory": {"version": 1}}
    assert (results.counts.hits, results.counts.stale) == (1, 1)


def test_an_unknown_id_is_kept_while_it_names_nothing(
        app: DecisionLog, schema: DecisionLogSchema, results: ResultCache) -> None:
    unknown = "00000000-0000-0000-0000-000000000001"
    assert _run(schema, app, QUERY, {"id": unknown}) == {"trajectory": None}
    [entry] = results.entries.values()
    assert entry.dependencies == (TrajectoryState(UUID(unknown), 0, ""),)
    assert _run(schema, app, QUERY, {"id": "not an id"}) == {"trajectory": None}
    assert len(results.entries) == 1  # null for ever: tagged, nothing to keep


def test_lists_are_kept_until_anything_in_their_scope_changes(
        app: DecisionLog, schema: DecisionLogSchema, results: ResultCache) -> None:
    tid, other = _start(app), _start(app, "Other")
    listing = "{ trajectories(first: 5) { totalCount edges { node { name version } } } }"
    scoped = Principal(name="sam", role="reader", trajectories=frozenset({tid}))
    everything = _run(schema, app, listing, {})
    mine = _run(schema, app, listing, {}, scoped)
    assert (everything["trajectories"]["totalCount"], mine["trajectories"]["totalCount"]) \
        == (2, 1)

    # Outside the scoped token's scope: only the unscoped answer is computed again
    _add_member(app, other, "Olga")
    _run(schema, app, listing, {})
    _run(schema, app, listing, {}, scoped)
    assert (results.counts.hits, results.counts.stale) == (1, 1)

    # Inside it: both
    _add_member(app, tid, "Anna")
    assert _run(schema, app, listing, {}, scoped)["trajectories"]["edges"][0]["node"] \
        == {"name": "Programme", "version": 2}
    _run(schema, app, listing, {})
    assert (results.counts.hits, results.counts.stale) == (1, 3)


def test_audit_fields_are_never_kept(app: DecisionLog, schema: DecisionLogSchema,
                                     results: ResultCache) -> None:
    tid = _start(app)
    _run(schema, app, "query V($id: ID!) { verifyTrajectory(id: $id) { ok } }", {"id": tid})
    _run(schema, app, "{ auditLog(first: 2) { edges { node { version } } } }", {})
    mixed = "query M($id: ID!) { trajectory(id: $id) { name } auditLog { pageInfo { " \
            "hasNextPage } } }"
    _run(schema, app, mixed, {"id": tid})
    assert len(results.entries) == 0


def test_attention_by_the_clock_is_not_kept_and_at_a_moment_is(
        app: DecisionLog, schema: DecisionLogSchema, results: ResultCache) -> None:
    tid = _start(app)
    by_clock = "query A($id: ID!) { trajectory(id: $id) { attention { kind } } }"
    _run(schema, app, by_clock, {"id": tid})
    assert len(results.entries) == 0  # what is due changes with the clock
    at_moment = ("query A($id: ID!) { trajectory(id: $id) { "
                 "attention(at: \"2030-01-01T00:00:00Z\") { kind } } }")
    _run(schema, app, at_moment, {"id": tid})
    assert len(results.entries) == 1


def test_a_write_by_another_worker_is_seen(tmp_path: Path, schema: DecisionLogSchema) -> None:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
           "SQLITE_DBNAME": str(tmp_path / "shared.db")}
    reader, writer = DecisionLog(env=env), DecisionLog(env=env)
    try:
        tid = _start(writer)
        assert _run(schema, reader, QUERY, {"id": tid})["trajectory"]["members"] == []
        _add_member(writer, tid, "Bert")
        assert _run(schema, reader, QUERY, {"id": tid})["trajectory"]["members"] == [
            {"name": "Bert"}]
    finally:
        reader.close()
        writer.close()


# Every field the cache may keep, reviewed: each is a function of the trajectory's state
# (or, under the lists, of the state of the trajectories in the principal's scope), the
# field's arguments and the principal, or calls uncacheable() (the clock, for one).
REVIEWED = {
    "AttentionItem": {"decision", "domain", "kind", "reason"},
    "Confirmation": {"confirmedAt", "confirmedBy", "rationale", "reasonsClosed", "reviewBy",
                     "version"},
    "Decision": {"consulted", "decidedAt", "decidedBy", "domain", "evidence", "id", "kind",
                 "optionsConsidered", "origin", "ratifiedAt", "ratifiedBy", "rationale",
                 "recordedAt", "scale", "since", "statement", "status", "supersededBy",
                 "supersedes", "surfacedBy", "title", "trajectoryId", "withinMandate",
                 "informed", "notConsulted", "outOfMandateReason", "phase", "toInform",
                 "withinFrames", "framed", "upForReview", "reviewReasons", "confirmations",
                 "outcomes", "reviewBy"},
    "DecisionConnection": {"edges", "pageInfo", "totalCount"},
    "DecisionDomain": {"active", "definedAt", "description", "id", "name", "retiredAt"},
    "DecisionEdge": {"cursor", "node"},
    "DecisionRight": {"condition", "domain", "effectiveFrom", "endedAt", "grantedAt",
                      "holder", "id", "inForce", "right", "phases"},
    # under the lists (root fields read from the read models)
    "DecisionSummary": {"closedAt", "closedReason", "consulted", "decidedAt", "decidedBy",
                        "decision", "domain", "evidence", "id", "kind", "notConsultedCount",
                        "origin", "phase", "ratifiedAt", "rationale", "recordedAt", "scale",
                        "since", "statement", "status", "supersededByIds", "supersedesIds",
                        "surfacedById", "title", "trajectory", "trajectoryId",
                        "reviewBy", "reviewReasons", "upForReview"},
    "DecisionRef": {"id", "title"},
    "ReviewReasonSummary": {"frame", "kind", "openedAt", "outcomeId", "reason",
                            "supersededBy", "throughFrame", "version"},
    "DecisionSummaryConnection": {"edges", "pageInfo", "totalCount"},
    "DecisionSummaryEdge": {"cursor", "node"},
    "DomainRef": {"id", "name"},
    "Mandate": {"condition", "domain", "effectiveFrom", "grantedAt", "member", "phases",
                "right", "rightId", "role", "trajectory", "viaRole"},
    "MemberRef": {"id", "name"},
    "PhaseRef": {"id", "name"},
    "TrajectoryConnection": {"edges", "pageInfo", "totalCount"},
    "TrajectoryEdge": {"cursor", "node"},
    "DomainMandate": {"advises", "decides", "domain", "informed"},
    "Event": {"data", "digest", "previousDigest", "recordedAt", "recordedBy", "summary",
              "type", "version"},
    "EventConnection": {"edges", "pageInfo", "totalCount"},
    "EventEdge": {"cursor", "node"},
    "InformedMark": {"informedAt", "member", "recordedAt"},
    "MandateGap": {"reason", "text"},
    "Member": {"active", "id", "joinedAt", "leftAt", "membership", "name", "role", "side"},
    "Outcome": {"id", "observedAt", "observedBy", "outcome", "recordedAt", "verdict",
                "version"},
    "PageInfo": {"endCursor", "hasNextPage"},
    "Phase": {"active", "consultationGaps", "current", "definedAt", "description", "gaps",
              "id", "name", "order", "outOfMandate", "retiredAt", "startedAt",
              "whoDecidesWhat"},
    "PhaseStart": {"phase", "recordedAt", "startedAt"},
    "ReviewItem": {"decision", "reasons", "since"},
    "ReviewReason": {"frame", "kind", "openedAt", "outcome", "reason", "supersededBy",
                     "throughFrame", "version"},
    "Role": {"name"},
    "Trajectory": {"client", "decision", "decisionRights", "decisions", "decisionsInForceAt",
                   "description", "domains", "gaps", "headDigest", "history", "id",
                   "members", "modifiedAt", "name", "outOfMandate", "startedAt", "status",
                   "version", "whoDecidesWhat", "consultationGaps", "currentPhase", "phase",
                   "phaseAt", "phaseTimeline", "phases", "reviewQueue", "decisionsDueForReview",
                   "attention"},  # attention without `at` reads the clock: uncacheable
}


def test_every_field_under_trajectory_is_reviewed_for_the_cache() -> None:
    found: dict[str, set[str]] = {}

    def walk(graphql_type: Any) -> None:
        named = get_named_type(graphql_type)
        if isinstance(named, GraphQLUnionType):
            for member in named.types:
                walk(member)
        elif isinstance(named, GraphQLObjectType) and named.name not in found:
            found[named.name] = set(named.fields)
            for field in named.fields.values():
                walk(field.type)

    query = build_schema()._schema.query_type
    assert query is not None
    for name in ROOT_FIELDS.keys() - {"__typename", "__schema", "__type"}:
        walk(query.fields[name].type)
    assert found == REVIEWED, (
        "a new field under Trajectory or a list: answers are cached and tagged by the "
        "states they read (decisionlog/api/resultcache.py), so it must be a function of "
        "those states, its arguments and the principal, or call uncacheable(); then "
        "list it here")


def test_every_root_field_is_reviewed_for_the_cache() -> None:
    query = build_schema()._schema.query_type
    assert query is not None
    never = {"auditLog", "verifyTrajectory"}  # the stored rows as they are: never kept
    assert set(query.fields) == (ROOT_FIELDS.keys() - {"__typename", "__schema",
                                                       "__type"}) | never, (
        "a new root field: say in decisionlog/api/cacheplan.py (ROOT_FIELDS) what its "
        "answers depend on, or leave it out (never kept, never tagged) and list it here")
