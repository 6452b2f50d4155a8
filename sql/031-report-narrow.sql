-- 031-report-narrow.sql: report(1) reads the per-day counts of files and
-- downloaders through covering indexes.
--
-- The site's charts and period tables need daily_object and daily_client's
-- counts, one row per day and file or downloader: a number of rows that
-- grows with days and files, not with log lines.  But the rows also hold a
-- HyperLogLog set, which grows with the day's distinct downloaders (a few
-- bytes at first, 1.3 kB once dense): reading the counts from the heap
-- read the sets too, and the whole site took 1.9 times as long at 10M
-- rows as at 1M (bench/report.sh) for the same number of rows read.  An
-- index with the counts alone answers those queries by index-only scans,
-- at a cost that no longer depends on how full the sets are.
--
-- daily_object_sums replaces daily_object_object (same key, now with the
-- counts); daily_client gets its first index by client.  Most of a fold's
-- rows are inserts of new days (027-fold-new-days.sql), each one index
-- entry more.

CREATE INDEX IF NOT EXISTS daily_object_sums ON daily_object (object_id, day)
    INCLUDE (downloads, requests, full_downloads, partial_downloads, errors);
DROP INDEX IF EXISTS daily_object_object;
CREATE INDEX IF NOT EXISTS daily_client_sums ON daily_client (client_id, day)
    INCLUDE (downloads, bytes_sent);
