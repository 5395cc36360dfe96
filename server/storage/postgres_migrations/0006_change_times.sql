-- Version 6 (PostgreSQL): change times in milliseconds. Kept in step with
-- migrations/0006_change_times.sql (which says why); a no-op on a database that only ever
-- had servers storing milliseconds, as every PostgreSQL one has.
UPDATE changes
SET change_time_ms = CASE
    WHEN change_time_ms <= 0 THEN 0
    WHEN change_time_ms <= 253402300799 THEN change_time_ms * 1000
    ELSE 0
END
WHERE change_time_ms < 946684800000;
