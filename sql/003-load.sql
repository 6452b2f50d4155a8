-- 003-load.sql: the server side of pgload, which loads a batch of log
-- lines as one transaction: killed anywhere before COMMIT, it leaves
-- nothing behind, and rerunning it stores each line exactly once, because
-- logs rows are unique on (time, line_hash).  Loaders COPY in parallel but
-- take turns to write a batch (s3logs_lock(2)): dictionary ids, partitions
-- and queue rows then never wait on each other row by row, so concurrent
-- loaders cannot deadlock.
--
-- The fast way, for lines not stored before (the nightly case).  pgload
-- parses the batch itself and keeps the dictionary ids it has seen in
-- memory; the values it lacks it sends on a connection of its own, in
-- short transactions of their own (COPY pgload_miss, then
-- pgload_dict_wait()), so that ids are committed before any batch uses
-- them and never rolled back with one (an id no row uses is harmless).
-- Its summer thread queues the batch's sums (002-rollups.sql) on another
-- connection.  The batch itself is
--
--	BEGIN;	-- and the loaders' lock, as s3logs_lock(2) takes it
--	SAVEPOINT fast;
--	SELECT pgload_begin(months), pg_current_xact_id();
--	COPY logs (...) FROM STDIN (FORMAT binary);	-- the narrow rows
--	COMMIT
--
-- That COPY has no ON CONFLICT.  A batch whose first or last line is
-- stored already (a rerun) is probed first (pgload_probe,
-- pgload_probed()), and only its new lines go the fast way.  When the
-- fast way fails anyway (a line stored already, a value the server
-- rejects), pgload rolls back to the savepoint and takes the slow way:
--
--	SELECT pgload_unqueue(pg_current_xact_id());	-- the summer's rows
--	COPY pgload_staging FROM STDIN; SELECT pgload_merge();
--
-- which dedupes against logs, resolves dictionary values in the batch's
-- own transaction and queues the sums of the rows it inserted.

