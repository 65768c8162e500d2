"""What one request may cost the service (issue 19, items 1, 4, 11 and 12), against a
real server: documents that expand exponentially are refused by rules that count before
expanding, costly queries are refused before they run (with their cost and the limit),
heavy ones leave the event loop free, huge answers are refused, odd values get readable
errors, and every answer names its request."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from decisionlog.api.limits import MAX_COST, MAX_QUERY_CHARS, MAX_RESPONSE_BYTES, MAX_TOKENS
from decisionlog.domain.values import MAX_TEXT_LENGTH
from tests.e2e.client import Server
from tests.e2e.helpers import add_member, define_domain, start


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30, headers={
            "Authorization": f"Bearer {server.facilitator_token}"}) as client:
        yield client


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    errors: list[dict[str, Any]] = response.json().get("errors") or []
    return errors


def doubling(n: int, on: str = "Query", leaf: str = "__typename",
             query: str = "query {{ ...F{n} }}") -> str:
    """`fragment F1 on Query { ...F0 ...F0 }` ... `query { ...Fn }`: 2^n when expanded."""
    parts = [f"fragment F0 on {on} {{ {leaf} }}"]
    parts += [f"fragment F{i} on {on} {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, n + 1)]
    return "\n".join([*parts, query.format(n=n)])


EXPONENTIAL = {
    "typename": doubling(23),
    "aliases": doubling(23, leaf="a: __typename"),
    "nested": doubling(23, on="Trajectory", leaf="id",
                       query='query {{ trajectory(id: "x") {{ ...F{n} }} }}'),
    "deep": doubling(23, on="Trajectory", leaf="decisions { edges { node { id } } }",
                     query='query {{ trajectory(id: "x") {{ ...F{n} }} }}'),
}


def test_documents_that_expand_exponentially_are_refused_while_health_answers(
        server: Server, http: httpx.Client) -> None:
    # Each document is about 1.6 KB; expanded, 2^23 fields. Sent one after another
    # while /health is asked meanwhile: every answer comes, none waits for the others.
    answers: dict[str, list[dict[str, Any]]] = {}

    def send_all() -> None:
        for name, document in EXPONENTIAL.items():
            answers[name] = errors_of(http.post("/graphql", json={"query": document}))

    healthy = 0
    with ThreadPoolExecutor(1) as pool:
        sending = pool.submit(send_all)
        while not sending.done():
            assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200
            healthy += 1
        sending.result()

    assert healthy >= 1
    assert "costs 8,388,608" in answers["typename"][0]["message"]
    assert answers["aliases"][0]["message"] == "8388608 aliases found. Allowed: 30"
    for name in ("nested", "deep"):
        [error] = [e for e in answers[name] if e["extensions"]["code"] == "QUERY_TOO_COSTLY"]
        assert error["extensions"]["limit"] == MAX_COST


def test_fields_repeated_hundreds_of_times_are_refused_as_too_complex(
        http: httpx.Client) -> None:
    query = "{ " + "trajectories { totalCount } " * 395 + "}"  # under 2,000 tokens
    [error] = errors_of(http.post("/graphql", json={"query": query}))
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "too complex to validate" in error["message"]


ATTACK = "{ " + " ".join(
    f"a{i}: trajectories(first: 100) {{ edges {{ node {{ "
    "history(first: 100) { edges { node { version type data } } } "
    "decisions(first: 100) { edges { node { id title } } } } } }" for i in range(30)) + " }"


def test_a_costly_query_is_refused_before_it_runs_with_its_cost_and_the_limit(
        http: httpx.Client) -> None:
    [error] = errors_of(http.post("/graphql", json={"query": ATTACK}))

    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 2_127_180,
                                   "limit": MAX_COST}
    assert error["message"].startswith(f"The query costs 2,127,180, over the limit of "
                                       f"{MAX_COST:,}")


def test_integrity_checks_are_costed_by_their_arguments(http: httpx.Client) -> None:
    def verify(count: int, snapshot: bool) -> str:
        return "{ " + " ".join(f'v{i}: verifyTrajectory(id: "x", checkSnapshot: '
                               f'{str(snapshot).lower()}) {{ ok }}' for i in range(count)) + " }"

    assert errors_of(http.post("/graphql", json={"query": verify(4, False)})) == []
    refused = errors_of(http.post("/graphql", json={"query": verify(30, True)}))
    assert refused[0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert errors_of(http.post("/graphql", json={"query": verify(4, True)}))[0][
        "extensions"]["code"] == "QUERY_TOO_COSTLY"


def test_page_sizes_in_variables_count(http: httpx.Client) -> None:
    query = ("query($n: Int) { trajectories(first: $n) { edges { node { "
             "history(first: $n) { edges { node { type data summary recordedAt recordedBy } } } "
             "} } } }")
    assert errors_of(http.post("/graphql", json={"query": query, "variables": {"n": 10}})) == []
    [error] = errors_of(http.post("/graphql", json={"query": query,
                                                   "variables": {"n": 100}}))
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"


@pytest.fixture(scope="module")
def busy_data(server: Server) -> str:
    """Three trajectories of 30 decisions each, for queries with some work in them."""
    client = server.client(server.facilitator_token)
    tid = ""
    for _ in range(3):
        tid = start(client)
        anna = add_member(client, tid, "Anna", "lead")
        domain = define_domain(client, tid, "Budget")
        for i in range(30):
            client.mutate("recordDecision", {
                "trajectoryId": tid, "domainId": domain, "title": f"Decision {i}",
                "statement": "s" * 200, "decidedBy": [anna]})
    return tid


HEAVY = ("{ trajectories(first: 20) { edges { node { name decisions(first: 30) { edges { "
         "node { title statement withinMandate decidedBy { name } domain { name } "
         "supersedes { id } } } } } } } }")


def test_heavy_queries_leave_the_event_loop_free_for_health_checks(
        server: Server, busy_data: str) -> None:
    # Four clients repeat a query that costs more than the off-loop threshold; /health
    # answers meanwhile, also while heavy queries are in flight.
    in_flight = 0
    lock = threading.Lock()
    stop = threading.Event()

    def heavy() -> int:
        nonlocal in_flight
        done = 0
        client = server.client(server.facilitator_token)
        while not stop.is_set():
            with lock:
                in_flight += 1
            try:
                assert client.execute(HEAVY)["trajectories"]["edges"]
            finally:
                with lock:
                    in_flight -= 1
            done += 1
        client.http.close()
        return done

    answered_during_heavy = 0
    with ThreadPoolExecutor(4) as pool:
        workers = [pool.submit(heavy) for _ in range(4)]
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            with lock:
                busy = in_flight > 0
            assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200
            with lock:
                answered_during_heavy += busy and in_flight > 0
        stop.set()
        assert all(worker.result() > 0 for worker in workers)
    assert answered_during_heavy > 0


def test_a_response_over_the_size_limit_is_an_error(server: Server) -> None:
    client = server.client(server.facilitator_token)
    tid = start(client)
    anna = add_member(client, tid, "Anna", "lead")
    domain = define_domain(client, tid, "Budget")
    for i in range(100):
        client.mutate("recordDecision", {
            "trajectoryId": tid, "domainId": domain, "title": f"Long {i}",
            "statement": "x" * MAX_TEXT_LENGTH, "decidedBy": [anna]})
    copies = MAX_RESPONSE_BYTES // (100 * MAX_TEXT_LENGTH) + 1
    query = "query($id: ID!) { " + " ".join(
        f"t{i}: trajectory(id: $id) {{ decisions(first: 100) {{ edges {{ node {{ statement }} "
        "} } }" for i in range(copies)) + " }"

    body = client.post(query, {"id": tid})

    assert body["data"] is None, body.get("errors")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert error["extensions"]["limit"] == MAX_RESPONSE_BYTES
    one = client.post(query.split(" t1:")[0] + " }", {"id": tid})
    assert len(one["data"]["t0"]["decisions"]["edges"]) == 100


def cursor(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode()


READABLE = {
    # "Invalid cursor '…'" or "Cursor '…' names no decision of this list."
    "cursor past 2^63": (f'{{ trajectories(after: "{cursor("trajectory", 2**64)}") '
                         "{ totalCount } }", "ursor '"),
    "decisions cursor past 2^63": (f'{{ decisions(after: "{cursor("decisions", 2**63)}") '
                                   "{ totalCount } }", "ursor '"),
    "decidedFrom before the calendar": (
        '{ decisions(decidedFrom: "0001-01-01T00:30:00+01:00") { totalCount } }',
        "decidedFrom is outside the calendar"),
    "decidedTo after the calendar": (
        '{ decisions(decidedTo: "9999-12-31T23:59:59-14:00") { totalCount } }',
        "decidedTo is outside the calendar"),
    "asOf before the calendar": (
        '{ trajectory(id: "x", asOf: {at: "0001-01-01T00:00:00+00:01"}) { id } }',
        "asOf.at is outside the calendar"),
    "audit log from before the calendar": (
        '{ auditLog(from: "0001-01-01T00:30:00+01:00") { pageInfo { hasNextPage } } }',
        "from is outside the calendar"),
    "a 5,000-digit Int literal": (f"{{ trajectories(first: {'9' * 5000}) {{ totalCount }} }}",
                                  "too many digits"),
    "a lone surrogate escape": ('{ trajectory(id: "\\ud800") { id } }',
                                "Invalid Unicode escape sequence"),
    "NUL in a search": ('{ decisions(search: "a\\u0000b") { totalCount } }',
                        "search must not contain a NUL character"),
    "NUL in a name": ('{ mandates(memberName: "An\\u0000na") { right } }',
                      "memberName must not contain a NUL character"),
}


@pytest.mark.parametrize("case", list(READABLE))
def test_odd_values_get_readable_errors(http: httpx.Client, case: str) -> None:
    query, expected = READABLE[case]
    errors = errors_of(http.post("/graphql", json={"query": query}))
    assert errors and expected in errors[0]["message"], errors
    assert errors[0].get("extensions", {}).get("code") != "INTERNAL_ERROR"


RAW_BODIES = {
    "a 5,000-digit integer": b'{"query": "{ __typename }", "variables": {"n": '
                             + b"9" * 5000 + b"}}",
    "a lone surrogate in a variable": b'{"query": "query($id: ID!) { trajectory(id: $id) '
                                      b'{ id } }", "variables": {"id": "\\ud800"}}',
    "a lone surrogate in the query": b'{"query": "{ trajectory(id: \\"\\udfff\\") { id } }"}',
}


@pytest.mark.parametrize("case", list(RAW_BODIES))
def test_undecodable_json_is_a_400_with_a_request_id(http: httpx.Client, case: str) -> None:
    response = http.post("/graphql", content=RAW_BODIES[case],
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.headers["X-Request-ID"]
    assert "Traceback" not in response.text


def test_every_answer_carries_a_request_id(server: Server, http: httpx.Client) -> None:
    anonymous = httpx.Client(base_url=server.url, timeout=30)
    answers = {
        400: http.post("/graphql", content=b"{not json",
                       headers={"Content-Type": "application/json"}),
        401: anonymous.post("/graphql", json={"query": "{ __typename }"}),
        405: http.put("/graphql", json={"query": "{ __typename }"}),
        413: http.post("/graphql", json={"query": "{ __typename }",
                                         "variables": {"pad": "x" * 2_000_000}}),
        431: http.get("/health", headers={"X-Padding": "x" * 70_000}),
        200: http.get("/health"),
    }
    anonymous.close()
    ids = set()
    for status, response in answers.items():
        assert response.status_code == status, (status, response.text)
        ids.add(response.headers["X-Request-ID"])
    assert len(ids) == len(answers)


def test_documents_too_long_or_with_too_many_tokens_are_refused_before_parsing(
        http: httpx.Client) -> None:
    long_text = "query { __typename }\n#" + "x" * (MAX_QUERY_CHARS + 1)
    many_tokens = "query { " + " ".join(f"a{i}: __typename" for i in range(MAX_TOKENS)) + " }"
    for document, says in ((long_text, f"Source contains more than {MAX_QUERY_CHARS} code points"),
                           (many_tokens, f"Document contains more than {MAX_TOKENS} tokens")):
        answer = http.post("/graphql", json={"query": document})
        assert answer.status_code in (200, 400), answer.text
        messages = [error["message"] for error in answer.json()["errors"]]
        assert any(says in message for message in messages), messages
    assert http.post("/graphql", json={"query": "{ __typename }"}).json() == {
        "data": {"__typename": "Query"}}
