"""The view tables (`dl_*`), for SQLite and PostgreSQL, and their tracking row.

`dl_projection` holds one row per view set: the notification id of the last event the
views include (`position`), whether a rebuild is under way, and the schema version the
views were built with. A changed `SCHEMA_VERSION` empties the views, and the catch-up
at start-up fills them again from the event log.

Decisions and trajectories are keyed by `position`, the notification id of the event
that made them; it never changes, so it is their keyset cursor too. A decision's
`sort_at` is its decidedAt (when recorded, if it has none); `sort_ceiling` is the
largest `sort_at` of it and every decision before it, which bounds how far a newest-first
text search must read the full-text matches. `dl_reviews` holds the open reasons for
review, one row each (keyed by the event that opened it and its place in that event),
deleted when it closes: the review queue is the decisions in force with a row there.
"""

from __future__ import annotations

from decisionlog.readmodels.dialect import Dialect, Executor

# 3: name keys (`name_key`, `client_key`, `domain_key`) are confusable skeletons (UTS #39)
# 4: phases, rights for some phases, role histories; each decision's phase and how many
#    who had to be heard were not (`judged_at`, `phase_id`, `phase_key`, `not_consulted`)
# 5: decisions' `review_by`; `dl_reviews`, the open reasons for review (frames, reviews)
SCHEMA_VERSION = 5
VIEW_SET = "views"

PROJECTION_TABLE = """
CREATE TABLE IF NOT EXISTS dl_projection (
    name TEXT PRIMARY KEY,
    position {big} NOT NULL,
    rebuilding INTEGER NOT NULL,
    schema_version INTEGER NOT NULL
)"""

VIEW_TABLES = {
    "dl_trajectories": """
CREATE TABLE dl_trajectories (
    position {big} PRIMARY KEY,
    trajectory_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    client TEXT,
    client_key TEXT,
    description TEXT,
    status TEXT NOT NULL,
    version {big} NOT NULL,
    started_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    closed_at {ts},
    closed_reason TEXT,
    search_text TEXT NOT NULL{trajectory_search}
)""",
    "dl_members": """
CREATE TABLE dl_members (
    trajectory_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    position {big} NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    role TEXT NOT NULL,
    side TEXT NOT NULL,
    membership TEXT NOT NULL,
    joined_at {ts} NOT NULL,
    left_at {ts},
    PRIMARY KEY (trajectory_id, member_id)
)""",
    "dl_domains": """
CREATE TABLE dl_domains (
    trajectory_id TEXT NOT NULL,
    domain_id TEXT NOT NULL,
    position {big} NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT,
    defined_at {ts} NOT NULL,
    retired_at {ts},
    PRIMARY KEY (trajectory_id, domain_id)
)""",
    "dl_rights": """
CREATE TABLE dl_rights (
    trajectory_id TEXT NOT NULL,
    right_id TEXT NOT NULL,
    position {big} NOT NULL,
    domain_id TEXT NOT NULL,
    member_id TEXT,
    role TEXT,
    kind TEXT NOT NULL,
    condition TEXT,
    granted_at {ts} NOT NULL,
    effective_from {ts} NOT NULL,
    ended_at {ts},
    ended_reason TEXT,
    PRIMARY KEY (trajectory_id, right_id)
)""",
    "dl_decisions": """
CREATE TABLE dl_decisions (
    position {big} PRIMARY KEY,
    trajectory_id TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    domain_id TEXT NOT NULL,
    domain_key TEXT NOT NULL,
    title TEXT NOT NULL,
    statement TEXT NOT NULL,
    rationale TEXT,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    status TEXT NOT NULL,
    scale TEXT NOT NULL,
    decided_at {ts},
    recorded_at {ts} NOT NULL,
    sort_at {ts} NOT NULL,
    sort_ceiling {ts} NOT NULL,
    surfaced_by TEXT,
    evidence TEXT,
    ratified_at {ts},
    closed_at {ts},
    closed_reason TEXT,
    review_by {ts},
    base_text TEXT NOT NULL,
    rationale_text TEXT NOT NULL{decision_search},
    judged_at {ts},
    phase_id TEXT,
    phase_key TEXT,
    not_consulted INTEGER NOT NULL DEFAULT 0,
    UNIQUE (trajectory_id, decision_id)
)""",
    "dl_phases": """
CREATE TABLE dl_phases (
    trajectory_id TEXT NOT NULL,
    phase_id TEXT NOT NULL,
    position {big} NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT,
    ordinal INTEGER NOT NULL,
    defined_at {ts} NOT NULL,
    retired_at {ts},
    PRIMARY KEY (trajectory_id, phase_id)
)""",
    "dl_phase_starts": """
CREATE TABLE dl_phase_starts (
    position {big} PRIMARY KEY,
    trajectory_id TEXT NOT NULL,
    phase_id TEXT NOT NULL,
    started_at {ts} NOT NULL
)""",
    "dl_right_phases": """
CREATE TABLE dl_right_phases (
    trajectory_id TEXT NOT NULL,
    right_id TEXT NOT NULL,
    phase_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (trajectory_id, right_id, phase_id)
)""",
    "dl_member_roles": """
CREATE TABLE dl_member_roles (
    position {big} PRIMARY KEY,
    trajectory_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    since {ts} NOT NULL,
    role TEXT NOT NULL
)""",
    "dl_decision_members": """
CREATE TABLE dl_decision_members (
    position {big} NOT NULL,
    relation TEXT NOT NULL,
    member_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    name_key TEXT NOT NULL,
    PRIMARY KEY (position, relation, member_id)
)""",
    "dl_supersessions": """
CREATE TABLE dl_supersessions (
    trajectory_id TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    superseded_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (trajectory_id, decision_id, superseded_id)
)""",
    "dl_reviews": """
CREATE TABLE dl_reviews (
    position {big} NOT NULL,
    ordinal INTEGER NOT NULL,
    trajectory_id TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    version {big} NOT NULL,
    kind TEXT NOT NULL,
    frame_id TEXT,
    through_id TEXT,
    cause_id TEXT,
    opened_at {ts} NOT NULL,
    PRIMARY KEY (position, ordinal)
)""",
}

