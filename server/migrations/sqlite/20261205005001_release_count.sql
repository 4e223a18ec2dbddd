-- How many times stopping runners gave this job back unfinished without it spending a retry.
-- A release is free (it raises `max_retries` by one) only while this is below the server's
-- cap, so a job that keeps landing on stopping nodes cannot go round forever.
ALTER TABLE jobs ADD COLUMN releases INTEGER NOT NULL DEFAULT 0;
