-- Batch runs: one job per input file, grouped so they can be followed together and capped
-- in how many run at once. `parallel` NULL means no cap.
CREATE TABLE batches (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parallel    INTEGER,
    created_at  INTEGER NOT NULL
);

ALTER TABLE jobs ADD COLUMN batch_id TEXT REFERENCES batches (id) ON DELETE CASCADE;

-- Copied from the job on every enqueue, so a claim can apply the batch's cap without a join
-- on the job history.
ALTER TABLE queue ADD COLUMN batch_id TEXT;

-- A batch's jobs and its running count (the cap a claim checks).
CREATE INDEX jobs_by_batch ON jobs (batch_id, status) WHERE batch_id IS NOT NULL;
