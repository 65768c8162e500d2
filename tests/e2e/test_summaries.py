"""Event summaries in words over the API: a trajectory's history (now and as of a version)
and the global audit log say the same thing, with names instead of ids."""

from __future__ import annotations

from tests.e2e.client import GraphQLClient
from tests.e2e.scenes import payload_of

HISTORY = """query ($id: ID!, $asOf: AsOf) { trajectory(id: $id, asOf: $asOf) {
  history(first: 100) { edges { node { summary } } } } }"""
AUDIT_LOG = """query ($id: ID!) { auditLog(trajectoryId: $id, first: 100) {
  edges { node { event { summary } } } } }"""


def test_history_and_audit_log_name_members_with_their_role_then(
        client: GraphQLClient) -> None:
    tid = payload_of(client, "startTrajectory", {"name": "Words"}, "trajectory")
    anna = payload_of(client, "addMember", {"trajectoryId": tid, "name": "Anna",
                                            "role": "HR lead", "side": "CLIENT"}, "member")
    budget = payload_of(client, "defineDomain", {"trajectoryId": tid, "name": "Budget"},
                        "domain")
    payload_of(client, "grantRight", {"trajectoryId": tid, "domainId": budget,
                                      "memberId": anna, "right": "DECIDES"}, "right")
    client.mutate("changeMember", {"trajectoryId": tid, "memberId": anna,
                                   "role": "programme manager"})

    def history(as_of: dict[str, int] | None = None) -> list[str]:
        data = client.execute(HISTORY, {"id": tid, "asOf": as_of})["trajectory"]["history"]
        return [edge["node"]["summary"] for edge in data["edges"]]

    expected = [
        "Trajectory “Words” started",
        "Anna joined as HR lead (client side, core team)",
        "Decision domain “Budget” defined",
        "Anna (HR lead) DECIDES on Budget",
        "Anna (HR lead) changed: role HR lead → programme manager",
    ]
    assert history() == expected
    assert history({"version": 4}) == expected[:4]
    log = client.execute(AUDIT_LOG, {"id": tid})["auditLog"]["edges"]
    assert [edge["node"]["event"]["summary"] for edge in log] == expected
