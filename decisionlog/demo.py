"""A demo trajectory built from the situations in the source text (seed/), so a new
user sees real data at once: a merger that must decide how much difference to keep, a
Gideon's band that builds the programme by doing, and a new facilitator who wants to do
only the front end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain.values import DecisionKind, Membership, RightKind, Scale, Side

DEMO_RECORDER = "demo"
DEMO_KEY = "demo-trajectory"


def seed_demo(app: DecisionLog) -> str:
    """Record the demo trajectory unless it is there already; returns its id."""
    started = app.handle(c.StartTrajectory(
        name="Leadership programme after the merger",
        client="Merged housing corporation (demo)",
        description="Two organisations merged; the leadership programme must build unity "
                    "without erasing the difference that makes the difference.",
    ), recorded_by=DEMO_RECORDER, idempotency_key=DEMO_KEY)
    tid = str(started.trajectory_id)
    if started.repeated:
        return tid

    def run(command: c.Command) -> str:
        return app.handle(command, recorded_by=DEMO_RECORDER).result_id or ""

    weeks_ago = datetime.now(UTC) - timedelta(weeks=8)
    ines = run(c.AddMember(trajectory_id=tid, name="Ines de Vries", role="client sponsor",
                           side=Side.CLIENT))
    henk = run(c.AddMember(trajectory_id=tid, name="Henk Bakker", role="HR lead",
                           side=Side.CLIENT))
    sara = run(c.AddMember(trajectory_id=tid, name="Sara Jansen", role="programme manager",
                           side=Side.PROVIDER))
    tom = run(c.AddMember(trajectory_id=tid, name="Tom Visser", role="learning facilitator",
                          side=Side.PROVIDER, membership=Membership.SPECIALIST))
    run(c.AddMember(trajectory_id=tid, name="Yara El Amrani",
                    role="team lead, former organisation B", side=Side.CLIENT,
                    membership=Membership.SPECIALIST))

    design = run(c.DefineDomain(
        trajectory_id=tid, name="Programme design",
        description="Modules, rhythm and working forms of the programme."))
    balance = run(c.DefineDomain(
        trajectory_id=tid, name="Unity and difference",
        description="How much unity the merged organisation asks, and which differences "
                    "are kept: the difference that makes the difference."))
    selection = run(c.DefineDomain(trajectory_id=tid, name="Participant selection",
                                   description="Who takes part, in which groups."))
    process = run(c.DefineDomain(
        trajectory_id=tid, name="Process design",
        description="Who decides when about what in the design team itself."))
    run(c.DefineDomain(trajectory_id=tid, name="Budget",
                       description="Spending above the agreed frame."))

    run(c.GrantRight(trajectory_id=tid, domain_id=balance, member_id=ines,
                     right=RightKind.DECIDES, effective_from=weeks_ago))
    run(c.GrantRight(trajectory_id=tid, domain_id=balance, role="HR lead",
                     right=RightKind.ADVISES))
    run(c.GrantRight(trajectory_id=tid, domain_id=design, role="programme manager",
                     right=RightKind.DECIDES, condition="during the design phase",
                     effective_from=weeks_ago))
    run(c.GrantRight(trajectory_id=tid, domain_id=design, member_id=tom,
                     right=RightKind.ADVISES))
    run(c.GrantRight(trajectory_id=tid, domain_id=selection, member_id=henk,
                     right=RightKind.DECIDES))
    run(c.GrantRight(trajectory_id=tid, domain_id=process, member_id=sara,
                     right=RightKind.DECIDES, effective_from=weeks_ago))
    run(c.GrantRight(trajectory_id=tid, domain_id=process, role="client sponsor",
                     right=RightKind.INFORMED))

    run(c.RecordDecision(
        trajectory_id=tid, domain_id=balance, kind=DecisionKind.FRAME, scale=Scale.LARGE,
        title="Unity in the frame, difference in the practice",
        statement="The programme builds one leadership language, and each former "
                  "organisation keeps its own way of advising clients.",
        rationale="Uniformity that is too thick does no justice to the value of the "
                  "differences.",
        options_considered=("Full uniformity", "Keep both cultures apart",
                            "Common frame, local practice"),
        decided_by=(ines,), consulted=(henk, sara), decided_at=weeks_ago + timedelta(days=2)))
    band = run(c.RecordDecision(
        trajectory_id=tid, domain_id=design, title="Start with a Gideon's band",
        statement="A small ad-hoc group builds the first module by doing, not on paper.",
        decided_by=(sara,), consulted=(tom,), scale=Scale.LARGE,
        decided_at=weeks_ago + timedelta(days=9)))
    run(c.RecordDecision(
        trajectory_id=tid, domain_id=design, title="Second module from the band's patterns",
        statement="The patterns the Gideon's band made visible shape module two.",
        decided_by=(sara,), supersedes=(band,)))
    run(c.RecordDecision(
        trajectory_id=tid, domain_id=process, scale=Scale.SMALL,
        title="Tom does the front end only, for now",
        statement="Tom facilitates the sessions; programme management stays with Sara. "
                  "Revisit after module one.",
        decided_by=(tom,), consulted=(sara,)))
    implicit = run(c.SurfaceImplicitDecision(
        trajectory_id=tid, domain_id=selection, title="The works council is no longer invited",
        statement="Since the second session nobody invited the works council.",
        surfaced_by=henk, since=weeks_ago + timedelta(days=20),
        evidence="Invitation lists of sessions two to four."))
    run(c.RatifyDecision(trajectory_id=tid, decision_id=implicit, ratified_by=(henk,),
                         rationale="The works council asked to be informed, not to attend."))
    run(c.SurfaceImplicitDecision(
        trajectory_id=tid, domain_id=balance,
        title="Organisation B's intake form became the standard",
        statement="Everyone now uses the intake form of former organisation B.",
        surfaced_by=sara, scale=Scale.SMALL))
    return tid
