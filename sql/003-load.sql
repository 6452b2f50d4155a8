-- 003-load.sql: the server side of pgload.  A batch is
--
--	BEGIN; COPY pgload_staging FROM STDIN; SELECT pgload_merge(); COMMIT
--
-- so that a batch is one transaction: killed anywhere before COMMIT, it
-- leaves nothing behind, and rerunning it inserts each line exactly once
-- because logs rows are unique on (time, line_hash).

-- pgload_prepare(): create this session's temporary tables.  They live in
-- backend-local memory (temp_buffers) and write no WAL; ON COMMIT DELETE
-- ROWS empties them after every batch.  Columns and order are those of
-- logparse's output.
CREATE OR REPLACE FUNCTION pgload_prepare() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	CREATE TEMP TABLE IF NOT EXISTS pgload_staging (
		line_hash uuid NOT NULL, bucket_owner text, bucket text,
		time timestamptz NOT NULL, remote_ip inet, requester text,
		request_id text, operation text, key text, request_uri text,
		http_status smallint, error_code text, bytes_sent bigint,
		object_size bigint, total_time int, turnaround_time int,
		referer text, user_agent text, version_id text, host_id text,
		signature_version text, cipher_suite text, auth_type text,
		host_header text, tls_version text, access_point_arn text,
		acl_required text, source_region text, extra text
	) ON COMMIT DELETE ROWS;
	-- The rows this batch inserted, for the rollups.
	CREATE TEMP TABLE IF NOT EXISTS pgload_new (
		day date, object_id int, client_id int, requester_id int,
		operation_id smallint, http_status smallint, error_code text,
		bytes_sent bigint, dl boolean
	) ON COMMIT DELETE ROWS;
	-- The batch's distinct user agents and their ids.
	CREATE TEMP TABLE IF NOT EXISTS pgload_ua (
		user_agent text, user_agent_id int
	) ON COMMIT DELETE ROWS;
END
$$;

-- pgload_merge(): move pgload_staging into logs, the dictionaries and the
-- rollups; returns the number of new log rows.  Must run in the batch's
-- transaction.
CREATE OR REPLACE FUNCTION pgload_merge() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	getop smallint;
	n bigint;