INDEXES = [
    "CREATE INDEX ix_trajectories_status ON dl_trajectories (status, position)",
    "CREATE INDEX ix_trajectories_client ON dl_trajectories (client_key, position)",
    "CREATE INDEX ix_members_name ON dl_members (name_key)",
    "CREATE INDEX ix_rights_member ON dl_rights (trajectory_id, member_id)",
    "CREATE INDEX ix_rights_role ON dl_rights (trajectory_id, role)",
    "CREATE INDEX ix_decisions_sort ON dl_decisions (sort_at, position)",
    "CREATE INDEX ix_decisions_status ON dl_decisions (status, sort_at, position)",
    "CREATE INDEX ix_decisions_domain ON dl_decisions (domain_key, sort_at, position)",
    "CREATE INDEX ix_decisions_open ON dl_decisions (status, position)",
    "CREATE INDEX ix_decision_members_name ON dl_decision_members (name_key, relation)",
    "CREATE INDEX ix_supersessions_superseded ON dl_supersessions "
    "(trajectory_id, superseded_id)",
    "CREATE INDEX ix_decisions_judged ON dl_decisions (trajectory_id, judged_at)",
    "CREATE INDEX ix_decisions_phase ON dl_decisions (phase_key, sort_at, position)",
    "CREATE INDEX ix_decisions_not_consulted ON dl_decisions (not_consulted, sort_at, position)",
    "CREATE INDEX ix_phase_starts ON dl_phase_starts (trajectory_id, started_at)",
    "CREATE INDEX ix_member_roles ON dl_member_roles (trajectory_id, member_id)",
    "CREATE INDEX ix_rights_domain ON dl_rights (trajectory_id, domain_id, kind)",
    "CREATE INDEX ix_decisions_review_by ON dl_decisions (status, review_by, position)",
    "CREATE INDEX ix_reviews_decision ON dl_reviews (trajectory_id, decision_id)",
]

