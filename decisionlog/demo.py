"""A demo trajectory built from the situations in the source text (seed/), so a new
user sees real data at once: a merger that must decide how much difference to keep, a
Gideon's band that builds the programme by doing, and a new facilitator who wants to do
only the front end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from decisionlog.application import DecisionLog
from decisionlog.domain.trajectory import Trajectory

DEMO_RECORDER = "demo"
DEMO_KEY = "demo-trajectory"


def seed_demo(app: DecisionLog) -> str:
    """Record the demo trajectory unless it is there already; returns its id."""
    started = app.start_trajectory(
        name="Leadership programme after the merger",
        client="Merged housing corporation (demo)",
        description="Two organisations merged; the leadership programme must build unity "
                    "without erasing the difference that makes the difference.",
        recorded_by=DEMO_RECORDER, idempotency_key=DEMO_KEY,
    )
    tid = started.trajectory_id
    if started.repeated:
        return str(tid)

    def run(command_name: str, /, **kwargs: Any) -> str:
        def command(t: Trajectory, p: Any) -> str | None:
            made: str | None = getattr(t, command_name)(provenance=p, **kwargs)
            return made
        result = app.execute(tid, command, recorded_by=DEMO_RECORDER, name=command_name,
                             inputs={})
        return result.result_id or ""

    weeks_ago = datetime.now(UTC) - timedelta(weeks=8)
    ines = run("add_member", name="Ines de Vries", role="client sponsor", side="CLIENT",
               membership="CORE")
    henk = run("add_member", name="Henk Bakker", role="HR lead", side="CLIENT",
               membership="CORE")
    sara = run("add_member", name="Sara Jansen", role="programme manager", side="PROVIDER",
               membership="CORE")
    tom = run("add_member", name="Tom Visser", role="learning facilitator",
              side="PROVIDER", membership="SPECIALIST")
    run("add_member", name="Yara El Amrani", role="team lead, former organisation B",
        side="CLIENT", membership="SPECIALIST")

    design = run("define_domain", name="Programme design",
                 description="Modules, rhythm and working forms of the programme.")
    balance = run("define_domain", name="Unity and difference",
                  description="How much unity the merged organisation asks, and which "
                              "differences are kept: the difference that makes the difference.")
    selection = run("define_domain", name="Participant selection",
                    description="Who takes part, in which groups.")
    process = run("define_domain", name="Process design",
                  description="Who decides when about what in the design team itself.")
    run("define_domain", name="Budget", description="Spending above the agreed frame.")

    run("grant_right", domain_id=balance, member_id=ines, role=None, right="DECIDES",
        condition=None, effective_from=weeks_ago)
    run("grant_right", domain_id=balance, member_id=None, role="HR lead", right="ADVISES",
        condition=None)
    run("grant_right", domain_id=design, member_id=None, role="programme manager",
        right="DECIDES", condition="during the design phase", effective_from=weeks_ago)
    run("grant_right", domain_id=design, member_id=tom, role=None, right="ADVISES",
        condition=None)
    run("grant_right", domain_id=selection, member_id=henk, role=None, right="DECIDES",
        condition=None)
    run("grant_right", domain_id=process, member_id=sara, role=None, right="DECIDES",
        condition=None, effective_from=weeks_ago)
    run("grant_right", domain_id=process, member_id=None, role="client sponsor",
        right="INFORMED", condition=None)

    run("record_decision", domain_id=balance, kind="FRAME", scale="LARGE",
        title="Unity in the frame, difference in the practice",
        statement="The programme builds one leadership language, and each former "
                  "organisation keeps its own way of advising clients.",
        rationale="Uniformity that is too thick does no justice to the value of "
                  "the differences.",
        options_considered=["Full uniformity", "Keep both cultures apart",
                            "Common frame, local practice"],
        decided_by=[ines], consulted=[henk, sara],
        decided_at=weeks_ago + timedelta(days=2))
    band = run("record_decision", domain_id=design, title="Start with a Gideon's band",
               statement="A small ad-hoc group builds the first module by doing, not on "
                         "paper.",
               decided_by=[sara], consulted=[tom], scale="LARGE",
               decided_at=weeks_ago + timedelta(days=9))
    run("record_decision", domain_id=design, title="Second module from the band's patterns",
        statement="The patterns the Gideon's band made visible shape module two.",
        decided_by=[sara], supersedes=[band])
    run("record_decision", domain_id=process, scale="SMALL",
        title="Tom does the front end only, for now",
        statement="Tom facilitates the sessions; programme management stays with Sara. "
                  "Revisit after module one.",
        decided_by=[tom], consulted=[sara])
    implicit = run("surface_implicit_decision", domain_id=selection,
                   title="The works council is no longer invited",
                   statement="Since the second session nobody invited the works council.",
                   surfaced_by=henk, since=weeks_ago + timedelta(days=20),
                   evidence="Invitation lists of sessions two to four.")
    run("ratify_decision", decision_id=implicit, ratified_by=[henk],
        rationale="The works council asked to be informed, not to attend.")
    run("surface_implicit_decision", domain_id=balance,
        title="Organisation B's intake form became the standard",
        statement="Everyone now uses the intake form of former organisation B.",
        surfaced_by=sara, scale="SMALL")
    return str(tid)
