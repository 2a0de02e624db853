-- Snapshots, runs with their row reports, and the Amplitude download ledger.
-- Timestamps are RFC 3339 text in UTC. Types stay close to what PostgreSQL also accepts.

-- Last confirmed state of each member per destination and cohort, keyed by normalized email.
CREATE TABLE snapshot_rows (
    destination   TEXT    NOT NULL,
    cohort_id     TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    user_id       TEXT,
    contact_id    TEXT,
    state         TEXT    NOT NULL CHECK (state IN ('active', 'inactive', 'removed')),
    field_name    TEXT    NOT NULL,
    added_to_list BOOLEAN NOT NULL,
    updated_at    TEXT    NOT NULL,
    PRIMARY KEY (destination, cohort_id, email)
);

-- One row per execution of a sync.
CREATE TABLE runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    destination     TEXT    NOT NULL,
    cohort_id       TEXT    NOT NULL,
    cohort_name     TEXT    NOT NULL,
    field_name      TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    dry_run         BOOLEAN NOT NULL,
    status          TEXT    NOT NULL
        CHECK (status IN ('running', 'succeeded', 'partially_failed', 'failed', 'interrupted')),
    started_at      TEXT    NOT NULL,
    finished_at     TEXT,
    member_count    INTEGER,
    entered_count   INTEGER,
    left_count      INTEGER,
    unchanged_count INTEGER,
    skipped_count   INTEGER,
    failed_count    INTEGER,
    request_count   INTEGER,
    message         TEXT
);

CREATE INDEX runs_by_sync ON runs (destination, cohort_id, status);

-- What happened to each row of a run, in the order the engine reported it.
CREATE TABLE run_rows (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    email      TEXT,
    user_id    TEXT,
    operation  TEXT    NOT NULL
        CHECK (operation IN ('create', 'update', 'set_inactive', 'remove_from_list', 'skip', 'none')),
    outcome    TEXT    NOT NULL CHECK (outcome IN ('applied', 'skipped', 'failed', 'planned')),
    reason     TEXT,
    contact_id TEXT
);

CREATE INDEX run_rows_by_run ON run_rows (run_id, id);

-- Amplitude cohort downloads counted per project and calendar month ("2026-12").
CREATE TABLE download_ledger (
    project_key TEXT    NOT NULL,
    month       TEXT    NOT NULL,
    downloads   INTEGER NOT NULL,
    PRIMARY KEY (project_key, month)
);