# SQLite: full-text tables over the pre-tokenised columns, kept in step by triggers.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE dl_trajectories_fts USING fts5(search_text, "
    "content='dl_trajectories', content_rowid='position', "
    "tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
    "CREATE TRIGGER dl_trajectories_ai AFTER INSERT ON dl_trajectories BEGIN "
    "INSERT INTO dl_trajectories_fts (rowid, search_text) "
    "VALUES (new.position, new.search_text); END",
    "CREATE VIRTUAL TABLE dl_decisions_fts USING fts5(base_text, rationale_text, "
    "content='dl_decisions', content_rowid='position', "
    "tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
    "CREATE TRIGGER dl_decisions_ai AFTER INSERT ON dl_decisions BEGIN "
    "INSERT INTO dl_decisions_fts (rowid, base_text, rationale_text) "
    "VALUES (new.position, new.base_text, new.rationale_text); END",
    "CREATE TRIGGER dl_decisions_au AFTER UPDATE OF rationale_text ON dl_decisions BEGIN "
    "INSERT INTO dl_decisions_fts (dl_decisions_fts, rowid, base_text, rationale_text) "
    "VALUES ('delete', old.position, old.base_text, old.rationale_text); "
    "INSERT INTO dl_decisions_fts (rowid, base_text, rationale_text) "
    "VALUES (new.position, new.base_text, new.rationale_text); END",
]

# PostgreSQL: a generated tsvector of the same words, with a GIN index.
_PG_WORDS = "array_to_tsvector(string_to_array(btrim({0}), ' '))"
PG_TRAJECTORY_SEARCH = (
    ",\n    search tsvector GENERATED ALWAYS AS ("
    + _PG_WORDS.format("search_text") + ") STORED"
)
PG_DECISION_SEARCH = (
    ",\n    search tsvector GENERATED ALWAYS AS ("
    + _PG_WORDS.format("base_text || ' ' || rationale_text") + ") STORED"
)
PG_SEARCH = [
    "CREATE INDEX ix_trajectories_search ON dl_trajectories USING gin (search)",
    "CREATE INDEX ix_decisions_search ON dl_decisions USING gin (search)",
]


def view_statements(dialect: Dialect) -> list[str]:
    """The statements that create the view tables, their indexes and search."""
    postgres = dialect.name == "postgres"
    fill = {
        "big": dialect.bigint_type,
        "ts": dialect.timestamp_type,
        "trajectory_search": PG_TRAJECTORY_SEARCH if postgres else "",
        "decision_search": PG_DECISION_SEARCH if postgres else "",
    }
    statements = [table.format(**fill) for table in VIEW_TABLES.values()]
    statements += INDEXES
    statements += PG_SEARCH if postgres else SQLITE_SEARCH
    return statements


def drop_statements(dialect: Dialect) -> list[str]:
    """The statements that drop every view table (not the tracking row)."""
    tables = list(VIEW_TABLES)
    if dialect.name != "postgres":
        tables = ["dl_trajectories_fts", "dl_decisions_fts", *tables]
    return [f"DROP TABLE IF EXISTS {table}" for table in tables]


def ensure_schema(ex: Executor) -> None:
    """Create the views if missing; empty them if built with another schema version.

    Run inside a transaction that holds the view set's write lock.
    """
    ex.execute(PROJECTION_TABLE.format(big=ex.dialect.bigint_type))
    row = ex.fetchone(
        "SELECT schema_version FROM dl_projection WHERE name = ?", (VIEW_SET,))
    if row is not None and row[0] == SCHEMA_VERSION:
        return
    reset_views(ex)


def reset_views(ex: Executor, *, rebuilding: bool = False) -> None:
    """Drop and recreate every view table, empty, at position 0."""
    for statement in drop_statements(ex.dialect) + view_statements(ex.dialect):
        ex.execute(statement)
    # Updated in place, not deleted and inserted again: a writer waiting on the row's
    # lock (PostgreSQL) must find it, not a deleted row, when this commits.
    if ex.fetchone("SELECT 1 FROM dl_projection WHERE name = ?", (VIEW_SET,)) is None:
        ex.execute(
            "INSERT INTO dl_projection (name, position, rebuilding, schema_version) "
            "VALUES (?, 0, ?, ?)", (VIEW_SET, int(rebuilding), SCHEMA_VERSION))
    else:
        ex.execute(
            "UPDATE dl_projection SET position = 0, rebuilding = ?, schema_version = ? "
            "WHERE name = ?", (int(rebuilding), SCHEMA_VERSION, VIEW_SET))
