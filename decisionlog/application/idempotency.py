"""Idempotency: what makes two requests "the same request" under one key.

A request's digest is derived from its command alone: the command's type name and its
fields (the trajectory id aside: it addresses the command), canonicalised as JSON,
fields left at their default omitted. So adding a field with a default to a command, or
any change to an entry point's input types, leaves the digests of existing requests
unchanged. Digests of this form start with `DIGEST_PREFIX`.

Events stored before commands were data carry digests of another form: the SHA-256 of
`[graphqlMutationName, {every input field but trajectoryId, expectedVersion and
idempotencyKey}]`, defaults included, an omitted optional list as null (`input_digest`
below, as it was). A retry of such a request is recognised by computing the digests the
command could have had then (`legacy_digests`): an empty tuple may have been sent as
`[]` or left out, so both are tried.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import decisionlog.application.commands as c
from decisionlog.domain.errors import IdempotencyKeyReusedError

DIGEST_PREFIX = "cmd1:"
ADDRESS_FIELDS = frozenset({"trajectory_id"})

# The GraphQL mutation each command was before commands were data, and the fields it
# had then: fields added to a command later never enter its legacy digests.
LEGACY_MUTATIONS: dict[type[c.Command], tuple[str, tuple[str, ...]]] = {
    c.StartTrajectory: ("startTrajectory", ("name", "client", "description")),
    c.CloseTrajectory: ("closeTrajectory", ("reason",)),
    c.AddMember: ("addMember", ("name", "role", "side", "membership")),
    c.ChangeMember: ("changeMember", ("member_id", "role", "membership")),
    c.RemoveMember: ("removeMember", ("member_id", "reason")),
    c.DefineDomain: ("defineDomain", ("name", "description")),
    c.RetireDomain: ("retireDomain", ("domain_id", "reason")),
    c.GrantRight: ("grantRight", ("domain_id", "right", "member_id", "role", "condition",
                                  "effective_from")),
    c.RevokeRight: ("revokeRight", ("right_id", "reason")),
    c.RecordDecision: ("recordDecision", (
        "domain_id", "title", "statement", "decided_by", "rationale", "options_considered",
        "consulted", "scale", "kind", "decided_at", "supersedes")),
    c.SurfaceImplicitDecision: ("surfaceImplicitDecision", (
        "domain_id", "title", "statement", "surfaced_by", "since", "evidence", "scale",
        "kind")),
    c.RatifyDecision: ("ratifyDecision", ("decision_id", "ratified_by", "rationale")),
    c.RejectDecision: ("rejectDecision", ("decision_id", "rejected_by", "reason")),
    c.WithdrawDecision: ("withdrawDecision", ("decision_id", "withdrawn_by", "reason")),
}
# The inputs' optional lists: null when left out, a list when given (even empty).
LEGACY_OPTIONAL_LISTS = frozenset({"options_considered", "consulted", "supersedes"})


def command_digest(command: c.Command) -> str:
    """The digest of a command: its type name and its fields not at their default."""
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(command):
        if field.name in ADDRESS_FIELDS:
            continue
        value = _plain(getattr(command, field.name))
        if field.default is dataclasses.MISSING or value != _plain(field.default):
            fields[field.name] = value
    canonical = json.dumps([type(command).__name__, fields], sort_keys=True,
                           separators=(",", ":"), ensure_ascii=True, default=_canonical)
    return DIGEST_PREFIX + hashlib.sha256(canonical.encode("ascii")).hexdigest()


def check_repeat(stored_digest: str | None, command: c.Command, digest: str, key: str
                 ) -> None:
    """Nothing, if a change stored with `stored_digest` under `key` was this command;
    `IdempotencyKeyReusedError` if it was another."""
    if stored_digest is not None and stored_digest.startswith(DIGEST_PREFIX):
        same = stored_digest == digest
    else:
        same = stored_digest is not None and stored_digest in legacy_digests(command)
    if not same:
        raise IdempotencyKeyReusedError(key)


def legacy_digests(command: c.Command) -> Iterator[str]:
    """The digests the previous version gave the request this command stands for."""
    legacy = LEGACY_MUTATIONS.get(type(command))
    if legacy is None:
        return
    name, names = legacy
    for field in dataclasses.fields(command):
        if (field.name not in names and field.name not in ADDRESS_FIELDS
                and getattr(command, field.name) != field.default):
            return  # a field that did not exist then: no earlier request can match
    inputs = {n: _plain(getattr(command, n)) for n in names}
    empty = [n for n in names if n in LEGACY_OPTIONAL_LISTS and inputs[n] == ()]
    choices: tuple[list[str] | None, ...] = (None, [])
    for choice in itertools.product(choices, repeat=len(empty)):
        try:
            yield input_digest(name, **{**inputs, **dict(zip(empty, choice, strict=True))})
        except UnicodeEncodeError:  # lone surrogates: the previous version stored none
            return


def input_digest(command: str, **inputs: Any) -> str:
    """The previous version's digest of a request (kept to recognise its retries)."""
    canonical = json.dumps([command, inputs], sort_keys=True, default=_canonical,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _canonical(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):  # (json writes tuples itself, as lists)
        return sorted(value)
    raise TypeError(f"Cannot digest {type(value).__name__}")
