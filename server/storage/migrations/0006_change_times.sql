-- Version 6: change times in milliseconds. Automerge records whole seconds since the epoch
-- (0: no time), and earlier servers stored that number as if it counted milliseconds, so a
-- change made in 2026 showed as January 1970. A stored value below 946684800000 (the year 2000
-- read as milliseconds) can only be such seconds: it is scaled, unless the result is past what
-- a date holds (9999-12-31T23:59:59Z), which says nothing true and becomes 0. 0 and negative
-- values (no time recorded, or before 1970) become 0, "unknown" (the API shows null). Values
-- from 946684800000 on are already milliseconds and are left as they are.
UPDATE changes
SET change_time_ms = CASE
    WHEN change_time_ms <= 0 THEN 0
    WHEN change_time_ms <= 253402300799 THEN change_time_ms * 1000
    ELSE 0
END
WHERE change_time_ms < 946684800000;
