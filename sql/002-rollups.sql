-- 002-rollups.sql: the per-day rollups, the queues pgload fills and the
-- fold that moves the queues into the rollups, and views over them.
--
-- Report queries read the rollups: their cost grows with days and files,
-- not with log lines.  Definitions (pgload(1) documents them too):
--   day        the UTC date of time;
--   download   operation REST.GET.OBJECT with http_status 200 (full) or
--              206 (partial);
--   error      http_status 400 or above;
--   bytes_sent the sum of bytes_sent over the rows counted: all requests
--              in daily_object, daily_total; downloads only elsewhere;
--   hll        a HyperLogLog set (postgresql-hll, default parameters):
--              exact up to a few hundred members, then about 2% error;
--              read with hll_cardinality(col), merge with hll_union_agg().
-- Per-day (object, client) pairs are not kept: with about one pair per
-- download they would be a second logs table.  report_pairs
-- (005-report.sql) keeps them summed over all days.

CREATE EXTENSION IF NOT EXISTS hll;

CREATE TABLE daily_object (
	day		date NOT NULL,
	object_id	int NOT NULL,
	requests	bigint NOT NULL DEFAULT 0,
	downloads	bigint NOT NULL DEFAULT 0,
	full_downloads	bigint NOT NULL DEFAULT 0,
	partial_downloads bigint NOT NULL DEFAULT 0,
	bytes_sent	bigint NOT NULL DEFAULT 0,
	errors		bigint NOT NULL DEFAULT 0,
	downloaders	hll NOT NULL DEFAULT hll_empty(),	-- clients
	PRIMARY KEY (day, object_id)
);

-- Downloads only.
CREATE TABLE daily_client (
	day		date NOT NULL,
	client_id	int NOT NULL,
	downloads	bigint NOT NULL DEFAULT 0,
	bytes_sent	bigint NOT NULL DEFAULT 0,
	objects		hll NOT NULL DEFAULT hll_empty(),
	PRIMARY KEY (day, client_id)
);

-- report(1) reads the per-day counts of each file and downloader through
-- these covering indexes, by index-only scans: the heap rows hold the
-- HyperLogLog sets too (up to 1.3 kB each), which a heap scan would read
-- for nothing.
CREATE INDEX daily_object_sums ON daily_object (object_id, day)
    INCLUDE (downloads, requests, full_downloads, partial_downloads, errors);
CREATE INDEX daily_client_sums ON daily_client (client_id, day)
    INCLUDE (downloads, bytes_sent);

-- Downloads only; requester_id 0 is anonymous.
CREATE TABLE daily_requester (
	day		date NOT NULL,
	requester_id	int NOT NULL,
	downloads	bigint NOT NULL DEFAULT 0,
	bytes_sent	bigint NOT NULL DEFAULT 0,
	clients		hll NOT NULL DEFAULT hll_empty(),
	objects		hll NOT NULL DEFAULT hll_empty(),
	PRIMARY KEY (day, requester_id)
);

-- requests, errors and bytes_sent over all requests; the hll columns over
-- downloads: downloaders (clients), objects, requesters (0 = anonymous)
-- and object_downloaders, the distinct (object, client) pairs, i.e.
-- "unique downloads".
CREATE TABLE daily_total (
	day		date PRIMARY KEY,
	requests	bigint NOT NULL DEFAULT 0,
	downloads	bigint NOT NULL DEFAULT 0,
	full_downloads	bigint NOT NULL DEFAULT 0,
	partial_downloads bigint NOT NULL DEFAULT 0,
	bytes_sent	bigint NOT NULL DEFAULT 0,
	errors		bigint NOT NULL DEFAULT 0,
	downloaders	hll NOT NULL DEFAULT hll_empty(),
	objects		hll NOT NULL DEFAULT hll_empty(),
	requesters	hll NOT NULL DEFAULT hll_empty(),
	object_downloaders hll NOT NULL DEFAULT hll_empty()
);

-- Requests with http_status >= 400 or an error code; "-" stands for a
-- missing operation or error_code and 0 for a missing status.
CREATE TABLE daily_error (
	day		date NOT NULL,
	operation	text NOT NULL,
	http_status	smallint NOT NULL,
	error_code	text NOT NULL,
	requests	bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (day, operation, http_status, error_code)
);

