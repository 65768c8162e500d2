"""`check_readiness` (what `GET /ready` answers) as a worker starts on views left behind
by an interrupted rebuild: not ready while it catches them up itself, ready once done;
ready (and saying so) while another process holds the rebuild lease."""

from __future__ import annotations

import pytest

from decisionlog.api.readiness import Readiness, check_readiness
from decisionlog.readmodels import RebuildProgress, ViewsKeeper, rebuild
from tests.integration.conftest import Backend
from tests.integration.scenario import OPS, run_steps

MANY = [(op, i % 3, i, 3 * i, i) for i, op in enumerate(OPS * 4)]


class Interrupted(Exception):
    """Raised by a progress callback to cut a rebuild off."""


def cut_off(report: RebuildProgress) -> None:
    if report.events_applied >= 10:
        raise Interrupted


def test_not_ready_while_catching_up_at_start_then_ready(backend: Backend) -> None:
    env = backend.new_store()
    app = backend.open({**env, "READMODELS_CATCH_UP": "n"})
    run_steps(app, MANY)
    with pytest.raises(Interrupted):
        rebuild(app, batch_size=5, progress=cut_off)
    behind = app.readmodels.store.freshness()
    assert behind.rebuilding and behind.behind > 0

    # A worker starting now: not ready before its first look, nor while it catches up
    during: list[Readiness] = []

    class Watched(ViewsKeeper):
        def _progress(self, report: RebuildProgress) -> None:
            super()._progress(report)
            during.append(check_readiness(app, self))

    keeper = Watched(app.readmodels.store)
    first = check_readiness(app, keeper)
    assert not first.ready and first.reasons == ["read models not checked yet"]
    keeper.check()
    assert during
    for readiness in during[:-1]:
        assert not readiness.ready
        assert readiness.reasons == ["read models catching up at start-up"]
        views = readiness.checks["readModels"]
        assert views["status"] == "catching up at start-up" and views["by"] == "this process"
    after = check_readiness(app, keeper)
    assert after.ready and after.body()["status"] == "ready"
    assert after.checks["readModels"]["status"] == "current"
    assert after.checks["readModels"]["behind"] == 0


def test_ready_while_another_process_rebuilds(backend: Backend) -> None:
    env = backend.new_store()
    app = backend.open(env)
    run_steps(app, MANY)
    with pytest.raises(Interrupted):
        rebuild(app, batch_size=5, progress=cut_off)
    # Another process holds the lease now (a rebuild resumed there)
    lease = app.readmodels.store.lease()
    assert lease.acquire("decisionlog rebuild, pid 4242 on elsewhere")
    keeper = ViewsKeeper(app.readmodels.store)
    try:
        keeper.check()  # it does not take over: the lease is held
        readiness = check_readiness(app, keeper)
        assert readiness.ready, readiness.body()
        views = readiness.checks["readModels"]
        assert views["status"] == "rebuilding" and views["behind"] > 0
        assert views["by"] == "decisionlog rebuild, pid 4242 on elsewhere"
    finally:
        lease.release()
    keeper.check()  # the lease is free: it finishes the rebuild
    assert check_readiness(app, keeper).checks["readModels"]["status"] == "current"
