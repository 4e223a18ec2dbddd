-- Node lifecycle for the orchestrator (issue 7): a node row exists from the moment its server
-- is ordered (`provisioning`, with a placeholder token hash until the runner registers), and
-- stays as history after it is terminated or declared dead, for `rgrid nodes` and cost.
-- Times are microseconds since the epoch, as in 0001.

ALTER TABLE nodes ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
UPDATE nodes SET created_at = registered_at;
ALTER TABLE nodes ADD COLUMN provider_id TEXT;
ALTER TABLE nodes ADD COLUMN node_type TEXT;
ALTER TABLE nodes ADD COLUMN hourly_price REAL;
-- When it was terminated or declared dead.
ALTER TABLE nodes ADD COLUMN ended_at INTEGER;
-- When the provider confirmed the server is gone; NULL while a delete is still owed.
ALTER TABLE nodes ADD COLUMN deleted_at INTEGER;

CREATE INDEX nodes_live ON nodes (state) WHERE deleted_at IS NULL;
CREATE INDEX executions_by_node ON executions (node_id) WHERE status = 'running';
