"""Read functions over the views: lists across trajectories, without loading aggregates.

Each takes an `Executor` inside a read transaction (see `ReadModels` for the usual way in)
and returns plain dataclasses. Lists are keyset-paginated: `after` is the `position` of
the last row of the previous page (0 for the first page), so rows added between two
pages never shift a later page.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from decisionlog.domain.values import (
    RightKind,
    TrajectoryStatus,
    name_key,
)
from decisionlog.readmodels.dialect import Executor, Row
from decisionlog.readmodels.rows import (
    MandateRow,
    Page,
    PhaseRef,
    TrajectoryRow,
)
from decisionlog.readmodels.search import match_condition, match_parameter, query_words

Where = tuple[list[str], list[Any]]

_TRAJECTORY_COLUMNS = (
    "t.position, t.trajectory_id, t.name, t.client, t.description, t.status, t.version, "
    "t.started_at, t.updated_at, t.closed_at, t.closed_reason")

def trajectories(
    ex: Executor, *, status: TrajectoryStatus | None = None, client: str | None = None,
    search: str | None = None, trajectory_ids: Collection[str] | None = None,
    first: int = 20, after: int = 0, count: bool = True,
) -> Page[TrajectoryRow]:
    """Trajectories in the order they were started, filtered; `client` matches exactly
    (case-insensitive), `search` by words of the name, client and description."""
    conditions: list[str] = []
    params: list[Any] = []
    if status is not None:
        conditions.append("t.status = ?")
        params.append(status.value)
    if client is not None:
        conditions.append("t.client_key = ?")
        params.append(name_key(client))
    search_condition(ex, "dl_trajectories", "t", search, conditions, params)
    scope_condition(trajectory_ids, "t", conditions, params)
    where = where_clause(conditions)
    rows = ex.fetchall(
        f"SELECT {_TRAJECTORY_COLUMNS} FROM dl_trajectories t "
        f"{where_clause([*conditions, 't.position > ?'])} ORDER BY t.position LIMIT ?",
        (*params, after, first + 1))
    total = None
    if count:
        total = int(ex.scalar(f"SELECT COUNT(*) FROM dl_trajectories t {where}", params))
    return Page([_trajectory(ex, r) for r in rows[:first]], len(rows) > first, total)


_MANDATE_SELECT = (
    "SELECT t.position, dm.position, r.position, t.trajectory_id, t.name, t.status, "
    "m.member_id, m.name, m.role, r.right_id, r.kind, r.condition, r.domain_id, dm.name, "
    "r.role, r.granted_at, r.effective_from "
    "FROM dl_members m JOIN dl_rights r ON r.trajectory_id = m.trajectory_id AND {holder} "
    "JOIN dl_domains dm ON dm.trajectory_id = r.trajectory_id AND dm.domain_id = r.domain_id "
    "JOIN dl_trajectories t ON t.trajectory_id = m.trajectory_id "
    "WHERE m.name_key = ? AND m.left_at IS NULL AND r.ended_at IS NULL "
    "AND dm.retired_at IS NULL{scope}"
)


def mandates(ex: Executor, member_name: str, *,
             trajectory_ids: Collection[str] | None = None) -> list[MandateRow]:
    """Every right in force that an active member of this name (case-insensitive) holds
    on an active domain, directly or through their current role, in every trajectory;
    by trajectory, then domain, then right, in the order they were made."""
    scope_conditions: list[str] = []
    scope_params: list[Any] = []
    scope_condition(trajectory_ids, "t", scope_conditions, scope_params)
    scope = "".join(f" AND {c}" for c in scope_conditions)
    key = name_key(member_name)
    direct = _MANDATE_SELECT.format(holder="r.member_id = m.member_id", scope=scope)
    by_role = _MANDATE_SELECT.format(holder="r.role = m.role", scope=scope)
    rows = ex.fetchall(
        f"{direct} UNION ALL {by_role} ORDER BY 1, 2, 3, 7",
        (key, *scope_params, key, *scope_params))
    ts = ex.dialect.timestamp
    phases = _right_phases(ex, sorted({(r[3], r[9]) for r in rows}))
    return [MandateRow(
        trajectory_id=r[3], trajectory_name=r[4], trajectory_status=TrajectoryStatus(r[5]),
        member_id=r[6], member_name=r[7], member_role=r[8], right_id=r[9],
        right=RightKind(r[10]), condition=r[11], domain_id=r[12], domain_name=r[13],
        via_role=r[14], granted_at=required(ts(r[15])), effective_from=required(ts(r[16])),
        phases=phases.get((r[3], r[9]), ()),
    ) for r in rows]


def _right_phases(ex: Executor, rights: list[tuple[str, str]]
                  ) -> dict[tuple[str, str], tuple[PhaseRef, ...]]:
    """The phases each of these (trajectory id, right id) holds in (none: every phase)."""
    if not rights:
        return {}
    tids = sorted({t for t, _ in rights})
    rids = sorted({r for _, r in rights})
    found: dict[tuple[str, str], list[PhaseRef]] = {}
    in_tids, in_rids = ", ".join("?" * len(tids)), ", ".join("?" * len(rids))
    for tid, right_id, phase_id, name in ex.fetchall(
            "SELECT rp.trajectory_id, rp.right_id, rp.phase_id, p.name FROM dl_right_phases rp "
            "JOIN dl_phases p ON p.trajectory_id = rp.trajectory_id "
            f"AND p.phase_id = rp.phase_id WHERE rp.trajectory_id IN ({in_tids}) "
            f"AND rp.right_id IN ({in_rids}) ORDER BY rp.ordinal", (*tids, *rids)):
        found.setdefault((tid, right_id), []).append(PhaseRef(phase_id, name))
    return {key: tuple(value) for key, value in found.items()}


def search_condition(ex: Executor, table: str, alias: str, search: str | None,
            conditions: list[str], params: list[Any]) -> None:
    words = query_words(search)
    if words:
        conditions.append(match_condition(ex.dialect, table, alias))
        params.append(match_parameter(ex.dialect, words))


def scope_condition(trajectory_ids: Collection[str] | None, alias: str, conditions: list[str],
           params: list[Any]) -> None:
    if trajectory_ids is None:
        return
    ids = sorted(set(trajectory_ids))
    if not ids:
        conditions.append("1 = 0")
        return
    conditions.append(f"{alias}.trajectory_id IN ({', '.join('?' * len(ids))})")
    params += ids


def where_clause(conditions: Sequence[str]) -> str:
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""


def required(value: Any) -> Any:
    assert value is not None, "a NOT NULL timestamp column held NULL"
    return value


def _trajectory(ex: Executor, r: Row) -> TrajectoryRow:
    ts = ex.dialect.timestamp
    return TrajectoryRow(
        position=r[0], id=r[1], name=r[2], client=r[3], description=r[4],
        status=TrajectoryStatus(r[5]), version=r[6], started_at=required(ts(r[7])),
        updated_at=required(ts(r[8])), closed_at=ts(r[9]), closed_reason=r[10])
