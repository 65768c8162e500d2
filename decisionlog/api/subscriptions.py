"""Subscriptions: `trajectoryEvents`, `auditLog` and `trajectoryUpdated`, over the
websocket (graphql-transport-ws), from any position, catching up and then live.

The streams and their guarantees are `decisionlog.live`; here the arguments and the
caller are checked (as the matching queries check them), a subscription takes its place
in the limits, and each item becomes the API's type: an `Event` (as in `history`), an
`AuditLogEdge` (as in the `auditLog` query, with the same sealed cursors) or the
`Trajectory`. A subscription that falls too far behind closes the socket (4008) with
the position to resume from (`livesocket.py`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from functools import partial
from typing import TYPE_CHECKING, Generic, TypeVar

import strawberry
from graphql import GraphQLError

from decisionlog.api.arguments import QueryError, require_text
from decisionlog.api.audit import AUDIT_LOG, AuditLogEdge, AuditLogEntry
from decisionlog.api.context import Info
from decisionlog.api.event_types import Event
from decisionlog.api.permissions import MayAudit, may_read, principal, read_scope
from decisionlog.api.types import Trajectory, trajectory_type
from decisionlog.audit.log import topics_for_types
from decisionlog.auth.cursors import InvalidCursorError, cursor_sealer
from decisionlog.auth.principal import canonical_trajectory_id
from decisionlog.domain.errors import TrajectoryNotFoundError
from decisionlog.live import (
    AuditFilter,
    SlowConsumerError,
    SubscriptionLimitError,
    audit_entries,
    trajectory_changes,
    trajectory_events,
)

if TYPE_CHECKING:
    from decisionlog.api.livesocket import LiveSession
    from decisionlog.audit.log import AuditEntry
    from decisionlog.domain.events import TrajectoryEvent
    from decisionlog.live import Admission

S = TypeVar("S")
T = TypeVar("T")


class Subscribed(Generic[S, T]):
    """A subscription's stream as the API sends it: each item converted; its place in
    the limits given back when it ends; the socket closed when it fell behind."""

    def __init__(self, source: AsyncIterator[S], convert: Callable[[S], T | None], *,
                 admission: Admission, session: LiveSession, field: str,
                 resume: Callable[[], str | None]) -> None:
        self._source = source
        self._convert = convert
        self._admission = admission
        self._session = session
        self._field = field
        self._resume = resume

    def __aiter__(self) -> Subscribed[S, T]:
        return self

    async def __anext__(self) -> T:
        while True:
            try:
                item = await self._source.__anext__()
            except StopAsyncIteration:
                self._admission.release()
                raise
            except SlowConsumerError:
                self._admission.release()
                await self._session.close_slow(self._field, self._resume())
                await self._session.wait_closed()  # a socket's tasks end with it
                raise StopAsyncIteration from None
            converted = self._convert(item)
            if converted is not None:
                return converted

    async def aclose(self) -> None:
        self._admission.release()
        close = getattr(self._source, "aclose", None)
        if close is not None:
            await close()


def _session(info: Info) -> LiveSession:
    session = info.context.live
    if session is None:
        raise QueryError("Subscriptions run over the websocket at /graphql "
                         "(protocol graphql-transport-ws).")
    return session


def _admit(info: Info, session: LiveSession) -> Admission:
    try:
        return session.admit(principal(info).name)
    except SubscriptionLimitError as error:
        raise GraphQLError(str(error), extensions={
            "code": "SUBSCRIPTION_LIMIT", "limit": error.limit, "value": error.value,
        }) from None


async def _readable_trajectory(info: Info, session: LiveSession, trajectory_id: str) -> str:
    """The canonical id of a stored trajectory the caller may read; else a QueryError
    (the same for an unknown one and one out of scope: ids do not leak)."""
    canonical = canonical_trajectory_id(trajectory_id)
    app = info.context.app

    def stored() -> bool:
        try:
            return any(True for _ in app.history(canonical, limit=1))
        except TrajectoryNotFoundError:
            return False

    if not may_read(info, canonical) or not await session.live.reader(stored):
        raise QueryError(f"No trajectory {trajectory_id!r} that you may read.")
    return canonical


@strawberry.type
class Subscription:
    """Live streams of the log: from any position, every event once, in order."""

    @strawberry.subscription(description=(
        "The trajectory's events after afterVersion (0: from its start), oldest first: "
        "first those already stored, then each new one as it is committed. Resume after "
        "a dropped connection with the last version received: nothing is missed or "
        "sent twice."))
    async def trajectory_events(self, info: Info, trajectory_id: strawberry.ID,
                                after_version: int | None = 0
                                ) -> AsyncGenerator[Event, None]:
        session = _session(info)
        after_version = after_version or 0
        if after_version < 0:
            raise QueryError(f"afterVersion must not be negative, not {after_version}.")
        canonical = await _readable_trajectory(info, session, trajectory_id)
        admission = _admit(info, session)
        live = session.live
        sent = [after_version]

        def convert(event: TrajectoryEvent) -> Event:
            version = sent[0] = event.originator_version
            return Event.of(event, partial(live.trajectory_now, canonical, at_least=version))

        stream = trajectory_events(live.follower, live.reader, trajectory_id=canonical,
                                   after_version=after_version,
                                   capacity=live.settings.queue)
        return Subscribed(stream, convert, admission=admission, session=session,  # type: ignore[return-value]
                          field="trajectoryEvents",
                          resume=lambda: f"version {sent[0]}")

    @strawberry.subscription(permission_classes=[MayAudit], description=(
        "Every event of every trajectory (in scope) in commit order after the cursor "
        "`after` (null: from the start of the log): first those stored, then each new "
        "one as it is committed. A cursor of the auditLog query works here, and each "
        "message's cursor works in both: resume after the last one received. Filters "
        "as in the query: trajectoryId, types, recordedBy."))
    async def audit_log(
        self, info: Info, after: str | None = None,
        trajectory_id: strawberry.ID | None = None, types: list[str] | None = None,
        recorded_by: list[str] | None = None,
    ) -> AsyncGenerator[AuditLogEdge, None]:
        session = _session(info)
        app = info.context.app
        sealer = cursor_sealer(app)
        for name in recorded_by or ():
            require_text("recordedBy", name)
        try:
            position = 0 if after is None else sealer.open(AUDIT_LOG, after)
            if types:
                topics_for_types(types)  # unknown names are refused
        except InvalidCursorError:
            raise QueryError(f"{after!r} is not an audit log cursor.") from None
        except ValueError as error:
            raise QueryError(str(error)) from None
        audit_filter = AuditFilter(
            trajectory_id=None if trajectory_id is None
            else canonical_trajectory_id(trajectory_id),
            scope=read_scope(info),
            types=None if types is None else frozenset(types),
            recorded_by=None if recorded_by is None else frozenset(recorded_by))
        admission = _admit(info, session)
        live = session.live
        sent: list[str | None] = [after]

        def convert(entry: AuditEntry) -> AuditLogEdge:
            cursor = sent[0] = sealer.seal(AUDIT_LOG, entry.position)
            event = entry.event
            return AuditLogEdge(cursor=cursor, node=AuditLogEntry(
                trajectory_id=strawberry.ID(entry.trajectory_id), version=entry.version,
                event=None if event is None else Event.of(event, partial(
                    live.trajectory_now, entry.trajectory_id, at_least=entry.version)),
                problem=entry.problem))

        stream = audit_entries(live.follower, live.reader, after=position,
                               audit_filter=audit_filter, capacity=live.settings.queue)
        return Subscribed(stream, convert, admission=admission, session=session,  # type: ignore[return-value]
                          field="auditLog", resume=lambda: sent[0])

    @strawberry.subscription(description=(
        "The trajectory now, then again each time it changes, so a board redraws from "
        "one subscription. A burst of changes may come as one message, always with the "
        "latest state (its version says which), never an older one."))
    async def trajectory_updated(self, info: Info, id: strawberry.ID
                                 ) -> AsyncGenerator[Trajectory, None]:
        session = _session(info)
        canonical = await _readable_trajectory(info, session, id)
        admission = _admit(info, session)
        live = session.live
        sent = [0]

        def convert(seen: int | None) -> Trajectory | None:
            aggregate = live.trajectory_now(canonical, at_least=seen)
            if aggregate is None or aggregate.version <= sent[0]:
                return None  # nothing newer than what was sent
            sent[0] = aggregate.version
            return trajectory_type(aggregate)

        stream = trajectory_changes(live.follower, live.reader, trajectory_id=canonical)
        return Subscribed(stream, convert, admission=admission, session=session,  # type: ignore[return-value]
                          field="trajectoryUpdated", resume=lambda: None)
