-- 028-queue-stats.sql: no automatic ANALYZE of the queue tables.
--
-- The queues are read whole or by batch (pgload_fold(), report_pairs_fold())
-- with plans that no column statistics change, yet autovacuum analyzed them
-- after most loads: report_pairs_queue, whose rows are arrays, took 0.2 s
-- of CPU each time (compute_array_stats), in the middle of the next load
-- as often as not.  VACUUM still runs (it reclaims the folded rows and
-- keeps reltuples, all the planner uses of them).

ALTER TABLE report_pairs_queue SET (autovacuum_analyze_threshold = 2000000000);
ALTER TABLE pgload_queue_obj SET (autovacuum_analyze_threshold = 2000000000);
ALTER TABLE pgload_queue_client SET (autovacuum_analyze_threshold = 2000000000);
ALTER TABLE pgload_queue_requester SET (autovacuum_analyze_threshold = 2000000000);
ALTER TABLE pgload_queue_day SET (autovacuum_analyze_threshold = 2000000000);
ALTER TABLE pgload_queue_err SET (autovacuum_analyze_threshold = 2000000000);
ALTER TABLE pgload_queue_osize SET (autovacuum_analyze_threshold = 2000000000);