-- The queues.  A batch does not write the rollups: pgload adds up its sums
-- per key as it reads (the HyperLogLog sketches too, lib/hll.c, the bytes
-- hll_add_agg() would make) and COPYs them into these tables, and a
-- folder, on another connection, moves them into the rollups
-- (pgload_fold()), so that loading and summing run on two server
-- processes, and loaders never wait on a rollup row.  The queues are plain
-- heaps, no index, logged: a sum commits or vanishes with the rows it
-- counts.
--
-- Each row carries batch, the id of the transaction that loads the
-- batch's lines into logs.  pgload's summer thread writes the queue rows
-- on a connection of its own, in a transaction committed just before the
-- batch's (the slow way, pgload_merge(), queues them in the batch's own
-- transaction), so a fold takes the rows of a batch by the state of that
-- transaction:
--   committed    folded (and removed);
--   in progress  left for a later fold (the batch may still fail);
--   aborted      removed unfolded: the batch's rows never reached logs
--                (pgload killed, the server gone, the batch rolled back);
--   unknown      (pg_xact_status() NULL: older than the server's commit
--                log keeps, which no queue row lives to be, since every
--                pgload and report folds) removed unfolded as well.
-- pgload returns only when its last batch is folded, so a pgload that
-- exits 0 leaves exact rollups; after a crash, the queues keep the sums of
-- every committed batch, and the next pgload (or report(1)) folds them.
-- Nothing is lost or counted twice: a sum is deleted from its queue in the
-- transaction that adds it.
--
-- A batch's keys are unique within it (NULL object or client as in logs,
-- requester 0 for anonymous).  The queues are read whole or by batch, with
-- plans no column statistics change, so autovacuum does not ANALYZE them
-- (report_pairs_queue's arrays are costly to analyze); it still VACUUMs
-- them.
CREATE TABLE pgload_queue_obj (
	day date, object_id int, requests bigint, downloads bigint,
	full_downloads bigint, partial_downloads bigint, bytes_sent bigint,
	errors bigint, downloaders hll,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
) WITH (autovacuum_analyze_threshold = 2000000000);
CREATE TABLE pgload_queue_client (
	day date, client_id int, downloads bigint, bytes_sent bigint,
	objects hll,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
) WITH (autovacuum_analyze_threshold = 2000000000);
CREATE TABLE pgload_queue_requester (
	day date, requester_id int, downloads bigint, bytes_sent bigint,
	clients hll, objects hll,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
) WITH (autovacuum_analyze_threshold = 2000000000);
CREATE TABLE pgload_queue_day (
	day date, requests bigint, downloads bigint, full_downloads bigint,
	partial_downloads bigint, bytes_sent bigint, errors bigint,
	downloaders hll, objects hll, requesters hll, object_downloaders hll,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
) WITH (autovacuum_analyze_threshold = 2000000000);
CREATE TABLE pgload_queue_err (
	day date, operation text, http_status smallint, error_code text,
	requests bigint,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
) WITH (autovacuum_analyze_threshold = 2000000000);
-- The largest object_size of each object in the batch, for objects.size.
CREATE TABLE pgload_queue_osize (
	object_id int, size bigint,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
) WITH (autovacuum_analyze_threshold = 2000000000);
-- The downloads of (object, client, requester) not yet in report_pairs
-- (005-report.sql), which report(1) folds: per object and batch, four
-- arrays in step (one row per object rather than per pair: a tenth of the
-- rows).
CREATE TABLE report_pairs_queue (
	object_id int NOT NULL, client_ids int[] NOT NULL,
	requester_ids int[] NOT NULL, downloads bigint[] NOT NULL,
	bytes_sent bigint[] NOT NULL,
	batch xid8 NOT NULL DEFAULT pg_current_xact_id()
) WITH (autovacuum_analyze_threshold = 2000000000);

-- pgload_unqueue(B): the rows queued for batch B, removed unfolded (a
-- failed batch's, or the summer's of a batch that then goes the slow way,
-- which queues its sums again).
CREATE FUNCTION pgload_unqueue(b xid8) RETURNS void
LANGUAGE sql AS $$
	DELETE FROM pgload_queue_obj WHERE batch = b;
	DELETE FROM pgload_queue_client WHERE batch = b;
	DELETE FROM pgload_queue_requester WHERE batch = b;
	DELETE FROM pgload_queue_day WHERE batch = b;
	DELETE FROM pgload_queue_err WHERE batch = b;
	DELETE FROM pgload_queue_osize WHERE batch = b;
	DELETE FROM report_pairs_queue WHERE batch = b;
$$;

-- pgload_fold_batch(B): batch B's queued sums into the rollups, in one
-- statement; returns the number of queue rows it took.  Rows another
-- transaction removed meanwhile (a failed batch's pgload_unqueue(B)) are
-- not returned by DELETE, so never folded.  Only daily_error is grouped
-- again: two COPY spellings of one text are two keys to pgload.
--
-- Logs arrive roughly in time order, so most of a batch's (day, object)
-- and (day, client) keys are of days newer than any in daily_object and
-- daily_client: those are inserted, not upserted (INSERT ... ON CONFLICT
-- pays for a speculative insertion on every row).  Safe because folders
-- take turns (pgload_fold()'s lock) and nothing else writes these
-- rollups: under the lock no row of a day later than max(day) can appear.
-- Were that ever broken, the primary key would make the fold fail, never
-- count twice.
CREATE FUNCTION pgload_fold_batch(b xid8) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	m bigint;
	od date := (SELECT max(day) FROM daily_object);
	cd date := (SELECT max(day) FROM daily_client);
BEGIN
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
	objnew AS (INSERT INTO daily_object (day, object_id, requests,
		downloads, full_downloads, partial_downloads, bytes_sent,
		errors, downloaders)
	    SELECT day, object_id, requests, downloads, full_downloads,
		partial_downloads, bytes_sent, errors, downloaders
	    FROM ob WHERE od IS NULL OR day > od),
	obj AS (INSERT INTO daily_object AS d (day, object_id,
		requests, downloads, full_downloads, partial_downloads,
		bytes_sent, errors, downloaders)
	    SELECT day, object_id, requests, downloads,
		full_downloads, partial_downloads, bytes_sent, errors,
		downloaders
	    FROM ob WHERE day <= od
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
	clinew AS (INSERT INTO daily_client (day, client_id, downloads,
		bytes_sent, objects)
	    SELECT day, client_id, downloads, bytes_sent, objects
	    FROM cl WHERE cd IS NULL OR day > cd),
	cli AS (INSERT INTO daily_client AS d (day, client_id,
		downloads, bytes_sent, objects)
	    SELECT day, client_id, downloads, bytes_sent, objects
	    FROM cl WHERE day <= cd
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
	RETURN m;
END
$$;

-- pgload_fold(): fold the queues (but report_pairs_queue) into the
-- rollups, batch by batch in order of their transaction ids, each whole or
-- not at all; returns the number of queue rows folded.  Folders take turns
-- (s3logs_lock(3)).
CREATE FUNCTION pgload_fold() RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
	b xid8;
	n bigint := 0;
	st text;
BEGIN
	PERFORM s3logs_lock(3);
	FOR b IN SELECT batch FROM pgload_queue_day
	    UNION SELECT batch FROM pgload_queue_obj
	    UNION SELECT batch FROM pgload_queue_client
	    UNION SELECT batch FROM pgload_queue_requester
	    UNION SELECT batch FROM pgload_queue_err
	    UNION SELECT batch FROM pgload_queue_osize
	    ORDER BY 1
	LOOP
		st := pg_xact_status(b);
		IF st = 'committed' THEN
			n := n + pgload_fold_batch(b);
		ELSIF st IS DISTINCT FROM 'in progress' THEN
			PERFORM pgload_unqueue(b);
		END IF;
	END LOOP;
	RETURN n;
END
$$;

-- Views for the common questions, over the rollups (so they cost in
-- proportion to days and files, not to log lines).  Distinct counts are
-- HyperLogLog estimates rounded to integers.

-- Downloads of each object per day.
CREATE VIEW downloads_per_file_day AS
SELECT d.day, o.bucket, o.key, o.object_id, d.downloads, d.full_downloads,
    d.partial_downloads, d.bytes_sent,
    round(hll_cardinality(d.downloaders))::bigint AS downloaders
FROM daily_object d JOIN objects o USING (object_id)
WHERE d.downloads > 0;

-- Downloads of each object over all time, most downloaded first.
CREATE VIEW top_files AS
SELECT o.bucket, o.key, o.object_id, o.size, sum(d.downloads)::bigint AS downloads,
    sum(d.bytes_sent)::bigint AS bytes_sent,
    round(hll_cardinality(hll_union_agg(d.downloaders)))::bigint AS downloaders,
    min(d.day) AS first_day, max(d.day) AS last_day
FROM daily_object d JOIN objects o USING (object_id)
WHERE d.downloads > 0
GROUP BY o.object_id
ORDER BY downloads DESC, o.object_id;

-- Downloaders (remote addresses) over all time, most downloads first.
CREATE VIEW top_downloaders AS
SELECT c.ip, c.client_id, sum(d.downloads)::bigint AS downloads,
    sum(d.bytes_sent)::bigint AS bytes_sent,
    round(hll_cardinality(hll_union_agg(d.objects)))::bigint AS objects,
    min(d.day) AS first_day, max(d.day) AS last_day
FROM daily_client d JOIN clients c USING (client_id)
GROUP BY c.client_id
ORDER BY downloads DESC, c.client_id;

-- Errors by operation, status and code over all time.
CREATE VIEW errors_by_code AS
SELECT operation, http_status, error_code, sum(requests)::bigint AS requests,
    min(day) AS first_day, max(day) AS last_day
FROM daily_error
GROUP BY operation, http_status, error_code
ORDER BY requests DESC, operation, http_status, error_code;

-- Totals per day.
CREATE VIEW totals_per_day AS
SELECT day, requests, downloads, full_downloads, partial_downloads,
    bytes_sent, errors,
    round(hll_cardinality(downloaders))::bigint AS downloaders,
    round(hll_cardinality(objects))::bigint AS objects,
    round(hll_cardinality(requesters))::bigint AS requesters,
    round(hll_cardinality(object_downloaders))::bigint AS unique_downloads
FROM daily_total;
