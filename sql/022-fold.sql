-- 022-fold.sql: rollups folded from a queue, by a second connection.
--
-- Until now a pgload batch upserted every rollup in its own transaction,
-- one backend doing everything in turn, and two rollups cost more than
-- the batch's COPY into logs:
--
--   daily_object_client had about one row per download (0.7 per log line
--   in bench/genlogs.py's default input, 0.9 in a real log of ranged
--   reads): a second logs table, not a rollup, and nothing read it but
--   the triggers of 021-report-pairs.sql;
--   those triggers kept report_pairs (three indexes that change with
--   every count) up to date row by row, about 2 s per 100,000 lines.
--
-- Now a batch's transaction COPYs its logs rows and, beside them, the
-- batch's sums (pgload adds them up per key as it reads) into the queue
-- tables below: plain heaps, no index, logged, so that they commit or
-- vanish together with the rows they count.  pgload_fold() moves
-- whatever the queue holds into the rollups, in one statement, and pgload
-- runs it on a second connection while the next batch is copied: two
-- server processes instead of one.  pgload returns only when its last
-- batch is folded, so a pgload that exits 0 leaves exact rollups; after a
-- crash, the queue keeps the sums of every committed batch, and the next
-- pgload (or report(1)) folds them.  Nothing is lost or counted twice:
-- a sum is deleted from the queue in the transaction that adds it.
--
-- report_pairs, which only report(1) reads, is folded by report(1) from
-- its own queue (report_pairs_fold()), once per run, not once per batch.

DROP TABLE IF EXISTS daily_object_client CASCADE;	-- and its triggers
DROP FUNCTION IF EXISTS report_pairs_ins();
DROP FUNCTION IF EXISTS report_pairs_upd();
DROP FUNCTION IF EXISTS report_pairs_del();
DROP FUNCTION IF EXISTS pgload_rollup();

