"""The pages' figures: the board of the demo trajectory and of a 10,000-event trajectory,
in requests per second, beside the GraphQL query that reads what the board shows (its
phases, who decides what in the current one, the decisions out of mandate with why,
the consultation gaps, who is still to be told, the latest decisions), on
the same server in the same run (target: the board at least 0.5x the query).

    python -m bench.pages [--quick]

One uvicorn worker serves a SQLite file holding both trajectories (the long one with a
snapshot, as the service would have taken it). The board is loaded as a signed-in
facilitator (its session cookie), the query with the same token; rounds interleave the
four figures so a slow spell of the machine hits them alike.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.parse
import urllib.request
from collections.abc import Sequence
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import data  # noqa: E402
from bench.harness import Load, Row, Server, Stats, graphql_body, load, log  # noqa: E402

LONG_EVENTS = 10_000
CONNECTIONS = 16
HOLDER = "holder { __typename ... on Member { id name } ... on Role { name } }"
RIGHT = f"id condition phases {{ name }} {HOLDER}"
NOT_CONSULTED = "notConsulted { __typename ... on Member { name } ... on Role { name } }"
BOARD_QUERY = f"""
query Board($id: ID!) {{ trajectory(id: $id) {{
  id name client description status version
  members {{ id name role side membership }}
  currentPhase {{ id name }}
  phases {{ id name description order active retiredAt gaps {{ id name }} }}
  phaseTimeline {{ phase {{ id name }} startedAt recordedAt }}
  whoDecidesWhat {{ domain {{ id name description }}
    decides {{ {RIGHT} }} advises {{ {RIGHT} }} informed {{ {RIGHT} }} }}
  gaps {{ id name }}
  outOfMandate {{ id title decidedAt domain {{ name }} decidedBy {{ name }} phase {{ name }}
    outOfMandateReason {{ reason text }} }}
  consultationGaps {{ id title decidedAt domain {{ name }} decidedBy {{ name }}
    phase {{ name }} {NOT_CONSULTED} }}
  decisions(first: 40) {{ totalCount edges {{ node {{ id title status origin kind decidedAt
    recordedAt domain {{ id name }} decidedBy {{ name }} supersedes {{ id }}
    phase {{ name }} }} }} }}
  inForce: decisions(status: IN_FORCE, first: 100) {{ edges {{ node {{
    id title toInform {{ name }} }} }} }}
  awaiting: decisions(status: PROPOSED_IMPLICIT, first: 100) {{ edges {{ node {{
    id title since domain {{ name }} surfacedBy {{ name }} }} }} }}
}} }}
"""


def build(path: Path) -> tuple[str, str, dict[str, str]]:
    """The demo trajectory and a 10,000-event one in a new SQLite file; their ids and a
    facilitator's authorization header."""
    demo = data.demo_database(path)
    bulk = data._BulkLog(env=data.parse_database_url(f"sqlite:///{path}").env)
    try:
        long_ = data._trajectory("Ten thousand events", LONG_EVENTS, save=bulk)
    finally:
        bulk.close()
    snapshotting = data.open_log(path)
    try:
        snapshotting.take_snapshot(long_.id, version=long_.version)
    finally:
        snapshotting.close()
    return demo.demo_id, str(long_.id), demo.headers


def session_cookie(base_url: str, token: str) -> str:
    """Sign in through the sign-in form; the session cookie's header value."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base_url}/sign-in", timeout=30) as response:
        html = response.read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert csrf is not None
    body = urllib.parse.urlencode({"csrf_token": csrf[1], "token": token}).encode()
    with opener.open(f"{base_url}/sign-in", data=body, timeout=30) as response:
        assert response.status == 200
    cookie = next(c for c in jar if c.name == "dl_session")
    return f"dl_session={cookie.value}"


def run(*, quick: bool) -> list[Row]:
    seconds, repeats = (2.0, 3) if quick else (5.0, 3)
    import tempfile
    with tempfile.TemporaryDirectory(prefix="decisionlog-bench-pages-") as temporary:
        directory = Path(temporary)
        log(f"pages: building the demo and a {LONG_EVENTS:,}-event trajectory")
        demo_id, long_id, headers = build(directory / "pages.db")
        token = headers["Authorization"].removeprefix("Bearer ")
        with Server(directory / "pages.db", directory / "server.log",
                    headers=headers) as server:
            cookie = {"Cookie": session_cookie(server.url, token)}
            figures: dict[str, list[Load]] = {}
            targets = (("demo", demo_id), (f"{LONG_EVENTS // 1000}k events", long_id))
            for _, trajectory_id in targets:  # warm up, and check both answer
                _check(server, trajectory_id, cookie)
            for round_ in range(repeats):
                log(f"pages: round {round_ + 1} of {repeats}")
                for name, trajectory_id in targets:
                    figures.setdefault(f"pages: board, {name}", []).append(load(
                        f"{server.url}/trajectories/{trajectory_id}", seconds=seconds,
                        connections=CONNECTIONS, headers=cookie))
                    figures.setdefault(f"pages: board query (GraphQL), {name}", []).append(
                        load(f"{server.url}/graphql", seconds=seconds,
                             connections=CONNECTIONS, headers=server.headers,
                             bodies=[graphql_body(BOARD_QUERY, {"id": trajectory_id})]))
    rows = []
    for name, _ in targets:
        board, query = f"pages: board, {name}", f"pages: board query (GraphQL), {name}"
        rows.append(Row(query, "req/s", _rates(figures[query]),
                        note="the same data over GraphQL, result cache on"))
        rows.append(Row(board, "req/s", _rates(figures[board]), limit=query,
                        target=">= 0.5", note=_errors(figures[board])))
    return rows


def _rates(loads: Sequence[Load]) -> Stats:
    return Stats.of([result.rate for result in loads])


def _errors(loads: Sequence[Load]) -> str:
    errors = sum(result.errors for result in loads)
    return f"{errors} errors" if errors else f"{CONNECTIONS} connections, signed in"


def _check(server: Server, trajectory_id: str, cookie: dict[str, str]) -> None:
    request = urllib.request.Request(f"{server.url}/trajectories/{trajectory_id}",
                                     headers=cookie)
    with urllib.request.urlopen(request, timeout=120) as response:
        page = response.read().decode()
    if "Who decides what" not in page:
        raise RuntimeError("the board did not answer with the board")
    server.graphql(BOARD_QUERY, {"id": trajectory_id})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rows = run(quick=args.quick)
    from bench.harness import compare
    compare(rows)
    for row in rows:
        ratio = f"  {row.ratio:.2f}x (target {row.target})" if row.ratio is not None else ""
        print(f"{row.figure:<44} {row.stats.median:>9.0f} {row.unit}{ratio}")
    print(json.dumps([row.as_dict() for row in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
