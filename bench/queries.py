"""The GraphQL documents the benchmarks send."""

from __future__ import annotations

TRIVIAL = "{ __typename }"

HOLDER = "holder { __typename ... on Member { id name } ... on Role { name } }"

WHO_DECIDES_WHAT = f"""
whoDecidesWhat {{
  domain {{ id name }}
  decides {{ id right condition {HOLDER} }}
  advises {{ id right condition {HOLDER} }}
  informed {{ id right condition {HOLDER} }}
}}
"""

READ = f"""
query Read($id: ID!) {{
  trajectory(id: $id) {{
    {WHO_DECIDES_WHAT}
    gaps {{ id name }}
    outOfMandate {{ id title status decidedAt decidedBy {{ id name }} withinMandate }}
    members {{ id name role side }}
  }}
}}
"""

WHO_DECIDES_WHAT_ONLY = f"""
query WhoDecidesWhat($id: ID!) {{ trajectory(id: $id) {{ version {WHO_DECIDES_WHAT} }} }}
"""

RECORD_DECISION = """
mutation Record($input: RecordDecisionInput!) {
  recordDecision(input: $input) {
    __typename
    ... on DecisionPayload { version decision { id status withinMandate } }
  }
}
"""

LIST = """
query List { trajectories(first: 20) { totalCount edges { node { id name version } } } }
"""
