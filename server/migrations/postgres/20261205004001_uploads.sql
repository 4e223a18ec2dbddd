-- Uploaded objects (content-addressed inputs and shared files) as rows, so the retention
-- sweeper can find them by age. `last_used_at` moves on every upload of the same content, every
-- "do you hold it" answer and every job submitted with it; the sweeper deletes an upload whose
-- `last_used_at` is older than the retention unless a job that has not expired names it.
CREATE TABLE uploads (
    object_key    TEXT PRIMARY KEY,
    project_id    UUID NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    sha256        TEXT NOT NULL,
    size          BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX uploads_by_age ON uploads (last_used_at);

-- Expired artifacts are found through their job's finish time.
CREATE INDEX jobs_by_finish ON jobs (finished_at) WHERE finished_at IS NOT NULL;
