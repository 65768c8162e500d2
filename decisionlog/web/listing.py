"""The list of trajectories: search, status filter, pages; served from the read models
(`ReadModels.trajectories`, as the API's `trajectories` query)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    after_text = page.query("after")
    after = int(after_text) if after_text.isdigit() and len(after_text) < 18 else 0
    result = page.site.log.readmodels.trajectories(
        status=status, search=search or None,
        trajectory_ids=who.trajectories if who.is_scoped else None,
        first=PAGE_SIZE, after=after, count=True)
    next_url = None
    if result.has_next_page and result.rows:
        next_url = url("/trajectories", search=search, status=status_text.lower(),
                       after=result.rows[-1].position)
    first_url = url("/trajectories", search=search, status=status_text.lower()) \
        if after else None
    return page.render(
        "trajectories.html", rows=result.rows, total=result.total_count or 0,
        search=search, status=status, statuses=list(TrajectoryStatus),
        next_url=next_url, first_url=first_url,
        may_start=who.may_write(None))
