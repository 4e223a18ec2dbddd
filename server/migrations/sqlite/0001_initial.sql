-- rgrid state on SQLite. Ids are UUID text; times are microseconds since the Unix epoch
-- (INTEGER), so comparisons such as "heartbeat before" are exact.

CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    account     TEXT NOT NULL,
    slug        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (account, slug)
);

CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    prefix        TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);

CREATE TABLE nodes (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    slots          INTEGER NOT NULL,
    executor       TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    registered_at  INTEGER NOT NULL,
    last_seen_at   INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'active'
);

-- Job history: one row per job for its whole life. The queue lives in `queue`.
CREATE TABLE jobs (
    id                 TEXT PRIMARY KEY,
    project_id         TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name               TEXT,
    status             TEXT NOT NULL,
    spec_json          TEXT NOT NULL,
    priority           INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    max_retries        INTEGER NOT NULL,
    reason             TEXT,
    exit_code          INTEGER,
    message            TEXT,
    executor           TEXT,
    node_name          TEXT,
    current_execution  TEXT,
    cancel_requested   INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    started_at         INTEGER,
    finished_at        INTEGER
);

CREATE INDEX jobs_by_project ON jobs (project_id, created_at DESC, id DESC);

-- Runnable jobs only; a claim deletes its row. `enqueued` is the FIFO order (AUTOINCREMENT
-- never reuses a number, so a requeued job goes to the back of its priority).
CREATE TABLE queue (
    enqueued    INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      TEXT NOT NULL UNIQUE REFERENCES jobs (id) ON DELETE CASCADE,
    project_id  TEXT NOT NULL,
    priority    INTEGER NOT NULL
);

CREATE INDEX queue_order ON queue (priority DESC, enqueued);

CREATE TABLE executions (
    id            TEXT PRIMARY KEY,
    job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt       INTEGER NOT NULL,
    node_id       TEXT NOT NULL REFERENCES nodes (id),
    status        TEXT NOT NULL,
    reason        TEXT,
    exit_code     INTEGER,
    message       TEXT,
    executor      TEXT,
    started_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL,
    finished_at   INTEGER,
    UNIQUE (job_id, attempt)
);

-- The reaper and the running count look at running executions only.
CREATE INDEX executions_running ON executions (heartbeat_at) WHERE status = 'running';

CREATE TABLE log_chunks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    execution_id  TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    attempt       INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    stream        TEXT NOT NULL,
    data          BLOB NOT NULL,
    at            INTEGER NOT NULL,
    UNIQUE (execution_id, seq)
);

CREATE INDEX log_chunks_by_job ON log_chunks (job_id, id);

CREATE TABLE artifacts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    execution_id  TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    object_key    TEXT NOT NULL,
    UNIQUE (job_id, path)
);
