"""Small steps shared by the end-to-end tests: record things, read a stream, check errors.

Every helper takes the `client` the test got from its fixture; none makes its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from tests.e2e.client import GraphQLClient

VERSION = "... on TrajectoryPayload { version } "
MEMBER = "... on MemberPayload { version member { id } } "
DOMAIN = "... on DomainPayload { version domain { id } } "
RIGHT = "... on RightPayload { version right { id } } "
DECISION = "... on DecisionPayload { version decision { id status } } "

EVENT_FIELDS = "version type recordedAt recordedBy summary data"

# The whole trajectory as a client sees it: the view time travel and restarts must keep.
STATE = """
  id name client status version
  current: members { id }
  members(includeFormer: true) { id name role side membership active }
  domains { id name description active }
  rights: decisionRights { id }
  decisionRights(includeRevoked: true) {
    id right condition inForce domain { id }
    holder { __typename ... on Member { id } ... on Role { name } }
  }
  whoDecidesWhat { domain { id } decides { id } advises { id } informed { id } }
  gaps { id }
  outOfMandate { id }
  decisions(first: 100) {
    totalCount
    edges { node {
      id title status origin kind scale statement rationale decidedAt withinMandate
      decidedBy { id } supersedes { id } supersededBy { id }
    } }
  }
"""


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix} {uuid4().hex[:8]}"


def moment(days: float = 0) -> str:
    """Now plus `days` (negative: in the past), as ISO 8601 with a UTC offset."""
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def ok(result: dict[str, Any], typename: str) -> dict[str, Any]:
    """`result`, after checking it is the success payload `typename`."""
    assert result["__typename"] == typename, result
    return result


def start(client: GraphQLClient, name: str | None = None, /, **fields: Any) -> str:
    """Start a trajectory with a unique name; returns its id."""
    result = client.mutate("startTrajectory", {"name": name or unique("Trajectory"), **fields},
                           "... on TrajectoryPayload { version trajectory { id } }")
    assert ok(result, "TrajectoryPayload")["version"] == 1
    return str(result["trajectory"]["id"])


def add_member(client: GraphQLClient, tid: str, name: str, role: str, side: str = "CLIENT",
               membership: str = "CORE") -> str:
    result = client.mutate("addMember", {"trajectoryId": tid, "name": name, "role": role,
                                         "side": side, "membership": membership}, MEMBER)
    return str(ok(result, "MemberPayload")["member"]["id"])


def define_domain(client: GraphQLClient, tid: str, name: str) -> str:
    result = client.mutate("defineDomain", {"trajectoryId": tid, "name": name}, DOMAIN)
    return str(ok(result, "DomainPayload")["domain"]["id"])


def grant(client: GraphQLClient, tid: str, domain_id: str, right: str, *,
          member_id: str | None = None, role: str | None = None, **fields: Any) -> str:
    holder = {"memberId": member_id} if member_id else {"role": role}
    result = client.mutate("grantRight", {"trajectoryId": tid, "domainId": domain_id,
                                          "right": right, **holder, **fields}, RIGHT)
    return str(ok(result, "RightPayload")["right"]["id"])


def record(client: GraphQLClient, tid: str, domain_id: str, decided_by: list[str],
           title: str = "A decision", **fields: Any) -> str:
    result = client.mutate("recordDecision", {
        "trajectoryId": tid, "domainId": domain_id, "title": title,
        "statement": fields.pop("statement", f"We decided: {title}."),
        "decidedBy": decided_by, **fields}, DECISION)
    return str(ok(result, "DecisionPayload")["decision"]["id"])


def surface(client: GraphQLClient, tid: str, domain_id: str, surfaced_by: str,
            title: str = "An implicit decision", **fields: Any) -> str:
    result = client.mutate("surfaceImplicitDecision", {
        "trajectoryId": tid, "domainId": domain_id, "title": title,
        "statement": f"It turned out that {title}.", "surfacedBy": surfaced_by, **fields},
        DECISION)
    return str(ok(result, "DecisionPayload")["decision"]["id"])


def state(client: GraphQLClient, tid: str, as_of: dict[str, Any] | None = None
          ) -> dict[str, Any] | None:
    """The trajectory (now, or as of a version or moment) with every field of `STATE`."""
    data = client.execute(
        f"query($id: ID!, $asOf: AsOf) {{ trajectory(id: $id, asOf: $asOf) {{ {STATE} }} }}",
        {"id": tid, "asOf": as_of})
    result: dict[str, Any] | None = data["trajectory"]
    return result


def history(client: GraphQLClient, tid: str, as_of: dict[str, Any] | None = None
            ) -> list[dict[str, Any]]:
    """Every stored event of the trajectory, oldest first, read page by page."""
    events: list[dict[str, Any]] = []
    after = None
    while True:
        page = client.execute(
            "query($id: ID!, $asOf: AsOf, $after: String) { trajectory(id: $id, asOf: $asOf) {"
            f" history(first: 100, after: $after) {{ edges {{ node {{ {EVENT_FIELDS} }} }}"
            " pageInfo { hasNextPage endCursor } } } }",
            {"id": tid, "asOf": as_of, "after": after})["trajectory"]["history"]
        events += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return events
        after = page["pageInfo"]["endCursor"]


def stream(client: GraphQLClient, tid: str) -> tuple[int, list[dict[str, Any]]]:
    """The trajectory's version and its whole history: what "nothing written" compares."""
    data = client.execute("query($id: ID!) { trajectory(id: $id) { version } }", {"id": tid})
    return data["trajectory"]["version"], history(client, tid)


def assert_readable(errors: list[dict[str, Any]], *fragments: str) -> None:
    """GraphQL errors with readable messages containing `fragments`, and no stack trace."""
    assert errors, "expected GraphQL errors"
    text = " ".join(error["message"] for error in errors).casefold()
    for fragment in fragments:
        assert fragment.casefold() in text, errors
    for error in errors:
        assert error["message"].strip(), error
        assert "Traceback" not in error["message"] and 'File "' not in error["message"], error
        extensions = error.get("extensions") or {}
        assert not {"exception", "stacktrace", "traceback"} & set(extensions), error
