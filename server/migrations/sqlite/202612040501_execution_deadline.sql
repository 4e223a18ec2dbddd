-- The server's backstop for the job timeout: when an execution started plus its job's
-- `timeoutSeconds` (microseconds since the epoch, like every time here). The reaper abandons
-- an execution still running a grace period past it. NULL for executions claimed before.
ALTER TABLE executions ADD COLUMN deadline_at INTEGER;
