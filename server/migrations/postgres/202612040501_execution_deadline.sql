-- The server's backstop for the job timeout: when an execution started plus its job's
-- `timeoutSeconds`. The reaper abandons an execution still running a grace period past it
-- (its runner should have killed it at the deadline). NULL for executions claimed before.
ALTER TABLE executions ADD COLUMN deadline_at TIMESTAMPTZ;