-- endpoint_key(...): the five columns of endpoints as one text, equal when
-- they are (NULLs included), so that pgload_merge() can hash-join a batch
-- to endpoints.
CREATE FUNCTION endpoint_key(a text, b text, c text, d text,
    e text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT concat_ws(',', coalesce(length(a)::text, 'n'),
	    coalesce(length(b)::text, 'n'), coalesce(length(c)::text, 'n'),
	    coalesce(length(d)::text, 'n'), coalesce(length(e)::text, 'n')) ||
	    ':' || concat(a, b, c, d, e)
$$;

-- pgload_prepare(): create this session's temporary tables for the slow
-- way.  They live in backend-local memory (temp_buffers) and write no WAL;
-- ON COMMIT DELETE ROWS empties them after every batch.  pgload_staging's
-- columns and their order are those of logparse's output.
CREATE FUNCTION pgload_prepare() RETURNS void
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

-- pgload_merge(): move pgload_staging into logs and the dictionaries, and
-- queue the sums of the rows it inserted as the fast way does (only
-- folders write the rollups and objects.size, so loaders and folders never
-- wait on each other's rows); returns the number of new log rows.  Must
-- run in the batch's transaction.  New dictionary entries start from the
-- batch's distinct values (a hash aggregate, cheap) and insert only those
-- the dictionary lacks, so that identity values are not burnt on
-- conflicts (ON CONFLICT DO NOTHING still guards against writers other
-- than pgload).
CREATE FUNCTION pgload_merge() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	getop smallint;
	n bigint;
BEGIN
	-- Loaders write one batch at a time.
	PERFORM s3logs_lock(2);

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

	INSERT INTO endpoints (signature_version, cipher_suite, auth_type,
	    host_header, tls_version)
	SELECT signature_version, cipher_suite, auth_type, host_header,
	    tls_version FROM pgload_staging
	EXCEPT
	SELECT signature_version, cipher_suite, auth_type, host_header,
	    tls_version FROM endpoints
	ON CONFLICT DO NOTHING;

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
		    host_id, endpoint_id, access_point_arn, acl_required,
		    source_region, extra)
		SELECT s.line_hash, s.time, s.bytes_sent, s.object_size,
		    b.bucket_id, o.object_id, c.client_id, r.requester_id,
		    u.user_agent_id, s.total_time, s.turnaround_time,
		    op.operation_id, s.http_status, s.error_code, s.request_id,
		    s.request_uri, s.referer, s.version_id, s.host_id,
		    e.endpoint_id, s.access_point_arn,
		    s.acl_required, s.source_region, s.extra
		FROM pgload_staging s
		LEFT JOIN buckets b ON b.bucket IS NOT DISTINCT FROM s.bucket
		    AND b.owner IS NOT DISTINCT FROM s.bucket_owner
		LEFT JOIN objects o ON o.bucket = s.bucket AND o.key = s.key
		LEFT JOIN clients c ON c.ip = s.remote_ip
		LEFT JOIN requesters r ON r.requester = s.requester
		LEFT JOIN operations op ON op.operation = s.operation
		LEFT JOIN pgload_ua u ON u.user_agent = s.user_agent
		LEFT JOIN endpoints e
		    ON endpoint_key(e.signature_version, e.cipher_suite,
			e.auth_type, e.host_header, e.tls_version) =
		    endpoint_key(s.signature_version, s.cipher_suite,
			s.auth_type, s.host_header, s.tls_version)
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

-- pgload_fast_prepare(): this session's temporary tables for the fast way
-- (in memory, no WAL, emptied at every commit).  Dictionary values come
-- as COPY text exactly as logparse wrote them.
CREATE FUNCTION pgload_fast_prepare() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	-- Dictionary values pgload has no id for; ord is its own number.
	-- kind: 1 bucket (a bucket, b owner), 2 object (a bucket, b key),
	-- 3 client (a ip), 4 requester, 5 operation, 6 user agent,
	-- 7 endpoint (a to e), 8 uri form (a prefix, b suffix).
	DROP TABLE IF EXISTS pgload_miss;
	CREATE TEMP TABLE pgload_miss (
		kind int, ord int, a text, b text, c text, d text, e text
	) ON COMMIT DELETE ROWS;
	-- A rerun's batch: its rows' keys, to find those stored already.
	CREATE TEMP TABLE IF NOT EXISTS pgload_probe (
		ord int, time timestamptz, line_hash uuid
	) ON COMMIT DELETE ROWS;
END
$$;

-- pgload_begin(MONTHS): take the loaders' lock for this transaction (as
-- pgload_merge() does) and create the partitions for MONTHS.
CREATE FUNCTION pgload_begin(months date[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM s3logs_lock(2);
	PERFORM logs_partition(m) FROM unnest(months) m
	WHERE to_regclass('logs_' || to_char(m, 'YYYYMM')) IS NULL;
END
$$;

-- pgload_dict(): add the dictionary values of pgload_miss that are new
-- (in key order, so identity values are not burnt on conflicts) and
-- return the id of every pgload_miss row but uri forms (kind 8, which
-- pgload_dict_wait() adds).
CREATE FUNCTION pgload_dict() RETURNS TABLE (ord int, id int)
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO buckets (bucket, owner)
	SELECT a, b FROM pgload_miss WHERE kind = 1
	EXCEPT
	SELECT bucket, owner FROM buckets
	ON CONFLICT DO NOTHING;

	INSERT INTO objects (bucket, key)
	SELECT a, b FROM pgload_miss m WHERE kind = 2
	GROUP BY 1, 2
	HAVING NOT EXISTS (SELECT 1 FROM objects o
	    WHERE o.bucket = m.a AND o.key = m.b)
	ORDER BY 1, 2
	ON CONFLICT DO NOTHING;

	INSERT INTO clients (ip)
	SELECT ip FROM (SELECT DISTINCT a::inet AS ip FROM pgload_miss
	    WHERE kind = 3) m
	WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.ip = m.ip)
	ORDER BY 1
	ON CONFLICT DO NOTHING;

	INSERT INTO requesters (requester)
	SELECT a FROM pgload_miss m WHERE kind = 4
	GROUP BY 1
	HAVING NOT EXISTS (SELECT 1 FROM requesters r WHERE r.requester = m.a)
	ORDER BY 1
	ON CONFLICT DO NOTHING;

	INSERT INTO operations (operation)
	SELECT a FROM pgload_miss m WHERE kind = 5
	GROUP BY 1
	HAVING NOT EXISTS (SELECT 1 FROM operations o WHERE o.operation = m.a)
	ORDER BY 1
	ON CONFLICT DO NOTHING;

	INSERT INTO user_agents (hash, user_agent)
	SELECT md5(a)::uuid, a FROM pgload_miss m WHERE kind = 6
	GROUP BY 1, 2
	HAVING NOT EXISTS (SELECT 1 FROM user_agents u
	    WHERE u.hash = md5(m.a)::uuid)
	ON CONFLICT DO NOTHING;

	INSERT INTO endpoints (signature_version, cipher_suite, auth_type,
	    host_header, tls_version)
	SELECT a, b, c, d, e FROM pgload_miss m WHERE kind = 7
	EXCEPT
	SELECT signature_version, cipher_suite, auth_type, host_header,
	    tls_version FROM endpoints
	ON CONFLICT DO NOTHING;

	RETURN QUERY
	SELECT m.ord, b.bucket_id FROM pgload_miss m JOIN buckets b
	    ON b.bucket IS NOT DISTINCT FROM m.a
	    AND b.owner IS NOT DISTINCT FROM m.b
	WHERE m.kind = 1
	UNION ALL
	SELECT m.ord, o.object_id FROM pgload_miss m JOIN objects o
	    ON o.bucket = m.a AND o.key = m.b
	WHERE m.kind = 2
	UNION ALL
	SELECT m.ord, c.client_id FROM pgload_miss m JOIN clients c
	    ON c.ip = m.a::inet
	WHERE m.kind = 3
	UNION ALL
	SELECT m.ord, r.requester_id FROM pgload_miss m JOIN requesters r
	    ON r.requester = m.a
	WHERE m.kind = 4
	UNION ALL
	SELECT m.ord, o.operation_id FROM pgload_miss m JOIN operations o
	    ON o.operation = m.a
	WHERE m.kind = 5
	UNION ALL
	SELECT m.ord, u.user_agent_id FROM pgload_miss m JOIN user_agents u
	    ON u.hash = md5(m.a)::uuid
	WHERE m.kind = 6
	UNION ALL
	SELECT m.ord, e.endpoint_id FROM pgload_miss m JOIN endpoints e
	    ON e.signature_version IS NOT DISTINCT FROM m.a
	    AND e.cipher_suite IS NOT DISTINCT FROM m.b
	    AND e.auth_type IS NOT DISTINCT FROM m.c
	    AND e.host_header IS NOT DISTINCT FROM m.d
	    AND e.tls_version IS NOT DISTINCT FROM m.e
	WHERE m.kind = 7;
END
$$;

-- pgload_dict_wait(): pgload_dict() and the uri forms, retried after a
-- short sleep when a lock cannot be had within the session's lock_timeout
-- or the server breaks a deadlock with it.  pgload's dictionary connection
-- sets lock_timeout below deadlock_timeout, so that when it and a loader's
-- slow way (pgload_merge(), which inserts dictionary values in its batch's
-- transaction) wait for each other, the dictionary side gives way: its
-- subtransaction's inserts and locks are undone, the loader goes on, and
-- the dictionary side tries again.  The ids are returned by one query,
-- after every insert (pgload_dict() runs whole before its first row is
-- read): a retry never follows rows already returned.
CREATE FUNCTION pgload_dict_wait() RETURNS TABLE (ord int, id int)
LANGUAGE plpgsql AS $$
BEGIN
	LOOP
		BEGIN
			-- The misses of kind 8 (a prefix, b suffix).
			INSERT INTO uri_forms (prefix, suffix)
			SELECT m.a, m.b FROM pgload_miss m WHERE m.kind = 8
			EXCEPT
			SELECT f.prefix, f.suffix FROM uri_forms f
			ON CONFLICT DO NOTHING;
			RETURN QUERY SELECT d.ord, d.id FROM pgload_dict() d
			UNION ALL
			SELECT m.ord, f.uri_form_id FROM pgload_miss m
			JOIN uri_forms f ON f.prefix = m.a AND f.suffix = m.b
			WHERE m.kind = 8;
			RETURN;
		EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
			PERFORM pg_sleep(0.01 + random() * 0.05);
		END;
	END LOOP;
END
$$;

-- pgload_probed(): the ord of each pgload_probe row whose line is in logs.
-- One primary key lookup per row, whatever the planner thinks of a
-- temporary table it has no statistics for (a hash join would read all of
-- logs).
CREATE FUNCTION pgload_probed() RETURNS SETOF int
LANGUAGE plpgsql STABLE SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_seqscan = off AS $$
BEGIN
	RETURN QUERY SELECT p.ord FROM pgload_probe p
	WHERE EXISTS (SELECT 1 FROM logs l
	    WHERE l.time = p.time AND l.line_hash = p.line_hash);
END
$$;
