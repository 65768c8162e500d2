"""Values at the edges, sent raw to a running server (issue 19, item 11): integers of up
to 5,000 digits, lone surrogates, NUL, cursors past 2^63, date-times at the ends of the
calendar, in every query argument that takes them, as JSON variables and as literals.
Each gets a readable answer: a 4xx or a GraphQL error, never a 5xx or an internal error,
always with a request id."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.client import Server
from tests.e2e.helpers import start

pytestmark = pytest.mark.timeout(300)

EXCEPTION_TEXT = re.compile(r"Traceback|File \"|Error\(|\b(Key|Attribute|Type|Index|Value|"
                            r"Overflow|Unicode\w*|Assertion|Runtime)Error\b")

# (argument type, a query using it as $v): every query argument of a scalar type (and
# the lists of one)
QUERIES: list[tuple[str, str]] = [
    ("Int", "query($v: Int) { trajectories(first: $v) { totalCount } }"),
    ("String", "query($v: String) { trajectories(after: $v) { totalCount } }"),
    ("String", "query($v: String) { trajectories(search: $v, client: $v) { totalCount } }"),
    ("ID!", "query($v: ID!) { trajectory(id: $v) { id } }"),
    ("Int", 'query($v: Int, $t: ID!) { trajectory(id: $t, asOf: {version: $v}) { id } }'),
    ("DateTime", 'query($v: DateTime, $t: ID!) { trajectory(id: $t, asOf: {at: $v}) { id } }'),
    ("DateTime!", "query($v: DateTime!, $t: ID!) { trajectory(id: $t) { "
                  "decisionsInForceAt(at: $v) { id } } }"),
    ("Int", "query($v: Int, $t: ID!) { trajectory(id: $t) { history(first: $v) { totalCount } "
            "decisions(first: $v) { totalCount } } }"),
    ("String", "query($v: String, $t: ID!) { trajectory(id: $t) { history(after: $v) { "
               "totalCount } decisions(after: $v) { totalCount } } }"),
    ("String", "query($v: String) { decisions(search: $v, domainName: $v, decidedBy: $v) "
               "{ totalCount } }"),
    ("DateTime", "query($v: DateTime) { decisions(decidedFrom: $v) { totalCount } }"),
    ("DateTime", "query($v: DateTime) { decisions(decidedTo: $v) { totalCount } }"),
    ("String", "query($v: String) { decisions(after: $v) { totalCount } }"),
    ("String!", "query($v: String!) { mandates(memberName: $v) { right } }"),
    ("String", "query($v: String) { openImplicitDecisions(after: $v) { totalCount } }"),
    ("Int", "query($v: Int) { openImplicitDecisions(first: $v) { totalCount } }"),
    ("DateTime", "query($v: DateTime) { auditLog(from: $v, to: $v) { pageInfo { hasNextPage } } }"),
    ("Int", "query($v: Int) { auditLog(first: $v) { pageInfo { hasNextPage } } }"),
    ("String", "query($v: String) { auditLog(after: $v) { pageInfo { hasNextPage } } }"),
    ("String!", "query($v: String!) { auditLog(recordedBy: [$v]) { pageInfo { hasNextPage } } }"),
    ("String!", "query($v: String!) { auditLog(types: [$v]) { pageInfo { hasNextPage } } }"),
    ("ID!", "query($v: ID!) { verifyTrajectory(id: $v, expectHeadDigest: $v) { ok } }"),
]


def cursor(kind: str, position: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode()


# Each value is raw JSON text: what a client can send, not only what Python would encode.


def json_string(text: str) -> str:
    return json.dumps(text)


digits = st.integers(min_value=1, max_value=5000)
huge_integers = st.builds(lambda n, sign: sign + "9" * n, digits, st.sampled_from(["", "-"]))
surrogates = st.sampled_from(['"\\ud800"', '"\\udfff"', '"a\\udbff"', '"\\udc00\\ud800"',
                              '"x\\u0000y"', '"\\u0000"'])
cursors = st.builds(
    lambda kind, n: json_string(cursor(kind, str(n))),
    st.sampled_from(["trajectory", "decisions", "open-implicit", "decision", "event",
                     "auditlog"]),
    st.one_of(st.integers(min_value=2**63 - 2, max_value=2**80), st.integers(max_value=-1)))
calendar_edges = st.builds(
    lambda year, month, day, hour, sign, offset_h, offset_m: json_string(
        f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:59:59{sign}{offset_h:02d}:{offset_m:02d}"),
    st.sampled_from([1, 2, 1970, 9998, 9999]), st.sampled_from([1, 12]),
    st.sampled_from([1, 31]), st.sampled_from([0, 23]), st.sampled_from(["+", "-"]),
    st.integers(min_value=0, max_value=23), st.sampled_from([0, 30, 59]))
floats = st.sampled_from(["1e400", "-1e400", "1e308", "2147483648", "-2147483649",
                          "0.5", "1E2", "18446744073709551616"])
ANY_VALUE = st.one_of(huge_integers, surrogates, cursors, calendar_edges, floats)
# Mostly values of the argument's own type (those reach the resolvers), sometimes any
BY_TYPE = {
    "Int": st.one_of(huge_integers, floats, ANY_VALUE),
    "String": st.one_of(cursors, surrogates, ANY_VALUE),
    "ID": st.one_of(surrogates, huge_integers, ANY_VALUE),
    "DateTime": st.one_of(calendar_edges, calendar_edges, ANY_VALUE),
}
QUERY_AND_VALUE = st.sampled_from(QUERIES).flatmap(
    lambda query: st.tuples(st.just(query[1]), BY_TYPE[query[0].rstrip("!")]))


@pytest.fixture(scope="module")
def target(server: Server) -> Iterator[tuple[httpx.Client, str]]:
    """An authenticated raw client, and a real trajectory's id for `$t`."""
    tid = start(server.client(server.facilitator_token))
    with httpx.Client(base_url=server.url, timeout=30, headers={
            "Authorization": f"Bearer {server.facilitator_token}",
            "Content-Type": "application/json"}) as client:
        yield client, tid


def check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert response.headers.get("X-Request-ID")
    assert not EXCEPTION_TEXT.search(response.text), response.text[:500]
    if response.status_code == 200:
        for error in response.json().get("errors") or []:
            assert (error.get("extensions") or {}).get("code") != "INTERNAL_ERROR", error


SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@given(case=QUERY_AND_VALUE)
@SETTINGS
def test_odd_variables_get_readable_answers(target: tuple[httpx.Client, str],
                                            case: tuple[str, str]) -> None:
    client, tid = target
    query, value = case
    body = f'{{"query": {json.dumps(query)}, "variables": {{"v": {value}, "t": "{tid}"}}}}'
    check(client.post("/graphql", content=body.encode()))


@given(case=QUERY_AND_VALUE)
@SETTINGS
def test_odd_literals_get_readable_answers(target: tuple[httpx.Client, str],
                                           case: tuple[str, str]) -> None:
    # The same values written into the query text (JSON escapes become GraphQL escapes)
    client, tid = target
    query, value = case
    text = query.split(") {", 1)[1].rsplit("}", 1)[0]
    literal = re.sub(r"\$v\b", lambda _: value,
                     re.sub(r"\$t\b", lambda _: json.dumps(tid), text))
    check(client.post("/graphql", content=json.dumps({"query": "{" + literal + "}"}).encode()))
