"""The cost of a query and the shape limits: computed before execution, in linear time,
and (for depth and aliases) the same verdicts as strawberry's expanding limiters."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from graphql import GraphQLSchema, parse, validate
from graphql.validation.validate import ValidationAbortedError
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter

from decisionlog.api.context import Context
from decisionlog.api.cost import FIELD_COSTS, operation_cost
from decisionlog.api.document_rules import OperationShapeRule
from decisionlog.api.limits import MAX_ALIASES, MAX_DEPTH, OFF_LOOP_COST
from decisionlog.api.schema import build_schema
from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.audit import verify
from decisionlog.auth.principal import Principal

SCHEMA: GraphQLSchema = build_schema()._schema


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    return operation_cost(SCHEMA, parse(query), None, variables)


def test_every_weight_names_a_field_of_the_schema() -> None:
    for key in FIELD_COSTS:
        type_name, field = key.split(".")
        graphql_type = SCHEMA.get_type(type_name)
        assert graphql_type is not None, key
        assert field.startswith("__") or field in graphql_type.fields, key  # type: ignore[attr-defined]


def test_lists_multiply_what_is_under_them_by_their_page() -> None:
    query = ("{ trajectories(first: 100) { edges { node { history(first: 100) { edges { "
             "node { type } } } } } } }")
    assert cost(query) == 20_706  # the example in cost.py's docstring
    assert cost("{ trajectories(first: 0) { edges { node { id } } totalCount } }") == 5 + 1 + 1
    assert cost("{ trajectories { edges { node { id } } } }") == 5 + 1 + 20 * 2  # default 20
    variables = "query($n: Int) { trajectories(first: $n) { edges { node { id } } } }"
    assert cost(variables, {"n": 3}) == 5 + 1 + 3 * 2
    assert cost(variables, {}) == cost(variables, {"n": None}) == 5 + 1 + 20 * 2


def test_weights_can_depend_on_arguments() -> None:
    plain = cost('{ verifyTrajectory(id: "x") { ok } }')
    assert cost('{ verifyTrajectory(id: "x", checkSnapshot: true) { ok } }') == 2 * plain - 1
    assert cost('query($s: Boolean) { verifyTrajectory(id: "x", checkSnapshot: $s) { ok } }',
                {"s": True}) == 2 * plain - 1


def doubling(n: int, leaf: str = "__typename") -> str:
    parts = [f"fragment F0 on Query {{ {leaf} }}"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, n + 1)]
    return "\n".join([*parts, f"query {{ ...F{n} }}"])


def test_spreads_are_counted_without_being_expanded() -> None:
    # 150 fragments: under graphql-core's limit of 200 nested ones (it aborts validation)
    started = time.perf_counter()
    assert cost(doubling(150)) == 2**150
    errors = validate(SCHEMA, parse(doubling(150, "a: __typename")), [OperationShapeRule])
    assert [e.message for e in errors] == [f"{2**150} aliases found. Allowed: {MAX_ALIASES}"]
    assert time.perf_counter() - started < 5  # 2^150 steps would never end


# The limiters strawberry ships, as the service used them before (exponential in spreads)
EXPANDING = (*QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
             *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Queries on Decision's self-similar fields with aliases, inline fragments and
    fragments that spread earlier ones (no cycles), nested up to 15 deep."""
    fragments: list[str] = []

    def selection(depth: int) -> str:
        parts = []
        for _ in range(draw(st.integers(1, 2))):
            kind = draw(st.sampled_from(["leaf", "nested", "nested", "inline", "spread"]))
            alias = draw(st.sampled_from(["", "", "a1: ", "a2: "]))
            if kind == "nested" and depth < 15:
                parts.append(f"{alias}supersedes {{ {selection(depth + 1)} }}")
            elif kind == "inline" and depth < 15:
                parts.append(f"... on Decision {{ {selection(depth)} }}")
            elif kind == "spread" and fragments:
                parts.append(f"...F{draw(st.integers(0, len(fragments) - 1))}")
            else:
                parts.append(f"{alias}id")
        return " ".join(parts)

    for index in range(draw(st.integers(0, 3))):
        fragments.append(f"fragment F{index} on Decision {{ {selection(0)} }}")
    operation = ('{ trajectory(id: "x") { decisions { edges { node { '
                 f"{selection(0)} }} }} }} }} }}")
    return "\n".join([*fragments, operation])


@given(documents())
@settings(max_examples=200, deadline=None)
def test_depth_and_aliases_are_judged_as_strawberry_judged_them(document: str) -> None:
    node = parse(document)
    ours = sorted(e.message for e in validate(SCHEMA, node, [OperationShapeRule]))
    try:  # theirs reports one error per path too deep: past 100, it gives up
        theirs = sorted(e.message for e in validate(SCHEMA, node, list(EXPANDING)))
    except ValidationAbortedError:
        theirs = ["Validation aborted."]
    assume(not any("Validation aborted" in message for message in theirs))
    assert ours == sorted(set(theirs))


def test_queries_over_the_off_loop_cost_run_in_a_worker_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    log = DecisionLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    tid = str(log.handle(c.StartTrajectory(name="P"), recorded_by="t").trajectory_id)
    threads: list[int] = []
    real_verify = verify.verify

    def recording(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        return real_verify(*args, **kwargs)

    monkeypatch.setattr(verify, "verify", recording)
    schema = build_schema()
    context = Context(app=log, principal=Principal(name="f", role="facilitator"))

    async def run(query: str) -> int:
        result = await schema.execute(query, {"id": tid}, context_value=context)
        assert result.errors is None, result.errors
        return threading.get_ident()

    heavy = "query($id: ID!) { verifyTrajectory(id: $id) { ok } }"  # costs 10,001
    loop_thread = asyncio.run(run(heavy))
    assert threads and threads[-1] != loop_thread
    light = "query($id: ID!) { trajectory(id: $id) { whoDecidesWhat { domain { name } } } }"
    monkeypatch.setattr(verify, "verify", real_verify)
    assert cost(light) < OFF_LOOP_COST
    log.close()
