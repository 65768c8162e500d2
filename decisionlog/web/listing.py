"""The list of trajectories: search, status filter, pages; served from the read models
(`ReadModels.trajectories`, as the API's `trajectories` query)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from decisionlog.api.readmodel_queries import TRAJECTORIES
from decisionlog.auth.cursors import InvalidCursorError, cursor_sealer
from decisionlog.domain.values import TrajectoryStatus
from decisionlog.web.site import url

if TYPE_CHECKING:
    from starlette.responses import Response

    from decisionlog.web.site import Page

PAGE_SIZE = 20


async def trajectories(page: Page) -> Response:
    who = page.who
    search = page.query("search")[:200]
    status_text = page.query("status").upper()
    status = TrajectoryStatus(status_text) if status_text in TrajectoryStatus.__members__ else None
    sealer = cursor_sealer(page.site.log)
    after = 0
    if page.query("after"):  # a sealed cursor, as the API's: it reveals no position
        with contextlib.suppress(InvalidCursorError):
            after = sealer.open(TRAJECTORIES, page.query("after"))
    result = page.site.log.readmodels.trajectories(
        status=status, search=search or None,
        trajectory_ids=who.trajectories if who.is_scoped else None,
        first=PAGE_SIZE, after=after, count=True)
    next_url = None
    if result.has_next_page and result.rows:
        next_url = url("/trajectories", search=search, status=status_text.lower(),
                       after=sealer.seal(TRAJECTORIES, result.rows[-1].position))
    first_url = url("/trajectories", search=search, status=status_text.lower()) \
        if after else None
    return page.render(
        "trajectories.html", rows=result.rows, total=result.total_count or 0,
        search=search, status=status, statuses=list(TrajectoryStatus),
        next_url=next_url, first_url=first_url,
        may_start=who.may_write(None))
