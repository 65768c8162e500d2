"""`rebuild`: interrupted in-process or killed with SIGKILL, it resumes where it stopped
and ends with the views live processing made; writes made meanwhile are not lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from decisionlog.application import DecisionLog
from decisionlog.readmodels import RebuildProgress, rebuild
from tests.integration.conftest import Backend
from tests.integration.scenario import OPS, dump_views, run_steps

MANY = [(op, i % 3, i, 3 * i, i) for i, op in enumerate(OPS * 6)]

CHILD = """
import json, sys, time
from decisionlog.application import DecisionLog
from decisionlog.readmodels import rebuild

app = DecisionLog(env=json.loads(sys.argv[1]))

def progress(report):
    print(report.position, flush=True)
    time.sleep(0.2)

rebuild(app, batch_size=10, progress=progress)
print("finished", flush=True)
"""


class Interrupted(Exception):
    """Raised by a progress callback to cut a rebuild off."""


def test_an_interrupted_rebuild_resumes_and_includes_writes_made_meanwhile(
        app: DecisionLog) -> None:
    ids = run_steps(app, MANY)
    reports: list[RebuildProgress] = []

    def stop_after_three(report: RebuildProgress) -> None:
        reports.append(report)
        if len(reports) == 3:
            raise Interrupted

    # Cut off after three batches of five
    with pytest.raises(Interrupted):
        rebuild(app, batch_size=5, progress=stop_after_three)
    state = app.readmodels.state()
    assert state.rebuilding
    assert state.position == reports[-1].position < reports[-1].last_position
    assert reports[-1].events_applied == 15

    # Writes go on; the views are behind, so the writers leave them to the rebuild
    run_steps(app, [("add_member", 0, 1, 1, 1), ("record", 0, 2, 2, 2)])
    assert app.readmodels.state().position == state.position
    last = app.readmodels.lag() + state.position

    # Run again: it continues from the tracking position
    report = rebuild(app, batch_size=5)
    assert report.resumed
    assert report.position == last
    assert report.events_applied == len(app.recorder.select_notifications(
        start=state.position, limit=10_000, inclusive_of_start=False))
    resumed = dump_views(app)
    assert not app.readmodels.state().rebuilding

    # The same as a rebuild from scratch, and writers update the views again
    rebuild(app, restart=True)
    assert dump_views(app) == resumed
    run_steps(app, [("define_domain", 0, 3, 3, 3)])
    assert app.readmodels.lag() == 0
    assert len(ids) >= 1


def test_a_rebuild_killed_mid_way_is_finished_by_the_next_start(
        backend: Backend, tmp_path: Path) -> None:
    env = backend.new_store()
    app = backend.open(env)
    run_steps(app, MANY)
    expected = dump_views(app)
    total = app.readmodels.state().position
    app.close()

    # A rebuild in another process, killed after its third batch
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(env)], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).parents[2], env={**os.environ, "PYTHONPATH": "."})
    assert child.stdout is not None
    positions = [int(child.stdout.readline()) for _ in range(3)]
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    row = backend.fetchone(env, "SELECT position, rebuilding FROM dl_projection")
    assert row is not None
    position, rebuilding = int(str(row[0])), bool(row[1])
    assert rebuilding
    assert positions[-1] <= position < total

    # The next start finishes it
    reopened = backend.open(env)
    assert reopened.readmodels.lag() == 0
    assert not reopened.readmodels.state().rebuilding
    assert dump_views(reopened) == expected
