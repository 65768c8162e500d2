"""The per-request context: the application and who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry

from decisionlog.api.masking import new_request_id
from decisionlog.api.memo import StateMemo
from decisionlog.auth.principal import Principal

if TYPE_CHECKING:
    from decisionlog.api.groupcommit import GroupCommit
    from decisionlog.application import DecisionLog


@dataclass
class Context:
    """What resolvers get as `info.context`."""

    app: DecisionLog
    principal: Principal
    request: Any = None
    response: Any = None
    request_id: str = field(default_factory=new_request_id)
    connection_params: dict[str, Any] | None = None  # a websocket's connection_init payload
    token: str | None = None  # a websocket's bearer token, checked again per operation
    writes: GroupCommit | None = None  # mutations run through it; without, one by one
    memo: StateMemo = field(default_factory=StateMemo)  # the app's; a new one by default


Info: TypeAlias = strawberry.Info[Context, None]

__all__ = ["Context", "Info", "Principal"]
