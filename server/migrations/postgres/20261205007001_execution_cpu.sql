-- CPU time (user + system) an execution's job used, in microseconds, as its runner measured
-- it; NULL while it runs and for runners that do not measure.
ALTER TABLE executions ADD COLUMN cpu_micros BIGINT;
