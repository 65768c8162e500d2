"""Four worker processes, many client threads, one PostgreSQL database: nothing lost,
nothing doubled, conflicts refused as `VersionConflict`, read models equal to a rebuild."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from decisionlog.audit.reader import open_reader
from decisionlog.audit.verify import verify
from decisionlog.domain.events import DomainDefined, TrajectoryStarted
from decisionlog.infrastructure.config import parse_database_url
from decisionlog.readmodels import rebuild
from tests.e2e.client import GraphQLClient
from tests.e2e.helpers import DOMAIN, add_member, define_domain, grant, record, start
from tests.scaleout.conftest import view_rows
from tests.scaleout.service import Service, in_threads, new_client, version_of

pytestmark = pytest.mark.timeout(60)

THREADS = 16
ROUNDS = 12  # requests per thread


@pytest.fixture
def service(database: str, tmp_path: Path) -> Iterator[Service]:
    """`decisionlog serve --workers 4` on a fresh schema."""
    running = Service(database, workers=4, log_path=tmp_path / "serve.log")
    try:
        running.facilitator_token = running.create_token("facilitator", name="scale")
        running.start()
        assert len(running.worker_pids()) == 4
        yield running
    finally:
        running.close()


def test_sixteen_clients_on_one_trajectory_store_each_acknowledged_change_once(
        service: Service) -> None:
    tid = start(new_client(service))
    acknowledged: list[tuple[str, int, str]] = []  # name, version, domain id
    refused: list[tuple[str, dict[str, Any]]] = []
    lock = threading.Lock()

    def hammer(index: int) -> None:
        client = new_client(service)
        conditional = index % 2 == 0
        for round_ in range(ROUNDS):
            name = f"t{index}-r{round_}"
            request: dict[str, Any] = {"trajectoryId": tid, "name": name}
            if conditional:
                request["expectedVersion"] = version_of(client, tid)
            result = client.mutate("defineDomain", request, DOMAIN)
            with lock:
                if result["__typename"] == "DomainPayload":
                    acknowledged.append((name, result["version"], result["domain"]["id"]))
                else:
                    refused.append((name, result))

    in_threads(THREADS, hammer)

    # Every refusal is a version conflict, of a request that named a version.
    assert refused, "16 writers on one trajectory and not one conflict: no contention?"
    for name, result in refused:
        assert result["__typename"] == "VersionConflict", result
        assert int(name[1:].split("-")[0]) % 2 == 0, f"an unconditional write refused: {result}"
        assert result["expectedVersion"] != result["actualVersion"]
    assert len(acknowledged) + len(refused) == THREADS * ROUNDS
    # Each acknowledged change is stored once, at the version it was acknowledged with;
    # nothing refused is stored.
    app = service.app()
    events = list(app.history(tid))
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert len(events) == 1 + len(acknowledged)
    assert version_of(new_client(service), tid) == 1 + len(acknowledged)
    assert isinstance(events[0], TrajectoryStarted)
    by_version = {e.originator_version: e for e in events}
    for name, version, domain_id in acknowledged:
        event = by_version[version]
        assert isinstance(event, DomainDefined)
        assert (event.name, event.domain_id) == (name, domain_id)
    stored_names = Counter(e.name for e in events if isinstance(e, DomainDefined))
    assert set(stored_names.values()) == {1}
    assert set(stored_names) == {name for name, _, _ in acknowledged}
    # The chain verifies, read as an auditor reads it.
    reader = open_reader(parse_database_url(service.database_url).env)
    try:
        report = verify(reader)
    finally:
        reader.close()
    assert report.ok and report.events_checked == len(events)


def test_many_trajectories_from_several_processes_give_the_views_a_rebuild_gives(
        service: Service) -> None:
    per_thread = 3

    def write(index: int) -> None:
        client = new_client(service)
        for n in range(per_thread):
            story(client, f"Programme {index}.{n}", shared=index % 4 == 0)

    in_threads(8, write)

    before = view_rows(service.database_url)
    assert len(before["dl_trajectories"]) == 8 * per_thread
    assert len(before["dl_decisions"]) == 8 * per_thread * 2
    report = rebuild(service.app())
    assert report.done and not service.app().readmodels.state().rebuilding
    assert view_rows(service.database_url) == before


def story(client: GraphQLClient, name: str, *, shared: bool) -> None:
    """A small trajectory: members, a domain, rights, two decisions (one superseding)."""
    tid = start(client, name, client="Acme" if shared else None)
    ana = add_member(client, tid, "Ana", "programme manager", "PROVIDER")
    add_member(client, tid, "Bo", "HR lead")
    domain = define_domain(client, tid, "Programme design")
    grant(client, tid, domain, "DECIDES", member_id=ana)
    grant(client, tid, domain, "ADVISES", role="HR lead")
    first = record(client, tid, domain, [ana], "Two days")
    record(client, tid, domain, [ana], "Three days", supersedes=[first])
