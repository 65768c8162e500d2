"""The pages' one way to change anything: a command, handed to the application's write
path (through the group commit the API uses, when the server has one)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from decisionlog.application import commands as c
from decisionlog.application.requests import CommandRequest

if TYPE_CHECKING:
    from decisionlog.application.requests import CommandResult
    from decisionlog.domain.trajectory import Trajectory
    from decisionlog.domain.values import Provenance
    from decisionlog.web.site import Site


async def submit(site: Site, command: c.Command, *, recorded_by: str,
                 expected_version: int | None, idempotency_key: str | None
                 ) -> CommandResult:
    """Carry the command out; its result, or the domain error raised."""
    log = site.log
    if isinstance(command, c.StartTrajectory):
        return await run_in_threadpool(
            log.start_trajectory, name=command.name, client=command.client,
            description=command.description, recorded_by=recorded_by,
            idempotency_key=idempotency_key)
    assert isinstance(command, c.TrajectoryCommand)
    fields = {f.name: getattr(command, f.name) for f in dataclasses.fields(command)
              if f.name != "trajectory_id"}
    method = _method_name(type(command).__name__)

    def run(t: Trajectory, p: Provenance) -> str | None:
        result: Any = getattr(t, method)(provenance=p, **fields)
        return None if result is None else str(result)

    request = CommandRequest(command.trajectory_id, run, recorded_by,
                             type(command).__name__, fields, expected_version,
                             idempotency_key)
    if site.writes is not None:
        return await site.writes.execute(request)
    return await run_in_threadpool(log.execute_request, request)


def _method_name(class_name: str) -> str:
    name = "".join("_" + ch.lower() if ch.isupper() else ch for ch in class_name).lstrip("_")
    return "close" if name == "close_trajectory" else name
