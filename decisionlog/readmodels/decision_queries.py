"""The root decision list and the backlog of surfaced decisions, across trajectories.

Decisions are ordered by `sort_at` (decidedAt, or when recorded if it has none), ties by
`position`; a page continues after the (sort_at, position) of the decision its cursor
names, so decisions recorded between two pages never shift the next one.

A text search is planned by hand, because neither SQLite nor PostgreSQL's planner can
tell well how many rows a word matches: first the ordered list is scanned (at most a
budget of rows, the words checked against the row's indexed words); a common word fills
the page there. If it does not, the page is cut from the full-text matches (then few):
on SQLite, newest first, by reading them from the last one back until no earlier
decision can rank higher, else by sorting them. Either way the page is exact.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from decisionlog.domain.values import (
    DecisionKind,
    DecisionOrigin,
    DecisionStatus,
    ReviewReasonKind,
    Scale,
    name_key,
)
from decisionlog.readmodels.dialect import Executor, Row
from decisionlog.readmodels.projector import CONSULTED, DECIDED
from decisionlog.readmodels.queries import (
    Where,
    required,
    scope_condition,
    search_condition,
    where_clause,
)
from decisionlog.readmodels.rows import (
    DecisionFilter,
    DecisionOrder,
    DecisionRow,
    InvalidCursorError,
    MemberRef,
    Page,
    ReviewReasonRow,
)
from decisionlog.readmodels.search import match_condition, match_parameter, query_words

ANY_DECISION = DecisionFilter()
SCAN_BUDGET = 3000  # rows scanned before turning to the full-text index, oldest first
NEWEST_SCAN_BUDGET = 1000  # the same, newest first (the index is cheaper read that way)

_COLUMNS = (
    "d.position, d.trajectory_id, d.decision_id, d.domain_id, dm.name, d.title, "
    "d.statement, d.rationale, d.kind, d.origin, d.status, d.scale, d.decided_at, "
    "d.recorded_at, d.surfaced_by, d.evidence, d.ratified_at, d.closed_at, d.closed_reason, "
    "d.phase_id, ph.name, d.not_consulted, d.review_by")
_FROM = (
    "FROM dl_decisions d JOIN dl_domains dm "
    "ON dm.trajectory_id = d.trajectory_id AND dm.domain_id = d.domain_id "
    "LEFT JOIN dl_phases ph ON ph.trajectory_id = d.trajectory_id "
    "AND ph.phase_id = d.phase_id")


def decisions(
    ex: Executor, where: DecisionFilter = ANY_DECISION, *,
    order: DecisionOrder = DecisionOrder.NEWEST_FIRST, first: int = 20, after: int = 0,
    count: bool = False,
) -> Page[DecisionRow]:
    """Decisions across trajectories, by decidedAt (recorded time when it has none),
    ties in the order recorded; filtered as `where` says."""
    words = query_words(where.search)
    conditions, params = _conditions(ex, where, search=False)
    if after:
        mark = ["d.position = ?"]  # a cursor outside the scope names no decision
        mark_params: list[Any] = [after]
        scope_condition(where.trajectory_ids, "d", mark, mark_params)
        sort_at = ex.scalar(f"SELECT d.sort_at FROM dl_decisions d {where_clause(mark)}",
                            mark_params)
        if sort_at is None:
            raise InvalidCursorError(after, "decisions")
        operator = "<" if order is DecisionOrder.NEWEST_FIRST else ">"
        conditions.append(f"(d.sort_at, d.position) {operator} (?, ?)")
        params += [sort_at, after]
    direction = "DESC" if order is DecisionOrder.NEWEST_FIRST else "ASC"
    sort = f"ORDER BY d.sort_at {direction}, d.position {direction}"
    if words:
        newest_first = order is DecisionOrder.NEWEST_FIRST
        budget = NEWEST_SCAN_BUDGET if newest_first else SCAN_BUDGET
        positions = _scan(ex, conditions, params, sort, words, first + 1, budget)
        if positions is None:
            positions = _from_index(ex, conditions, params, sort, words, first + 1,
                                    newest_first=newest_first)
    else:  # positions first, from one table along one index; then the rows
        positions = [r[0] for r in ex.fetchall(
            f"SELECT d.position FROM dl_decisions d {where_clause(conditions)} {sort} LIMIT ?",
            (*params, first + 1))]
    rows = _by_position(ex, positions)
    total = count_decisions(ex, where) if count else None
    return Page(_decisions(ex, rows[:first]), len(rows) > first, total)


def count_decisions(ex: Executor, where: DecisionFilter = ANY_DECISION) -> int:
    """How many decisions match `where` (with a search: in time proportional to the
    number of full-text matches)."""
    words = query_words(where.search)
    if words and ex.dialect.name != "postgres" and where == DecisionFilter(search=where.search):
        return int(ex.scalar(  # the full-text index alone can count these
            "SELECT COUNT(*) FROM dl_decisions_fts WHERE dl_decisions_fts MATCH ?",
            (match_parameter(ex.dialect, words),)))
    conditions, params = _conditions(ex, where, search=True)
    return int(ex.scalar(f"SELECT COUNT(*) FROM dl_decisions d {where_clause(conditions)}",
                         params))


def open_implicit_decisions(
    ex: Executor, *, trajectory_ids: Collection[str] | None = None, first: int = 100,
    after: int = 0, count: bool = False,
) -> Page[DecisionRow]:
    """Surfaced decisions awaiting ratification, across trajectories, oldest surfaced
    first."""
    conditions = ["d.status = ?"]
    params: list[Any] = [DecisionStatus.PROPOSED_IMPLICIT.value]
    scope_condition(trajectory_ids, "d", conditions, params)
    rows = _by_position(ex, [r[0] for r in ex.fetchall(
        f"SELECT d.position FROM dl_decisions d "
        f"{where_clause([*conditions, 'd.position > ?'])} ORDER BY d.position LIMIT ?",
        (*params, after, first + 1))])
    total = None
    if count:
        total = int(ex.scalar(
            f"SELECT COUNT(*) FROM dl_decisions d {where_clause(conditions)}", params))
    return Page(_decisions(ex, rows[:first]), len(rows) > first, total)


def decision_page(ex: Executor, positions: list[int], first: int,
                  total: int | None = None) -> Page[DecisionRow]:
    """The page of the first `first` of these decisions (a next page if there are more)."""
    rows = _by_position(ex, positions)
    return Page(_decisions(ex, rows[:first]), len(rows) > first, total)


def _scan(ex: Executor, conditions: list[str], params: list[Any], sort: str,
          words: list[str], wanted: int, budget: int) -> list[int] | None:
    """The first `wanted` positions whose words match, from the first `budget` rows of
    the ordered list; None when those rows do not settle the page."""
    needles = [" " + w for w in words]
    found: list[int] = []
    scanned = 0
    for position, text in ex.iterate(
            "SELECT d.position, ' ' || d.base_text || ' ' || d.rationale_text "
            f"FROM dl_decisions d {where_clause(conditions)} {sort} LIMIT ?",
            (*params, budget)):
        scanned += 1
        if all(n in text for n in needles):
            found.append(position)
            if len(found) == wanted:
                return found
    return found if scanned < budget else None


def _from_index(ex: Executor, conditions: list[str], params: list[Any], sort: str,
                words: list[str], wanted: int, *, newest_first: bool) -> list[int]:
    """The page cut from the full-text matches.

    Newest first, the matches are read from the last recorded back, and reading stops
    once no earlier decision can rank higher: all of them have a `sort_at` at most the
    `sort_ceiling` of the match just read. Oldest first, all matches are sorted.
    """
    match = (match_parameter(ex.dialect, words), *params)
    filters = "".join(" AND " + c for c in conditions)
    if ex.dialect.name == "postgres":  # few matches now: the GIN index, then a sort
        matches = match_condition(ex.dialect, "dl_decisions", "d")
        return [r[0] for r in ex.fetchall(
            f"SELECT d.position FROM dl_decisions d WHERE {matches}{filters} {sort} LIMIT ?",
            (*match, wanted))]
    join = ("FROM dl_decisions_fts f JOIN dl_decisions d ON d.position = f.rowid "
            f"WHERE f.dl_decisions_fts MATCH ?{filters}")
    if not newest_first:
        return [r[0] for r in ex.fetchall(
            f"SELECT d.position {join} {sort} LIMIT ?", (*match, wanted))]
    best: list[tuple[Any, int]] = []  # (sort_at, position), highest first
    for position, sort_at, ceiling in ex.iterate(
            f"SELECT d.position, d.sort_at, d.sort_ceiling {join} ORDER BY f.rowid DESC",
            match):
        if len(best) < wanted or (sort_at, position) > best[-1]:
            best.append((sort_at, position))
            best.sort(reverse=True)
            del best[wanted:]
        if len(best) == wanted and ceiling <= best[-1][0]:
            break
    return [position for _, position in best]


def _by_position(ex: Executor, positions: list[int]) -> list[Row]:
    if not positions:
        return []
    rows = ex.fetchall(
        f"SELECT {_COLUMNS} {_FROM} WHERE d.position IN ({', '.join('?' * len(positions))})",
        positions)
    by_position = {r[0]: r for r in rows}
    return [by_position[p] for p in positions]


def _conditions(ex: Executor, where: DecisionFilter, *, search: bool) -> Where:
    conditions: list[str] = []
    params: list[Any] = []
    for column, value in (("status", where.status), ("origin", where.origin),
                          ("kind", where.kind)):
        if value is not None:
            conditions.append(f"d.{column} = ?")
            params.append(value.value)
    if where.domain_name is not None:
        conditions.append("d.domain_key = ?")
        params.append(name_key(where.domain_name))
    if where.decided_by is not None:
        conditions.append("d.position IN (SELECT position FROM dl_decision_members "
                          "WHERE name_key = ? AND relation = ?)")
        params += [name_key(where.decided_by), DECIDED]
    if where.phase is not None:
        conditions.append("d.phase_key = ?")
        params.append(name_key(where.phase))
    if where.not_consulted is not None:
        conditions.append("d.not_consulted > 0" if where.not_consulted
                          else "d.not_consulted = 0")
    if where.decided_from is not None:
        conditions.append("d.decided_at >= ?")
        params.append(where.decided_from)
    if where.decided_to is not None:
        conditions.append("d.decided_at < ?")
        params.append(where.decided_to)
    if search:
        search_condition(ex, "dl_decisions", "d", where.search, conditions, params)
    scope_condition(where.trajectory_ids, "d", conditions, params)
    return conditions, params


def _decisions(ex: Executor, rows: list[Row]) -> list[DecisionRow]:
    """Decision rows with their members and supersessions (two more queries a page)."""
    if not rows:
        return []
    positions = [r[0] for r in rows]
    marks = ", ".join("?" * len(positions))
    members: dict[tuple[int, str], list[MemberRef]] = {}
    for position, relation, member_id, name in ex.fetchall(
            "SELECT x.position, x.relation, x.member_id, m.name FROM dl_decision_members x "
            "JOIN dl_decisions d ON d.position = x.position JOIN dl_members m "
            "ON m.trajectory_id = d.trajectory_id AND m.member_id = x.member_id "
            f"WHERE x.position IN ({marks}) ORDER BY x.position, x.relation, x.ordinal",
            positions):
        members.setdefault((position, relation), []).append(MemberRef(member_id, name))
    pairs = sorted({(r[1], r[2]) for r in rows})
    tids = sorted({p[0] for p in pairs})
    dids = sorted({p[1] for p in pairs})
    in_tids, in_dids = ", ".join("?" * len(tids)), ", ".join("?" * len(dids))
    links = sorted(set(ex.fetchall(  # two lookups, each along an index
        "SELECT trajectory_id, decision_id, superseded_id, ordinal FROM dl_supersessions "
        f"WHERE trajectory_id IN ({in_tids}) AND decision_id IN ({in_dids}) UNION ALL "
        "SELECT trajectory_id, decision_id, superseded_id, ordinal FROM dl_supersessions "
        f"WHERE trajectory_id IN ({in_tids}) AND superseded_id IN ({in_dids})",
        (*tids, *dids, *tids, *dids))), key=lambda link: link[3])
    supersedes: dict[tuple[str, str], list[str]] = {}
    superseded_by: dict[tuple[str, str], list[str]] = {}
    for tid, newer, older, _ in links:
        supersedes.setdefault((tid, newer), []).append(older)
        superseded_by.setdefault((tid, older), []).append(newer)
    reasons = review_reasons(ex, tids, dids)
    ts = ex.dialect.timestamp
    return [DecisionRow(
        position=r[0], trajectory_id=r[1], id=r[2], domain_id=r[3], domain_name=r[4],
        title=r[5], statement=r[6], rationale=r[7], kind=DecisionKind(r[8]),
        origin=DecisionOrigin(r[9]), status=DecisionStatus(r[10]), scale=Scale(r[11]),
        decided_at=ts(r[12]), recorded_at=required(ts(r[13])), surfaced_by=r[14],
        evidence=r[15], ratified_at=ts(r[16]), closed_at=ts(r[17]), closed_reason=r[18],
        decided_by=tuple(members.get((r[0], DECIDED), ())),
        consulted=tuple(members.get((r[0], CONSULTED), ())),
        supersedes=tuple(supersedes.get((r[1], r[2]), ())),
        superseded_by=tuple(superseded_by.get((r[1], r[2]), ())),
        phase_id=r[19], phase_name=r[20], not_consulted=int(r[21]),
        review_by=ts(r[22]), review_reasons=tuple(reasons.get((r[1], r[2]), ())),
    ) for r in rows]


def review_reasons(ex: Executor, tids: list[str], dids: list[str]
                   ) -> dict[tuple[str, str], list[ReviewReasonRow]]:
    """The open reasons for review of these decisions, oldest first, by (trajectory id,
    decision id); with the titles of the decisions they name."""
    in_tids, in_dids = ", ".join("?" * len(tids)), ", ".join("?" * len(dids))
    ts = ex.dialect.timestamp
    found: dict[tuple[str, str], list[ReviewReasonRow]] = {}
    for row in ex.fetchall(
            "SELECT r.trajectory_id, r.decision_id, r.kind, r.version, r.opened_at, "
            "r.frame_id, f.title, r.through_id, t.title, r.cause_id, c.title "
            "FROM dl_reviews r "
            "LEFT JOIN dl_decisions f ON f.trajectory_id = r.trajectory_id "
            "AND f.decision_id = r.frame_id "
            "LEFT JOIN dl_decisions t ON t.trajectory_id = r.trajectory_id "
            "AND t.decision_id = r.through_id "
            "LEFT JOIN dl_decisions c ON c.trajectory_id = r.trajectory_id "
            "AND c.decision_id = r.cause_id "
            f"WHERE r.trajectory_id IN ({in_tids}) AND r.decision_id IN ({in_dids}) "
            "ORDER BY r.position, r.ordinal", (*tids, *dids)):
        found.setdefault((row[0], row[1]), []).append(ReviewReasonRow(
            kind=ReviewReasonKind(row[2]), version=row[3], opened_at=required(ts(row[4])),
            frame_id=row[5], frame_title=row[6], through_id=row[7], through_title=row[8],
            cause_id=row[9], cause_title=row[10]))
    return found
