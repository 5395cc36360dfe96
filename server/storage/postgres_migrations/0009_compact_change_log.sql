-- SQLite's migration 9 makes its change log compact (documents and change origins interned,
-- change bytes in their own table: decision 38). PostgreSQL stores the log as it was (its
-- TOAST compresses large values, and VACUUM reuses the space of compacted bytes), so
-- nothing changes here; the file keeps both databases' migrations numbered alike.
SELECT 1;
