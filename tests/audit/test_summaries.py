"""History summaries in words: names, a member's role at the time, and no ids."""

from __future__ import annotations

import re
from uuid import UUID

from decisionlog.application import DecisionLog
from decisionlog.audit.summaries import describe
from tests.audit.helpers import looking_back_story, merger_story

AN_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}|[0-9a-f]{16}")


def summaries(app: DecisionLog, tid: UUID) -> list[str]:
    trajectory = app.get_trajectory(tid)
    return [describe(event, trajectory) for event in app.history(tid)]


def test_every_kind_of_event_reads_in_words_without_an_id(app: DecisionLog) -> None:
    lines = summaries(app, merger_story(app))
    assert lines == [
        "Trajectory “Merger programme” started with Zorg & Welzijn",
        "Anna de Vries joined as HR lead (client side, core team)",
        "Bram Ëlberg joined as programme manager (provider side, core team)",
        "Cas joined as learning facilitator (provider side, specialist)",
        "Decision domain “Programme design” defined",
        "Decision domain “Budget” defined",
        "Anna de Vries (HR lead) DECIDES on Programme design (during the design phase)",
        "Role “programme manager” ADVISES on Programme design",
        "Cas (learning facilitator) is INFORMED on Programme design",
        "Bram Ëlberg (programme manager) DECIDES on Budget (above 10k euro)",
        "Anna de Vries (HR lead) set a frame on Programme design: Keep two regional tracks",
        "Anna de Vries (HR lead) decided on Programme design: Merge the tracks in year two; "
        "supersedes “Keep two regional tracks”",
        "Cas (learning facilitator) surfaced an implicit decision on Budget: "
        "No works council invitations",
        "Bram Ëlberg (programme manager) ratified “No works council invitations”: "
        "Agreed afterwards",
        "Anna de Vries (HR lead) surfaced an implicit decision on Programme design: "
        "Only the front end",
        "Anna de Vries (HR lead) rejected “Only the front end”: No.",
        "Cas (learning facilitator) decided on Budget: A Gideon's band",
        "Bram Ëlberg (programme manager) withdrew “A Gideon's band”: Out of mandate",
        "Cas (learning facilitator) changed: role learning facilitator → programme manager, "
        "now core team",
        "Bram Ëlberg (programme manager) no longer DECIDES on Budget (above 10k euro): "
        "Budget moves to HR",
        "Bram Ëlberg (programme manager) left the team: Left the provider",
        "Decision domain “Budget” retired: Fixed budget",
        "Phase “Intake” defined",
        "Phase “Design” defined",
        "Phase “Intake” started",
        "Phase “Design” started",
        "Cas (programme manager) ADVISES on Programme design in “Design”",
        "Cas (programme manager) told of “Merge the tracks in year two”",
        "Phase “Intake” retired: Intake is over",
    ]
    assert not [line for line in lines if AN_ID.search(line)]


def test_frames_and_looking_back_read_in_words(app: DecisionLog) -> None:
    tid = merger_story(app)
    before = app.get_trajectory(tid)
    assert before is not None
    version = before.version
    looking_back_story(app, tid)
    lines = summaries(app, tid)[version:]
    assert lines == [
        "Anna de Vries (HR lead) set a frame on Programme design: Long lines",
        "Anna de Vries (HR lead) decided on Programme design: Mixed groups; within "
        "“Long lines” (review by 2031-01-01)",
        "Review of “Mixed groups” due by 2031-03-01",
        "Outcome of “Mixed groups” observed by Cas (programme manager): Groups split by "
        "origin. (verdict: adjust it)",
        "Anna de Vries (HR lead) reconfirmed “Mixed groups”: The split was the first week "
        "only.",
        "Anna de Vries (HR lead) set a frame on Programme design: Long lines, redesigned; "
        "supersedes “Long lines”, which puts 1 decision up for review",
        "Anna de Vries (HR lead) moved “Mixed groups” from frame “Long lines” to frame "
        "“Long lines, redesigned”: Still holds.",
    ]
    assert not [line for line in lines if AN_ID.search(line)]


def test_a_member_is_named_with_the_role_held_at_the_event(app: DecisionLog) -> None:
    tid = merger_story(app)
    now = app.get_trajectory(tid)
    assert now is not None and now.members[_member(now, "Cas")].role == "programme manager"
    # read with today's trajectory, Cas's earlier events still say what Cas was then
    lines = summaries(app, tid)
    assert "Cas (learning facilitator) decided on Budget: A Gideon's band" in lines


def test_without_the_trajectory_the_event_speaks_for_itself(app: DecisionLog) -> None:
    tid = merger_story(app)
    first = next(iter(app.history(tid, limit=1)))
    assert describe(first, None) == first.summary()


def _member(trajectory: object, name: str) -> str:
    members = trajectory.members  # type: ignore[attr-defined]
    return next(m.id for m in members.values() if m.name == name)