-- One row per key and batch, with the batch's HyperLogLog sketches built
-- by pgload (lib/hll.c, the bytes hll_add_agg() would make); batch is the
-- loading transaction (the default: the loader does not send it), so that
-- pgload_fold() can add one batch at a time without adding up first.  NULL
-- object or client as in logs, requester 0 for anonymous.
CREATE TABLE IF NOT EXISTS pgload_queue_obj (
	day date, object_id int, requests bigint, downloads bigint,
	full_downloads bigint, partial_downloads bigint, bytes_sent bigint,
	errors bigint, downloaders hll,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE TABLE IF NOT EXISTS pgload_queue_client (
	day date, client_id int, downloads bigint, bytes_sent bigint,
	objects hll,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE TABLE IF NOT EXISTS pgload_queue_requester (
	day date, requester_id int, downloads bigint, bytes_sent bigint,
	clients hll, objects hll,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE TABLE IF NOT EXISTS pgload_queue_day (
	day date, requests bigint, downloads bigint, full_downloads bigint,
	partial_downloads bigint, bytes_sent bigint, errors bigint,
	downloaders hll, objects hll, requesters hll, object_downloaders hll,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE TABLE IF NOT EXISTS pgload_queue_err (
	day date, operation text, http_status smallint, error_code text,
	requests bigint,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE TABLE IF NOT EXISTS pgload_queue_osize (
	object_id int, size bigint,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
);
-- The downloads of (object, client, requester) not yet in report_pairs:
-- per object and batch, four arrays in step (one row per object rather
-- than per pair: a tenth of the rows, stored that much faster).
CREATE TABLE IF NOT EXISTS report_pairs_queue (
	object_id int NOT NULL, client_ids int[] NOT NULL,
	requester_ids int[] NOT NULL, downloads bigint[] NOT NULL,
	bytes_sent bigint[] NOT NULL
);

-- pgload_fold(): move the queue into the rollups; returns the number of
-- queue rows folded.  Folders take turns (an advisory lock).  Batches are
-- folded one at a time, in the order they committed, each by one
-- statement: its keys are unique within it (pgload adds up per key), so
-- the upserts need no grouping and no sort, and a batch is folded whole
-- or not at all.  Only daily_error is grouped again: two COPY spellings of
-- one text are two keys to pgload.
CREATE OR REPLACE FUNCTION pgload_fold() RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
	b xid8;
	n bigint := 0;
	m bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(1395803215, 3);
	FOR b IN SELECT batch FROM pgload_queue_day
	    UNION SELECT batch FROM pgload_queue_obj
	    UNION SELECT batch FROM pgload_queue_client
	    UNION SELECT batch FROM pgload_queue_requester
	    UNION SELECT batch FROM pgload_queue_err
	    UNION SELECT batch FROM pgload_queue_osize
	    ORDER BY 1
	LOOP
		WITH ob AS (DELETE FROM pgload_queue_obj WHERE batch = b
		    RETURNING *),
		cl AS (DELETE FROM pgload_queue_client WHERE batch = b
		    RETURNING *),
		rq AS (DELETE FROM pgload_queue_requester WHERE batch = b
		    RETURNING *),
		dy AS (DELETE FROM pgload_queue_day WHERE batch = b
		    RETURNING *),
		er AS (DELETE FROM pgload_queue_err WHERE batch = b
		    RETURNING *),
		os AS (DELETE FROM pgload_queue_osize WHERE batch = b
		    RETURNING *),
		size AS (UPDATE objects o SET size = s.size
		    FROM (SELECT object_id, max(size) AS size FROM os
			GROUP BY 1) s
		    WHERE o.object_id = s.object_id
		    AND o.size IS DISTINCT FROM s.size),
		obj AS (INSERT INTO daily_object AS d (day, object_id,
			requests, downloads, full_downloads, partial_downloads,
			bytes_sent, errors, downloaders)
		    SELECT day, object_id, requests, downloads,
			full_downloads, partial_downloads, bytes_sent, errors,
			downloaders
		    FROM ob
		    ON CONFLICT (day, object_id) DO UPDATE SET
			requests = d.requests + excluded.requests,
			downloads = d.downloads + excluded.downloads,
			full_downloads = d.full_downloads +
			    excluded.full_downloads,
			partial_downloads = d.partial_downloads +
			    excluded.partial_downloads,
			bytes_sent = d.bytes_sent + excluded.bytes_sent,
			errors = d.errors + excluded.errors,
			downloaders = hll_union(d.downloaders,
			    excluded.downloaders)),
		cli AS (INSERT INTO daily_client AS d (day, client_id,
			downloads, bytes_sent, objects)
		    SELECT day, client_id, downloads, bytes_sent, objects
		    FROM cl
		    ON CONFLICT (day, client_id) DO UPDATE SET
			downloads = d.downloads + excluded.downloads,
			bytes_sent = d.bytes_sent + excluded.bytes_sent,
			objects = hll_union(d.objects, excluded.objects)),
		req AS (INSERT INTO daily_requester AS d (day, requester_id,
			downloads, bytes_sent, clients, objects)
		    SELECT day, requester_id, downloads, bytes_sent, clients,
			objects
		    FROM rq
		    ON CONFLICT (day, requester_id) DO UPDATE SET
			downloads = d.downloads + excluded.downloads,
			bytes_sent = d.bytes_sent + excluded.bytes_sent,
			clients = hll_union(d.clients, excluded.clients),
			objects = hll_union(d.objects, excluded.objects)),
		tot AS (INSERT INTO daily_total AS d (day, requests, downloads,
			full_downloads, partial_downloads, bytes_sent, errors,
			downloaders, objects, requesters, object_downloaders)
		    SELECT day, requests, downloads, full_downloads,
			partial_downloads, bytes_sent, errors, downloaders,
			objects, requesters, object_downloaders
		    FROM dy
		    ON CONFLICT (day) DO UPDATE SET
			requests = d.requests + excluded.requests,
			downloads = d.downloads + excluded.downloads,
			full_downloads = d.full_downloads +
			    excluded.full_downloads,
			partial_downloads = d.partial_downloads +
			    excluded.partial_downloads,
			bytes_sent = d.bytes_sent + excluded.bytes_sent,
			errors = d.errors + excluded.errors,
			downloaders = hll_union(d.downloaders,
			    excluded.downloaders),
			objects = hll_union(d.objects, excluded.objects),
			requesters = hll_union(d.requesters,
			    excluded.requesters),
			object_downloaders = hll_union(d.object_downloaders,
			    excluded.object_downloaders)),
		err AS (INSERT INTO daily_error AS d (day, operation,
			http_status, error_code, requests)
		    SELECT day, operation, http_status, error_code,
			sum(requests)
		    FROM er GROUP BY 1, 2, 3, 4
		    ON CONFLICT (day, operation, http_status, error_code)
		    DO UPDATE SET requests = d.requests + excluded.requests)
		SELECT (SELECT count(*) FROM ob) + (SELECT count(*) FROM cl) +
		    (SELECT count(*) FROM rq) + (SELECT count(*) FROM dy) +
		    (SELECT count(*) FROM er) + (SELECT count(*) FROM os)
		INTO m;
		n := n + m;
	END LOOP;
	RETURN n;
END
$$;

-- report_pairs_fold(): add report_pairs_queue to report_pairs, in key
-- order, and empty it (what it sees of it).  report(1) calls it first.
CREATE OR REPLACE FUNCTION report_pairs_fold() RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
	n bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(1395803215, 4);
	WITH q AS (DELETE FROM report_pairs_queue RETURNING *),
	ins AS (INSERT INTO report_pairs AS p
	    SELECT q.object_id, u.client_id, u.requester_id, sum(u.downloads),
		sum(u.bytes_sent)
	    FROM q, unnest(q.client_ids, q.requester_ids, q.downloads,
		q.bytes_sent) AS u (client_id, requester_id, downloads,
		bytes_sent)
	    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
	    ON CONFLICT (object_id, client_id, requester_id) DO UPDATE SET
		downloads = p.downloads + excluded.downloads,
		bytes_sent = p.bytes_sent + excluded.bytes_sent)
	SELECT count(*) INTO n FROM q;
	RETURN n;
END
$$;

-- pgload_merge(), the slow way, queues its sums too, and
-- pgload_fast_prepare() no longer makes the sums' temporary tables: see
-- 023-endpoints.sql.