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

-- pgload_merge(), the slow way of 003-load.sql, now queues its sums as
-- the fast way does (only folders write the rollups and objects.size, so
-- loaders and folders never wait on each other's rows).
CREATE OR REPLACE FUNCTION pgload_merge() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	getop smallint;
	n bigint;
BEGIN
	-- Loaders merge one at a time (see 003-load.sql).
	PERFORM pg_advisory_xact_lock(1395803215, 2);

	PERFORM logs_partition(m)
	FROM (SELECT date_trunc('month', time AT TIME ZONE 'UTC')::date AS m
	    FROM pgload_staging GROUP BY 1) s
	WHERE to_regclass('logs_' || to_char(m, 'YYYYMM')) IS NULL;

	INSERT INTO buckets (bucket, owner)
	SELECT bucket, bucket_owner FROM pgload_staging s
	GROUP BY 1, 2
	EXCEPT
	SELECT bucket, owner FROM buckets
	ON CONFLICT DO NOTHING;

	INSERT INTO objects (bucket, key, size)
	SELECT bucket, key, max(object_size) FROM pgload_staging s
	WHERE bucket IS NOT NULL AND key IS NOT NULL
	GROUP BY 1, 2
	HAVING NOT EXISTS (SELECT 1 FROM objects o
	    WHERE o.bucket = s.bucket AND o.key = s.key)
	ORDER BY 1, 2
	ON CONFLICT DO NOTHING;

	INSERT INTO clients (ip)
	SELECT remote_ip FROM pgload_staging s
	WHERE remote_ip IS NOT NULL
	GROUP BY 1
	HAVING NOT EXISTS (SELECT 1 FROM clients c WHERE c.ip = s.remote_ip)
	ORDER BY 1
	ON CONFLICT DO NOTHING;

	INSERT INTO requesters (requester)
	SELECT requester FROM pgload_staging s
	WHERE requester IS NOT NULL
	GROUP BY 1
	HAVING NOT EXISTS (SELECT 1 FROM requesters r
	    WHERE r.requester = s.requester)
	ORDER BY 1
	ON CONFLICT DO NOTHING;

	INSERT INTO operations (operation)
	SELECT operation FROM pgload_staging s
	WHERE operation IS NOT NULL
	GROUP BY 1
	HAVING NOT EXISTS (SELECT 1 FROM operations o
	    WHERE o.operation = s.operation)
	ORDER BY 1
	ON CONFLICT DO NOTHING;

	INSERT INTO pgload_ua
	SELECT user_agent, NULL FROM pgload_staging
	WHERE user_agent IS NOT NULL GROUP BY 1;
	INSERT INTO user_agents (hash, user_agent)
	SELECT md5(user_agent)::uuid, user_agent FROM pgload_ua u
	WHERE NOT EXISTS (SELECT 1 FROM user_agents a
	    WHERE a.hash = md5(u.user_agent)::uuid)
	ORDER BY 1
	ON CONFLICT DO NOTHING;
	UPDATE pgload_ua u SET user_agent_id = a.user_agent_id
	FROM user_agents a WHERE a.hash = md5(u.user_agent)::uuid;

	INSERT INTO pgload_queue_osize
	SELECT o.object_id, s.size
	FROM (SELECT bucket, key, max(object_size) AS size
	    FROM pgload_staging
	    WHERE key IS NOT NULL AND object_size IS NOT NULL
	    GROUP BY 1, 2) s
	JOIN objects o ON o.bucket = s.bucket AND o.key = s.key;

	SELECT operation_id INTO getop FROM operations
	WHERE operation = 'REST.GET.OBJECT';

	-- ON CONFLICT DO NOTHING also drops duplicates within the batch.
	WITH ins AS (
		INSERT INTO logs (line_hash, time, bytes_sent, object_size,
		    bucket_id, object_id, client_id, requester_id, user_agent_id,
		    total_time, turnaround_time, operation_id, http_status,
		    error_code, request_id, request_uri, referer, version_id,
		    host_id, signature_version, cipher_suite, auth_type,
		    host_header, tls_version, access_point_arn, acl_required,
		    source_region, extra)
		SELECT s.line_hash, s.time, s.bytes_sent, s.object_size,
		    b.bucket_id, o.object_id, c.client_id, r.requester_id,
		    u.user_agent_id, s.total_time, s.turnaround_time,
		    op.operation_id, s.http_status, s.error_code, s.request_id,
		    s.request_uri, s.referer, s.version_id, s.host_id,
		    s.signature_version, s.cipher_suite, s.auth_type,
		    s.host_header, s.tls_version, s.access_point_arn,
		    s.acl_required, s.source_region, s.extra
		FROM pgload_staging s
		LEFT JOIN buckets b ON b.bucket IS NOT DISTINCT FROM s.bucket
		    AND b.owner IS NOT DISTINCT FROM s.bucket_owner
		LEFT JOIN objects o ON o.bucket = s.bucket AND o.key = s.key
		LEFT JOIN clients c ON c.ip = s.remote_ip
		LEFT JOIN requesters r ON r.requester = s.requester
		LEFT JOIN operations op ON op.operation = s.operation
		LEFT JOIN pgload_ua u ON u.user_agent = s.user_agent
		ON CONFLICT DO NOTHING
		RETURNING time, object_id, client_id, requester_id,
		    operation_id, http_status, error_code, bytes_sent)
	INSERT INTO pgload_new
	SELECT (time AT TIME ZONE 'UTC')::date, object_id, client_id,
	    coalesce(requester_id, 0), operation_id, http_status, error_code,
	    coalesce(bytes_sent, 0),
	    operation_id IS NOT DISTINCT FROM getop AND http_status IN (200, 206)
	FROM ins;
	GET DIAGNOSTICS n = ROW_COUNT;
	IF n = 0 THEN
		RETURN 0;
	END IF;

	-- The sums of the new rows, as pgload's fast way adds them up.
	INSERT INTO pgload_queue_obj
	SELECT day, object_id, count(*), count(*) FILTER (WHERE dl),
	    count(*) FILTER (WHERE dl AND http_status = 200),
	    count(*) FILTER (WHERE dl AND http_status = 206),
	    sum(bytes_sent), count(*) FILTER (WHERE http_status >= 400),
	    coalesce(hll_add_agg(hll_hash_integer(client_id))
	        FILTER (WHERE dl AND client_id IS NOT NULL), hll_empty())
	FROM pgload_new WHERE object_id IS NOT NULL
	GROUP BY 1, 2;

	INSERT INTO pgload_queue_client
	SELECT day, client_id, count(*), sum(bytes_sent),
	    coalesce(hll_add_agg(hll_hash_integer(object_id))
	        FILTER (WHERE object_id IS NOT NULL), hll_empty())
	FROM pgload_new WHERE dl AND client_id IS NOT NULL
	GROUP BY 1, 2;

	INSERT INTO pgload_queue_requester
	SELECT day, requester_id, count(*), sum(bytes_sent),
	    coalesce(hll_add_agg(hll_hash_integer(client_id))
	        FILTER (WHERE client_id IS NOT NULL), hll_empty()),
	    coalesce(hll_add_agg(hll_hash_integer(object_id))
	        FILTER (WHERE object_id IS NOT NULL), hll_empty())
	FROM pgload_new WHERE dl
	GROUP BY 1, 2;

	INSERT INTO pgload_queue_day
	SELECT day, count(*), count(*) FILTER (WHERE dl),
	    count(*) FILTER (WHERE dl AND http_status = 200),
	    count(*) FILTER (WHERE dl AND http_status = 206),
	    sum(bytes_sent), count(*) FILTER (WHERE http_status >= 400),
	    coalesce(hll_add_agg(hll_hash_integer(client_id))
	        FILTER (WHERE dl AND client_id IS NOT NULL), hll_empty()),
	    coalesce(hll_add_agg(hll_hash_integer(object_id))
	        FILTER (WHERE dl AND object_id IS NOT NULL), hll_empty()),
	    coalesce(hll_add_agg(hll_hash_integer(requester_id))
	        FILTER (WHERE dl), hll_empty()),
	    coalesce(hll_add_agg(hll_hash_bigint(
	        (object_id::bigint << 32) | client_id::bigint))
	        FILTER (WHERE dl AND object_id IS NOT NULL
	        AND client_id IS NOT NULL), hll_empty())
	FROM pgload_new
	GROUP BY 1;

	INSERT INTO pgload_queue_err
	SELECT n.day, coalesce(op.operation, '-'), coalesce(n.http_status, 0),
	    coalesce(n.error_code, '-'), count(*)
	FROM pgload_new n LEFT JOIN operations op USING (operation_id)
	WHERE n.http_status >= 400 OR n.error_code IS NOT NULL
	GROUP BY 1, 2, 3, 4;

	INSERT INTO report_pairs_queue
	SELECT object_id, array_agg(client_id), array_agg(requester_id),
	    array_agg(d), array_agg(b)
	FROM (SELECT object_id, client_id, requester_id, count(*) AS d,
		sum(bytes_sent) AS b
	    FROM pgload_new
	    WHERE dl AND object_id IS NOT NULL AND client_id IS NOT NULL
	    GROUP BY 1, 2, 3) p
	GROUP BY 1;

	RETURN n;
END
$$;

-- The sums of the temporary tables pgload_fast_prepare() made now go to
-- the queue; pgload_miss stays.
DROP FUNCTION IF EXISTS pgload_fast_prepare();
CREATE FUNCTION pgload_fast_prepare() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	-- Dictionary values pgload has no id for; ord is its own number.
	-- kind: 1 bucket (a bucket, b owner), 2 object (a bucket, b key),
	-- 3 client (a ip), 4 requester, 5 operation, 6 user agent.
	CREATE TEMP TABLE IF NOT EXISTS pgload_miss (
		kind int, ord int, a text, b text
	) ON COMMIT DELETE ROWS;
END
$$;
