"""The pages' one way to change anything: a command object, handled by the application
through the group commit the API uses (or on its own, where there is none)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from decisionlog.application import CommandRequest

if TYPE_CHECKING:
    from decisionlog.application import CommandResult
    from decisionlog.application.commands import Command
    from decisionlog.web.site import Site


async def submit(site: Site, command: Command, *, recorded_by: str,
                 expected_version: int | None, idempotency_key: str | None
                 ) -> CommandResult:
    """Carry the command out; its result, or the domain error raised."""
    request = CommandRequest(command, recorded_by, expected_version, idempotency_key)
    if site.writes is not None:
        return await site.writes.execute(request)
    return await run_in_threadpool(site.log.handle_request, request)
