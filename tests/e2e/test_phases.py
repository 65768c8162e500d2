"""Phases, consultation and informing over HTTP, on SQLite and PostgreSQL: the story of a
design team that moves from intake to design, where an adviser is skipped and a decider
acts outside the phase of their right; what the trajectory, a past version and the
lists across trajectories then say; and bad input refused with nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.client import GraphQLClient, GraphQLErrors
from tests.e2e.helpers import (
    DECISION,
    add_member,
    assert_readable,
    define_domain,
    grant,
    moment,
    ok,
    record,
    start,
    stream,
    unique,
)

PHASE = "... on PhasePayload { version phase { id name current startedAt active } } "
HOLDER = "... on Member { name } ... on Role { name }"


def define_phase(client: GraphQLClient, tid: str, name: str) -> str:
    result = client.mutate("definePhase", {"trajectoryId": tid, "name": name}, PHASE)
    return str(ok(result, "PhasePayload")["phase"]["id"])


def start_phase(client: GraphQLClient, tid: str, phase_id: str, **fields: Any
                ) -> dict[str, Any]:
    return client.mutate("startPhase", {"trajectoryId": tid, "phaseId": phase_id, **fields},
                         PHASE)


def test_a_design_team_through_its_phases(client: GraphQLClient) -> None:
    # A team, a domain, and the phases of its design process
    tid = start(client)
    sara = add_member(client, tid, "Sara Jansen", "programme manager", "PROVIDER")
    tom = add_member(client, tid, "Tom Visser", "learning facilitator", "PROVIDER")
    ines = add_member(client, tid, "Ines de Vries", "client sponsor")
    process = define_domain(client, tid, unique("Process design"))
    intake, design = define_phase(client, tid, "Intake"), define_phase(client, tid, "Design")
    grant(client, tid, process, "DECIDES", member_id=sara, phases=[design])
    grant(client, tid, process, "ADVISES", member_id=tom, phases=[design])
    grant(client, tid, process, "INFORMED", role="client sponsor")

    # Intake: Sara's right does not hold yet; a decision then is out of mandate
    assert ok(start_phase(client, tid, intake), "PhasePayload")["phase"]["current"]
    early = record(client, tid, process, [sara], title="Interviews first")
    ok(start_phase(client, tid, design), "PhasePayload")
    before_skip = client.execute("query($id: ID!) { trajectory(id: $id) { version } }",
                                 {"id": tid})["trajectory"]["version"]
    skipped = record(client, tid, process, [sara], title="Meet every two weeks",
                     consulted=[ines])
    heard = record(client, tid, process, [sara], title="Specialists join on demand",
                   consulted=[tom])
    informed = client.mutate("markInformed", {"trajectoryId": tid, "decisionId": skipped,
                                              "memberIds": [ines]},
                             "... on DecisionPayload { decision { toInform { name } "
                             "informed { member { name } } } }")
    assert ok(informed, "DecisionPayload")["decision"] == {
        "toInform": [], "informed": [{"member": {"name": "Ines de Vries"}}]}

    query = f"""query($id: ID!, $v: Int!, $design: ID!) {{
      now: trajectory(id: $id) {{ ...view }}
      then: trajectory(id: $id, asOf: {{version: $v}}) {{ ...view }}
    }}
    fragment view on Trajectory {{
      currentPhase {{ name }}
      whoDecidesWhat(phase: $design) {{ decides {{ holder {{ {HOLDER} }} }}
                                        advises {{ holder {{ {HOLDER} }} }} }}
      intake: whoDecidesWhat {{ decides {{ id }} }}
      consultationGaps(phase: $design) {{ title notConsulted {{ {HOLDER} }} }}
      outOfMandate {{ title phase {{ name }} outOfMandateReason {{ reason text }} }}
      decisions(first: 10) {{ edges {{ node {{ id phase {{ name }} toInform {{ name }} }} }} }}
    }}"""
    data = client.execute(query, {"id": tid, "v": before_skip, "design": design})
    now, then = data["now"], data["then"]
    assert now["currentPhase"] == then["currentPhase"] == {"name": "Design"}
    assert now["whoDecidesWhat"] == [{"decides": [{"holder": {"name": "Sara Jansen"}}],
                                      "advises": [{"holder": {"name": "Tom Visser"}}]}]
    assert now["consultationGaps"] == [{"title": "Meet every two weeks",
                                        "notConsulted": [{"name": "Tom Visser"}]}]
    assert then["consultationGaps"] == []
    reason = now["outOfMandate"][0]["outOfMandateReason"]
    assert now["outOfMandate"][0]["phase"] == {"name": "Intake"}
    assert reason["reason"] == "RIGHT_ONLY_IN_OTHER_PHASES"
    assert "only in Design" in reason["text"] and "Intake" in reason["text"]
    phases = {e["node"]["id"]: e["node"] for e in now["decisions"]["edges"]}
    assert phases[early]["phase"] == {"name": "Intake"}
    assert phases[heard]["toInform"] == [{"name": "Ines de Vries"}]

    # Across trajectories: the read models say the same
    lists = client.execute(
        "query { decisions(phase: \"design\", notConsulted: true, first: 100) {"
        " edges { node { id phase { name } notConsultedCount trajectoryId } } } "
        "mandates(memberName: \"Sara Jansen\") { trajectory { id } phases { name } } }")
    mine = [e["node"] for e in lists["decisions"]["edges"] if e["node"]["trajectoryId"] == tid]
    assert mine == [{"id": skipped, "phase": {"name": "Design"}, "notConsultedCount": 1,
                     "trajectoryId": tid}]
    assert [m["phases"] for m in lists["mandates"] if m["trajectory"]["id"] == tid] == [
        [{"name": "Design"}]]


def test_bad_input_is_a_typed_error_and_writes_nothing(client: GraphQLClient) -> None:
    tid = start(client)
    ada = add_member(client, tid, "Ada", "client")
    domain = define_domain(client, tid, unique("Budget"))
    intake, design = define_phase(client, tid, "Intake"), define_phase(client, tid, "Design")
    ok(start_phase(client, tid, intake), "PhasePayload")
    decision = record(client, tid, domain, [ada])
    ok(client.mutate("retirePhase", {"trajectoryId": tid, "phaseId": design}, PHASE),
       "PhasePayload")
    before = stream(client, tid)
    refusals = [
        (start_phase(client, tid, design), "PHASE_RETIRED"),
        (start_phase(client, tid, intake), "PHASE_ALREADY_CURRENT"),
        (start_phase(client, tid, intake, startedAt=moment(-3)), "BEFORE_TRAJECTORY_START"),
        (client.mutate("retirePhase", {"trajectoryId": tid, "phaseId": intake}, PHASE),
         "PHASE_IS_CURRENT"),
        (client.mutate("grantRight", {"trajectoryId": tid, "domainId": domain,
                                      "memberId": ada, "right": "DECIDES",
                                      "phases": [design]}, "__typename"), "PHASE_RETIRED"),
        (client.mutate("markInformed", {"trajectoryId": tid, "decisionId": decision,
                                        "memberIds": [ada]}, DECISION), "NO_INFORMED_RIGHT"),
    ]
    for result, code in refusals:
        assert (result["__typename"], result.get("code")) == ("RuleViolation", code), result
    unknown = client.mutate("grantRight", {"trajectoryId": tid, "domainId": domain,
                                           "memberId": ada, "right": "DECIDES",
                                           "phases": ["no-such-phase"]}, "__typename")
    assert (unknown["__typename"], unknown["kind"]) == ("NotFound", "phase")
    future = start_phase(client, tid, intake, startedAt=moment(1))
    assert (future["__typename"], future["field"]) == ("ValidationError", "startedAt")
    assert stream(client, tid) == before
    with pytest.raises(GraphQLErrors) as errors:
        client.execute("query($id: ID!) { trajectory(id: $id) { gaps(phase: \"nope\") { id } } }",
                       {"id": tid})
    assert_readable(errors.value.args[0], "no phase")
