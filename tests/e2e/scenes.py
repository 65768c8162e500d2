"""A scene: a trajectory with something of every kind, for tests that need ids to aim at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from tests.e2e.client import GraphQLClient

Scene = dict[str, str]
"""Ids by role in the scene: tid, member, other, domain, spare_domain, right, decision,
surfaced (eight events); `add_frames` adds frames and reviews."""


def payload_of(client: GraphQLClient, name: str, fields: dict[str, Any], key: str) -> str:
    result = client.mutate(name, fields, f"... on {key[0].upper() + key[1:]}Payload "
                                         f"{{ {key} {{ id }} }}")
    return str(result[key]["id"])


def make_scene(client: GraphQLClient) -> Scene:
    """A trajectory with something of every kind for the mutations to act on."""
    tid = payload_of(client, "startTrajectory", {"name": f"Scene {uuid4().hex[:6]}"},
                     "trajectory")
    s: Scene = {"tid": tid}
    for key, role in (("member", "programme manager"), ("other", "HR lead")):
        s[key] = payload_of(client, "addMember", {"trajectoryId": tid, "name": key,
                                                  "role": role, "side": "PROVIDER"}, "member")
    for key in ("domain", "spare_domain"):
        s[key] = payload_of(client, "defineDomain", {"trajectoryId": tid, "name": key},
                            "domain")
    s["right"] = payload_of(client, "grantRight", {
        "trajectoryId": tid, "domainId": s["domain"], "memberId": s["member"],
        "right": "DECIDES"}, "right")
    s["decision"] = payload_of(client, "recordDecision", {
        "trajectoryId": tid, "domainId": s["domain"], "title": "Kick-off",
        "statement": "We start.", "decidedBy": [s["member"]]}, "decision")
    s["surfaced"] = payload_of(client, "surfaceImplicitDecision", {
        "trajectoryId": tid, "domainId": s["domain"], "title": "No homework",
        "statement": "Nobody gives homework.", "surfacedBy": s["member"]}, "decision")
    return s


def add_frames(client: GraphQLClient, s: Scene) -> Scene:
    """Frames and reviews in a scene (five more events): frame, due (a decision within
    the frame, past its review date), new_frame (which superseded another frame) and
    up_for_review (a decision within that one)."""
    tid, now = s["tid"], datetime.now(UTC)

    def decide(title: str, **fields: Any) -> str:
        return payload_of(client, "recordDecision", {
            "trajectoryId": tid, "domainId": s["domain"], "title": title,
            "statement": f"{title}.", "decidedBy": [s["member"]], **fields}, "decision")

    s["frame"] = decide("Long lines", kind="FRAME")
    s["due"] = decide("Revisit the rhythm", withinFrames=[s["frame"]],
                      decidedAt=(now - timedelta(days=2)).isoformat(),
                      reviewBy=(now - timedelta(days=1)).isoformat())
    old = decide("Old frame", kind="FRAME")
    s["up_for_review"] = decide("Within the old frame", withinFrames=[old])
    s["new_frame"] = decide("New frame", kind="FRAME", supersedes=[old])
    return s


def make_phase_scene(client: GraphQLClient) -> Scene:
    """A scene with two phases (not started), and an INFORMED right of "other" that held
    when the decision was taken: for the phase and informing mutations."""
    s = make_scene(client)
    payload_of(client, "grantRight", {
        "trajectoryId": s["tid"], "domainId": s["domain"], "memberId": s["other"],
        "right": "INFORMED",
        "effectiveFrom": (datetime.now(UTC) - timedelta(days=1)).isoformat()}, "right")
    for key in ("phase", "spare_phase"):
        s[key] = payload_of(client, "definePhase", {"trajectoryId": s["tid"], "name": key},
                            "phase")
    return s
