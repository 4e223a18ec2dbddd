-- rgrid state on Postgres: native uuid and timestamptz.

CREATE TABLE projects (
    id          UUID PRIMARY KEY,
    account     TEXT NOT NULL,
    slug        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (account, slug)
);

CREATE TABLE api_keys (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    UUID NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    prefix        TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);

CREATE TABLE nodes (
    id             UUID PRIMARY KEY,
    name           TEXT NOT NULL,
    slots          INTEGER NOT NULL,
    executor       TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    registered_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    state          TEXT NOT NULL DEFAULT 'active'
);

-- Job history: one row per job for its whole life. The queue lives in `queue`.
CREATE TABLE jobs (
    id                 UUID PRIMARY KEY,
    project_id         UUID NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
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
    current_execution  UUID,
    cancel_requested   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         TIMESTAMPTZ NOT NULL,
    started_at         TIMESTAMPTZ,
    finished_at        TIMESTAMPTZ
);

CREATE INDEX jobs_by_project ON jobs (project_id, created_at DESC, id DESC);

-- Runnable jobs only; a claim deletes its row, so claims never wade through the dead index
-- entries of finished jobs (DESIGN.md, "Queue tables churn"). `enqueued` is the FIFO order.
CREATE TABLE queue (
    job_id      UUID PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    project_id  UUID NOT NULL,
    priority    INTEGER NOT NULL,
    enqueued    BIGINT GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX queue_order ON queue (priority DESC, enqueued);

-- The table stays small but every row dies within seconds: vacuum it after a fixed number of
-- dead rows instead of a fraction of its (tiny) size, and without throttling.
ALTER TABLE queue SET (
    autovacuum_vacuum_scale_factor = 0.0,
    autovacuum_vacuum_threshold = 500,
    autovacuum_vacuum_insert_scale_factor = 0.0,
    autovacuum_vacuum_insert_threshold = 500,
    autovacuum_analyze_scale_factor = 0.0,
    autovacuum_analyze_threshold = 500,
    autovacuum_vacuum_cost_delay = 0
);

CREATE TABLE executions (
    id            UUID PRIMARY KEY,
    job_id        UUID NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt       INTEGER NOT NULL,
    node_id       UUID NOT NULL REFERENCES nodes (id),
    status        TEXT NOT NULL,
    reason        TEXT,
    exit_code     INTEGER,
    message       TEXT,
    executor      TEXT,
    started_at    TIMESTAMPTZ NOT NULL,
    heartbeat_at  TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    UNIQUE (job_id, attempt)
);

-- The reaper and the running count look at running executions only.
CREATE INDEX executions_running ON executions (heartbeat_at) WHERE status = 'running';

-- Heartbeats rewrite running executions every few seconds: same treatment as the queue.
ALTER TABLE executions SET (
    autovacuum_vacuum_scale_factor = 0.05,
    autovacuum_vacuum_cost_delay = 0
);

CREATE TABLE log_chunks (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id        UUID NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    execution_id  UUID NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    attempt       INTEGER NOT NULL,
    seq           BIGINT NOT NULL,
    stream        TEXT NOT NULL,
    data          BYTEA NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    UNIQUE (execution_id, seq)
);

CREATE INDEX log_chunks_by_job ON log_chunks (job_id, id);

CREATE TABLE artifacts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id        UUID NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    execution_id  UUID NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    object_key    TEXT NOT NULL,
    UNIQUE (job_id, path)
);
