"""A demo trajectory built from the situations in the source text (seed/), so a new
user sees real data at once: a merger that must decide how much difference to keep, a
Gideon's band that builds the programme by doing, a new facilitator who wants to do
only the front end, and the process design of the design process: an intake, a design
phase in which the design team holds the process design, and a phase in which the
client's line managers take over. One decision is taken in a phase where its decider
has no right ("Module three ..."), one skipped advisers who had to be heard ("The design
team meets every two weeks").

Its frames, set as the design phase starts: the programme's long lines, agreed with the
client; within them the merger's frame (unity in the frame, difference in the practice),
and within that a sub-frame on mixed learning groups, each with decisions within it.
After module one the client asks for more unity: the merger's frame is redesigned
(superseded, `REDESIGN_TITLE`, the demo's last event), which puts the decisions within
it, and within its sub-frame, up for review. An outcome was observed before; the
ratified works-council decision is past its review date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from decisionlog.application import DecisionLog
from decisionlog.application import commands as c
from decisionlog.domain.values import DecisionKind, Membership, RightKind, Scale, Side, Verdict

DEMO_RECORDER = "demo"
DEMO_KEY = "demo-trajectory"
LONG_LINES_TITLE = "The programme's long lines"
MERGER_FRAME_TITLE = "Unity in the frame, difference in the practice"
REDESIGN_TITLE = "One way of advising, difference where clients notice it"


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
    marco = run(c.AddMember(trajectory_id=tid, name="Marco Peters", role="line manager",
                            side=Side.CLIENT))

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
        description="The process design of the design process: who decides when about "
                    "what, with whom the programme is designed."))
    run(c.DefineDomain(trajectory_id=tid, name="Budget",
                       description="Spending above the agreed frame."))

    # The phases: who decides when (wie besluit wanneer waarover)
    intake = run(c.DefinePhase(
        trajectory_id=tid, name="Intake",
        description="Getting to know the system: how it really works here, not the formal "
                    "story."))
    designing = run(c.DefinePhase(
        trajectory_id=tid, name="Design",
        description="The design team sets the long lines and frames and designs the "
                    "programme, by doing as much as on paper."))
    line = run(c.DefinePhase(
        trajectory_id=tid, name="Line takes over",
        description="The client's line managers lead the programme; the design team "
                    "steers alongside."))

    run(c.GrantRight(trajectory_id=tid, domain_id=balance, member_id=ines,
                     right=RightKind.DECIDES, effective_from=weeks_ago))
    run(c.GrantRight(trajectory_id=tid, domain_id=balance, role="HR lead",
                     right=RightKind.ADVISES))
    run(c.GrantRight(trajectory_id=tid, domain_id=design, role="programme manager",
                     right=RightKind.DECIDES, phases=(designing,), effective_from=weeks_ago))
    run(c.GrantRight(trajectory_id=tid, domain_id=design, role="line manager",
                     right=RightKind.DECIDES, phases=(line,)))
    run(c.GrantRight(trajectory_id=tid, domain_id=design, member_id=tom,
                     right=RightKind.ADVISES))
    run(c.GrantRight(trajectory_id=tid, domain_id=selection, member_id=henk,
                     right=RightKind.DECIDES))
    run(c.GrantRight(trajectory_id=tid, domain_id=process, member_id=sara,
                     right=RightKind.DECIDES, phases=(intake, designing),
                     effective_from=weeks_ago))
    run(c.GrantRight(trajectory_id=tid, domain_id=process, role="line manager",
                     right=RightKind.DECIDES, phases=(line,)))
    run(c.GrantRight(trajectory_id=tid, domain_id=process, member_id=tom,
                     right=RightKind.ADVISES, phases=(designing,)))
    run(c.GrantRight(trajectory_id=tid, domain_id=process, role="HR lead",
                     right=RightKind.ADVISES))
    run(c.GrantRight(trajectory_id=tid, domain_id=process, role="client sponsor",
                     right=RightKind.INFORMED))

    run(c.StartPhase(trajectory_id=tid, phase_id=intake))
    run(c.RecordDecision(
        trajectory_id=tid, domain_id=process, scale=Scale.SMALL,
        title="Tom does the front end only, for now",
        statement="Tom facilitates the sessions; programme management stays with Sara. "
                  "Revisit after module one.",
        decided_by=(tom,), consulted=(sara, henk)))

    run(c.StartPhase(trajectory_id=tid, phase_id=designing))
    # The long lines and frames, agreed with the client as the design phase starts
    lines = run(c.RecordDecision(
        trajectory_id=tid, domain_id=design, kind=DecisionKind.FRAME, scale=Scale.LARGE,
        title=LONG_LINES_TITLE,
        statement="Three modules over a year, designed with the client's design team and "
                  "redesigned as we go; leadership is learnt in the work itself.",
        rationale="Agreed with the client at the start: freedom within bounds.",
        decided_by=(sara,), consulted=(ines, henk, tom),
        review_by=datetime.now(UTC) + timedelta(weeks=20)))
    merger = run(c.RecordDecision(
        trajectory_id=tid, domain_id=balance, kind=DecisionKind.FRAME, scale=Scale.LARGE,
        title=MERGER_FRAME_TITLE,
        statement="The programme builds one leadership language, and each former "
                  "organisation keeps its own way of advising clients.",
        rationale="Uniformity that is too thick does no justice to the value of the "
                  "differences.",
        options_considered=("Full uniformity", "Keep both cultures apart",
                            "Common frame, local practice"),
        decided_by=(ines,), consulted=(henk, sara), within_frames=(lines,)))
    groups = run(c.RecordDecision(
        trajectory_id=tid, domain_id=selection, kind=DecisionKind.FRAME, scale=Scale.LARGE,
        title="Mixed learning groups across the former organisations",
        statement="Every learning group mixes people from both former organisations.",
        rationale="Under the differences lie similarities worth seeing.",
        decided_by=(henk,), consulted=(ines,), within_frames=(merger,)))
    run(c.RecordDecision(
        trajectory_id=tid, domain_id=balance, title="Each keeps its own way of advising",
        statement="Advisers from each former organisation keep their own method with "
                  "clients; the programme makes the methods visible to each other.",
        rationale="The difference that makes the difference.", decided_by=(ines,),
        consulted=(henk,), within_frames=(merger,)))
    eight = run(c.RecordDecision(
        trajectory_id=tid, domain_id=selection, title="Groups of eight, four from each side",
        statement="Learning groups of eight: four from each former organisation.",
        decided_by=(henk,), within_frames=(groups,)))
    band = run(c.RecordDecision(
        trajectory_id=tid, domain_id=design, title="Start with a Gideon's band",
        statement="A small ad-hoc group builds the first module by doing, not on paper.",
        decided_by=(sara,), consulted=(tom,), scale=Scale.LARGE, within_frames=(lines,)))
    rhythm = run(c.RecordDecision(
        trajectory_id=tid, domain_id=process, title="The design team meets every two weeks",
        statement="The core team meets every two weeks; specialists join when their "
                  "part is on the agenda.",
        decided_by=(sara,), consulted=(ines,)))
    run(c.RecordDecision(
        trajectory_id=tid, domain_id=design, title="Second module from the band's patterns",
        statement="The patterns the Gideon's band made visible shape module two.",
        decided_by=(sara,), consulted=(tom,), supersedes=(band,), within_frames=(lines,)))
    implicit = run(c.SurfaceImplicitDecision(
        trajectory_id=tid, domain_id=selection, title="The works council is no longer invited",
        statement="Since the second session nobody invited the works council.",
        surfaced_by=henk, since=weeks_ago + timedelta(days=20),
        evidence="Invitation lists of sessions two to four."))
    run(c.RatifyDecision(trajectory_id=tid, decision_id=implicit, ratified_by=(henk,),
                         rationale="The works council asked to be informed, not to attend.",
                         review_by=weeks_ago + timedelta(weeks=5)))

    run(c.StartPhase(trajectory_id=tid, phase_id=line))
    run(c.RecordDecision(
        trajectory_id=tid, domain_id=design, title="Module three on leading across sites",
        statement="Module three is about leading teams spread over both former sites.",
        decided_by=(sara,), consulted=(tom, marco)))
    intervision = run(c.RecordDecision(
        trajectory_id=tid, domain_id=process, title="Line managers run the intervision groups",
        statement="From now on the line managers convene the intervision groups; the "
                  "design team joins twice a year.",
        decided_by=(marco,), consulted=(henk,)))
    run(c.MarkInformed(trajectory_id=tid, decision_id=intervision, member_ids=(ines,)))
    run(c.SurfaceImplicitDecision(
        trajectory_id=tid, domain_id=balance,
        title="Organisation B's intake form became the standard",
        statement="Everyone now uses the intake form of former organisation B.",
        surfaced_by=sara, scale=Scale.SMALL))
    run(c.RecordOutcome(
        trajectory_id=tid, decision_id=eight, verdict=Verdict.CONFIRMED,
        outcome="After module one the mixed groups worked: participants asked to keep "
                "them.", observed_by=(henk,)))
    # The redesign: after module one the client asks for more unity.
    run(c.RecordDecision(
        trajectory_id=tid, domain_id=balance, kind=DecisionKind.FRAME, scale=Scale.LARGE,
        title=REDESIGN_TITLE,
        statement="One way of advising clients across the organisation; the former "
                  "organisations keep their own practice only where clients notice it.",
        rationale="After module one the client asks for more unity.", decided_by=(ines,),
        consulted=(henk, sara), supersedes=(merger,), within_frames=(lines,)))
    del rhythm  # skipped Tom and the HR lead, who advise on the process design: see docs
    return tid
