"""Pages for auditors: verify a trajectory's hash chain (as `verifyTrajectory` does),
the register and the events as downloads, and the global audit log with its filters.

Verifying and the audit log are for auditors and facilitators, within their scope, as
in the API; the downloads are for everyone who may read the trajectory (they hold
nothing its history does not show).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from decisionlog.api.audit import AUDIT_LOG, TrajectoryNames
from decisionlog.audit import export, log, verify
from decisionlog.audit.stored import event_classes_by_name
from decisionlog.audit.summaries import describe
from decisionlog.auth.cursors import InvalidCursorError, cursor_sealer
from decisionlog.web.site import NotAllowedError, PageError, url
from decisionlog.web.timetravel import MomentError, parse_moment

if TYPE_CHECKING:
    from collections.abc import Iterator

    from decisionlog.web.site import Page

AUDIT_PAGE = 50
DIGEST_CHARS = frozenset("0123456789abcdef")


async def trajectory_audit(page: Page) -> Response:
    """The integrity check (run when asked) and the downloads."""
    trajectory = page.trajectory(page.request.path_params["trajectory_id"])
    tid = str(trajectory.id)
    may_audit = page.who.may_audit(tid)
    outcome, problem = None, None
    expected = page.query("expect_head_digest").lower()
    snapshots = page.query("check_snapshot") == "1"
    if page.query("verify") == "1":
        if not may_audit:
            raise NotAllowedError("Only auditors and facilitators may verify trajectories.")
        if expected and (len(expected) != 64 or not set(expected) <= DIGEST_CHARS):
            problem = "A head digest is 64 hexadecimal characters."
        else:
            anchors = {tid: expected} if expected else None
            report = await run_in_threadpool(verify.verify, page.site.log, tid,
                                             anchors=anchors, snapshots=snapshots)
            outcome = report.get(tid)
    return page.render("audit.html", trajectory=trajectory, tid=tid, may_audit=may_audit,
                       outcome=outcome, problem=problem, expected=expected,
                       snapshots=snapshots, verified_at=datetime.now(UTC))


async def download(page: Page) -> Response:
    """The register (markdown) or every event with its digests (jsonl), as a file."""
    trajectory = page.trajectory(page.request.path_params["trajectory_id"])
    kind = page.request.path_params["format"]
    name = f"decisions-{str(trajectory.id)[:8]}"
    if kind == "md":
        text = await run_in_threadpool(export.export_markdown, page.site.log, trajectory.id)
        return Response(text, media_type="text/markdown; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{name}.md"'})
    if kind == "jsonl":
        lines = await run_in_threadpool(lambda: list(
            export.export_jsonl(page.site.log, trajectory.id)))
        return StreamingResponse(_lines(lines), media_type="application/x-ndjson", headers={
            "Content-Disposition": f'attachment; filename="{name}.jsonl"'})
    raise PageError("Downloads come as .md (the register) or .jsonl (the events).")


def _lines(lines: list[str]) -> Iterator[str]:
    for line in lines:
        yield line + "\n"


async def audit_log(page: Page) -> Response:
    """Every event of every trajectory in scope, in commit order, with filters."""
    who = page.who
    if not who.can_audit:
        raise NotAllowedError("Only auditors and facilitators may read the audit log.")
    known_types = sorted(event_classes_by_name())
    types = [t for t in page.request.query_params.getlist("type") if t in known_types]
    people = [p.strip() for p in page.query("recorded_by").split(",") if p.strip()]
    trajectory_id = page.query("trajectory") or None
    problems: list[str] = []
    moments: dict[str, datetime | None] = {}
    for name in ("from", "to"):
        try:
            moments[name] = parse_moment(page.query(name), field=name)
        except MomentError as error:
            problems.append(str(error))
            moments[name] = None
    sealer = cursor_sealer(page.site.log)
    after = None
    if page.query("after"):  # a sealed cursor, as the API's: it reveals no position
        try:
            after = sealer.open(AUDIT_LOG, page.query("after"))
        except InvalidCursorError:
            problems.append("That page of the log does not exist: starting from the "
                            "beginning.")
    result = log.audit_log(
        page.site.log, first=AUDIT_PAGE, after=after, trajectory_id=trajectory_id,
        trajectory_ids=who.trajectories if who.is_scoped else None, types=types or None,
        recorded_by=people or None, from_=moments["from"], to=moments["to"])
    trajectories = TrajectoryNames(page.site.log)
    names = _trajectory_names(page, {e.trajectory_id for e in result.entries})
    summaries = [None if e.event is None
                 else describe(e.event, trajectories.get(e.trajectory_id))
                 for e in result.entries]
    filters = {"trajectory": trajectory_id or "", "recorded_by": page.query("recorded_by"),
               "from": page.query("from"), "to": page.query("to")}
    next_url = None
    if result.has_next_page:
        next_url = url("/audit", **filters,
                       after=sealer.seal(AUDIT_LOG, result.end_position)) + "".join(
            f"&type={t}" for t in types)
    return page.render("audit_log.html", entries=zip(result.entries, summaries, strict=True),
                       names=names, has_entries=bool(result.entries),
                       known_types=known_types, types=types, filters=filters,
                       problems=problems, next_url=next_url, started=after is not None)


def _trajectory_names(page: Page, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = page.site.log.readmodels.trajectories(trajectory_ids=ids, first=len(ids),
                                                 count=False).rows
    return {row.id: row.name for row in rows}