BEGIN
	-- Loaders COPY in parallel but merge one at a time: dictionary ids,
	-- partition creation and rollup upserts then never wait on each other
	-- row by row, so concurrent loaders cannot deadlock.  The lock goes
	-- with the transaction.
	PERFORM pg_advisory_xact_lock(1395803215, 2);

	PERFORM logs_partition(m)
	FROM (SELECT date_trunc('month', time AT TIME ZONE 'UTC')::date AS m
	    FROM pgload_staging GROUP BY 1) s
	WHERE to_regclass('logs_' || to_char(m, 'YYYYMM')) IS NULL;

	-- New dictionary entries.  Each starts from the batch's distinct
	-- values (a hash aggregate, cheap) and inserts only those the
	-- dictionary lacks, so that identity values are not burnt on
	-- conflicts (ON CONFLICT DO NOTHING still guards against writers
	-- other than pgload).
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

	-- The batch's user agents with their ids, hashed once each.
	INSERT INTO pgload_ua
	SELECT user_agent, NULL FROM pgload_staging
	WHERE user_agent IS NOT NULL GROUP BY 1;
	INSERT INTO user_agents (hash, user_agent)
	SELECT md5(user_agent)::uuid, user_agent FROM pgload_ua a
	WHERE NOT EXISTS (SELECT 1 FROM user_agents u
	    WHERE u.hash = md5(a.user_agent)::uuid)
	ON CONFLICT DO NOTHING;
	UPDATE pgload_ua a SET user_agent_id = u.user_agent_id
	FROM user_agents u WHERE u.hash = md5(a.user_agent)::uuid;

	-- Object sizes as of this batch.
	UPDATE objects o SET size = s.size
	FROM (SELECT bucket, key, max(object_size) AS size
	    FROM pgload_staging
	    WHERE key IS NOT NULL AND object_size IS NOT NULL
	    GROUP BY 1, 2) s
	WHERE o.bucket = s.bucket AND o.key = s.key
	AND o.size IS DISTINCT FROM s.size;

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

	-- Rollups, each upsert in primary key order.
	INSERT INTO daily_object AS d (day, object_id, requests, downloads,
	    full_downloads, partial_downloads, bytes_sent, errors, downloaders)
	SELECT day, object_id, count(*), count(*) FILTER (WHERE dl),
	    count(*) FILTER (WHERE dl AND http_status = 200),
	    count(*) FILTER (WHERE dl AND http_status = 206),
	    sum(bytes_sent), count(*) FILTER (WHERE http_status >= 400),
	    coalesce(hll_add_agg(hll_hash_integer(client_id))
	        FILTER (WHERE dl AND client_id IS NOT NULL), hll_empty())
	FROM pgload_new WHERE object_id IS NOT NULL
	GROUP BY day, object_id ORDER BY day, object_id
	ON CONFLICT (day, object_id) DO UPDATE SET
	    requests = d.requests + excluded.requests,
	    downloads = d.downloads + excluded.downloads,
	    full_downloads = d.full_downloads + excluded.full_downloads,
	    partial_downloads = d.partial_downloads + excluded.partial_downloads,
	    bytes_sent = d.bytes_sent + excluded.bytes_sent,
	    errors = d.errors + excluded.errors,
	    downloaders = hll_union(d.downloaders, excluded.downloaders);

	INSERT INTO daily_object_client AS d (day, object_id, client_id,
	    requester_id, downloads, bytes_sent)
	SELECT day, object_id, client_id, requester_id, count(*),
	    sum(bytes_sent)
	FROM pgload_new
	WHERE dl AND object_id IS NOT NULL AND client_id IS NOT NULL
	GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
	ON CONFLICT (day, object_id, client_id, requester_id) DO UPDATE SET
	    downloads = d.downloads + excluded.downloads,
	    bytes_sent = d.bytes_sent + excluded.bytes_sent;

	INSERT INTO daily_client AS d (day, client_id, downloads, bytes_sent,
	    objects)
	SELECT day, client_id, count(*), sum(bytes_sent),
	    coalesce(hll_add_agg(hll_hash_integer(object_id))
	        FILTER (WHERE object_id IS NOT NULL), hll_empty())
	FROM pgload_new WHERE dl AND client_id IS NOT NULL
	GROUP BY 1, 2 ORDER BY 1, 2
	ON CONFLICT (day, client_id) DO UPDATE SET
	    downloads = d.downloads + excluded.downloads,
	    bytes_sent = d.bytes_sent + excluded.bytes_sent,
	    objects = hll_union(d.objects, excluded.objects);

	INSERT INTO daily_requester AS d (day, requester_id, downloads,
	    bytes_sent, clients, objects)
	SELECT day, requester_id, count(*), sum(bytes_sent),
	    coalesce(hll_add_agg(hll_hash_integer(client_id))
	        FILTER (WHERE client_id IS NOT NULL), hll_empty()),
	    coalesce(hll_add_agg(hll_hash_integer(object_id))
	        FILTER (WHERE object_id IS NOT NULL), hll_empty())
	FROM pgload_new WHERE dl
	GROUP BY 1, 2 ORDER BY 1, 2
	ON CONFLICT (day, requester_id) DO UPDATE SET
	    downloads = d.downloads + excluded.downloads,
	    bytes_sent = d.bytes_sent + excluded.bytes_sent,
	    clients = hll_union(d.clients, excluded.clients),
	    objects = hll_union(d.objects, excluded.objects);

	INSERT INTO daily_total AS d (day, requests, downloads, full_downloads,
	    partial_downloads, bytes_sent, errors, downloaders, objects,
	    requesters, object_downloaders)
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
	GROUP BY 1 ORDER BY 1
	ON CONFLICT (day) DO UPDATE SET
	    requests = d.requests + excluded.requests,
	    downloads = d.downloads + excluded.downloads,
	    full_downloads = d.full_downloads + excluded.full_downloads,
	    partial_downloads = d.partial_downloads + excluded.partial_downloads,
	    bytes_sent = d.bytes_sent + excluded.bytes_sent,
	    errors = d.errors + excluded.errors,
	    downloaders = hll_union(d.downloaders, excluded.downloaders),
	    objects = hll_union(d.objects, excluded.objects),
	    requesters = hll_union(d.requesters, excluded.requesters),
	    object_downloaders = hll_union(d.object_downloaders,
	        excluded.object_downloaders);

	INSERT INTO daily_error AS d (day, operation, http_status, error_code,
	    requests)
	SELECT n.day, coalesce(op.operation, '-'), coalesce(n.http_status, 0),
	    coalesce(n.error_code, '-'), count(*)
	FROM pgload_new n LEFT JOIN operations op USING (operation_id)
	WHERE n.http_status >= 400 OR n.error_code IS NOT NULL
	GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
	ON CONFLICT (day, operation, http_status, error_code) DO UPDATE SET
	    requests = d.requests + excluded.requests;

	RETURN n;
END
$$;
