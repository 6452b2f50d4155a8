-- 005-fastload.sql: the server side of pgload's fast path.  pgload parses
-- each batch itself, keeps the dictionary ids it has seen in memory and
-- adds up the rollups per key, so that a batch is
--
--	BEGIN; SAVEPOINT fast;
--	SELECT pgload_begin(months);		-- lock, partitions
--	COPY pgload_miss; SELECT * FROM pgload_dict();	-- ids it lacks
--	COPY logs (...) FROM STDIN (FORMAT binary);	-- the narrow rows
--	COPY pgload_obj, pgload_dl, pgload_day, pgload_err, pgload_osize;
--	SELECT pgload_rollup();
--	COMMIT
--
-- The plain COPY into logs has no ON CONFLICT: if a line is already stored
-- (a rerun), it fails with unique_violation, pgload rolls back to the
-- savepoint and loads the batch the slow way of 003-load.sql instead.

-- pgload_fast_prepare(): this session's temporary tables (in memory, no
-- WAL, emptied at every commit).  Dictionary values and error codes come
-- as COPY text exactly as logparse wrote them.
CREATE OR REPLACE FUNCTION pgload_fast_prepare() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	-- Dictionary values pgload has no id for; ord is its own number.
	-- kind: 1 bucket (a bucket, b owner), 2 object (a bucket, b key),
	-- 3 client (a ip), 4 requester, 5 operation, 6 user agent.
	CREATE TEMP TABLE IF NOT EXISTS pgload_miss (
		kind int, ord int, a text, b text
	) ON COMMIT DELETE ROWS;
	-- Per (day, object): all requests.
	CREATE TEMP TABLE IF NOT EXISTS pgload_obj (
		day date, object_id int, requests bigint, downloads bigint,
		full_downloads bigint, partial_downloads bigint,
		bytes_sent bigint, errors bigint
	) ON COMMIT DELETE ROWS;
	-- Per (day, object, client, requester): downloads only; NULL object
	-- or client as in logs, requester 0 for anonymous.
	CREATE TEMP TABLE IF NOT EXISTS pgload_dl (
		day date, object_id int, client_id int, requester_id int,
		downloads bigint, bytes_sent bigint
	) ON COMMIT DELETE ROWS;
	-- Per day: all requests.
	CREATE TEMP TABLE IF NOT EXISTS pgload_day (
		day date, requests bigint, downloads bigint,
		full_downloads bigint, partial_downloads bigint,
		bytes_sent bigint, errors bigint
	) ON COMMIT DELETE ROWS;
	CREATE TEMP TABLE IF NOT EXISTS pgload_err (
		day date, operation text, http_status smallint,
		error_code text, requests bigint
	) ON COMMIT DELETE ROWS;
	-- The largest object_size of each object in the batch.
	CREATE TEMP TABLE IF NOT EXISTS pgload_osize (
		object_id int, size bigint
	) ON COMMIT DELETE ROWS;
END
$$;

-- pgload_begin(MONTHS): take the loaders' lock for this transaction (as
-- pgload_merge() does) and create the partitions for MONTHS.
CREATE OR REPLACE FUNCTION pgload_begin(months date[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(1395803215, 2);
	PERFORM logs_partition(m) FROM unnest(months) m
	WHERE to_regclass('logs_' || to_char(m, 'YYYYMM')) IS NULL;
END
$$;

-- pgload_dict(): add the dictionary values of pgload_miss that are new
-- (in key order, so identity values are not burnt on conflicts) and
-- return the id of every pgload_miss row.  Call after pgload_begin().
CREATE OR REPLACE FUNCTION pgload_dict() RETURNS TABLE (ord int, id int)
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
	WHERE m.kind = 6;
END
$$;

-- pgload_rollup(): add the batch's aggregates to the rollups, each upsert
-- in primary key order (as pgload_merge() does).  pgload_obj, pgload_day
-- and pgload_dl hold one row per key (pgload adds up by id); pgload_err
-- is grouped again, since two COPY spellings of one text are two pgload
-- keys.  The hll columns are built from pgload_dl, one row per distinct
-- (day, object, client, requester) downloaded: a HyperLogLog of a set is
-- the same however often each member is added, so they equal those
-- pgload_merge() builds from every row.  Hash aggregation is off: with
-- one hll state per group in memory it spills to disk, while sorted
-- groups need one state at a time.
CREATE OR REPLACE FUNCTION pgload_rollup() RETURNS void
LANGUAGE plpgsql SET enable_hashagg = off AS $$
BEGIN
	UPDATE objects o SET size = s.size
	FROM (SELECT object_id, max(size) AS size FROM pgload_osize
	    GROUP BY 1) s
	WHERE o.object_id = s.object_id AND o.size IS DISTINCT FROM s.size;

	INSERT INTO daily_object AS d (day, object_id, requests, downloads,
	    full_downloads, partial_downloads, bytes_sent, errors, downloaders)
	SELECT a.day, a.object_id, a.requests, a.downloads, a.full_downloads,
	    a.partial_downloads, a.bytes_sent, a.errors,
	    coalesce(h.downloaders, hll_empty())
	FROM pgload_obj a
	LEFT JOIN (SELECT day, object_id,
		hll_add_agg(hll_hash_integer(client_id)) AS downloaders
	    FROM pgload_dl
	    WHERE object_id IS NOT NULL AND client_id IS NOT NULL
	    GROUP BY 1, 2) h USING (day, object_id)
	ORDER BY 1, 2
	ON CONFLICT (day, object_id) DO UPDATE SET
	    requests = d.requests + excluded.requests,
	    downloads = d.downloads + excluded.downloads,
	    full_downloads = d.full_downloads + excluded.full_downloads,
	    partial_downloads = d.partial_downloads + excluded.partial_downloads,
	    bytes_sent = d.bytes_sent + excluded.bytes_sent,
	    errors = d.errors + excluded.errors,
	    downloaders = hll_union(d.downloaders, excluded.downloaders);

	-- An upsert, so that the triggers of 021-report-pairs.sql fire.
	INSERT INTO daily_object_client AS d (day, object_id, client_id,
	    requester_id, downloads, bytes_sent)
	SELECT day, object_id, client_id, requester_id, downloads, bytes_sent
	FROM pgload_dl
	WHERE object_id IS NOT NULL AND client_id IS NOT NULL
	ORDER BY 1, 2, 3, 4
	ON CONFLICT (day, object_id, client_id, requester_id) DO UPDATE SET
	    downloads = d.downloads + excluded.downloads,
	    bytes_sent = d.bytes_sent + excluded.bytes_sent;

	INSERT INTO daily_client AS d (day, client_id, downloads, bytes_sent,
	    objects)
	SELECT day, client_id, sum(downloads), sum(bytes_sent),
	    coalesce(hll_add_agg(hll_hash_integer(object_id))
	        FILTER (WHERE object_id IS NOT NULL), hll_empty())
	FROM pgload_dl WHERE client_id IS NOT NULL
	GROUP BY 1, 2 ORDER BY 1, 2
	ON CONFLICT (day, client_id) DO UPDATE SET
	    downloads = d.downloads + excluded.downloads,
	    bytes_sent = d.bytes_sent + excluded.bytes_sent,
	    objects = hll_union(d.objects, excluded.objects);

	INSERT INTO daily_requester AS d (day, requester_id, downloads,
	    bytes_sent, clients, objects)
	SELECT day, requester_id, sum(downloads), sum(bytes_sent),
	    coalesce(hll_add_agg(hll_hash_integer(client_id))
	        FILTER (WHERE client_id IS NOT NULL), hll_empty()),
	    coalesce(hll_add_agg(hll_hash_integer(object_id))
	        FILTER (WHERE object_id IS NOT NULL), hll_empty())
	FROM pgload_dl
	GROUP BY 1, 2 ORDER BY 1, 2
	ON CONFLICT (day, requester_id) DO UPDATE SET
	    downloads = d.downloads + excluded.downloads,
	    bytes_sent = d.bytes_sent + excluded.bytes_sent,
	    clients = hll_union(d.clients, excluded.clients),
	    objects = hll_union(d.objects, excluded.objects);

	INSERT INTO daily_total AS d (day, requests, downloads, full_downloads,
	    partial_downloads, bytes_sent, errors, downloaders, objects,
	    requesters, object_downloaders)
	SELECT a.day, a.requests, a.downloads, a.full_downloads,
	    a.partial_downloads, a.bytes_sent, a.errors,
	    coalesce(h.downloaders, hll_empty()),
	    coalesce(h.objects, hll_empty()),
	    coalesce(h.requesters, hll_empty()),
	    coalesce(h.object_downloaders, hll_empty())
	FROM pgload_day a
	LEFT JOIN (SELECT day,
		hll_add_agg(hll_hash_integer(client_id))
		    FILTER (WHERE client_id IS NOT NULL) AS downloaders,
		hll_add_agg(hll_hash_integer(object_id))
		    FILTER (WHERE object_id IS NOT NULL) AS objects,
		hll_add_agg(hll_hash_integer(requester_id)) AS requesters,
		hll_add_agg(hll_hash_bigint(
		    (object_id::bigint << 32) | client_id::bigint))
		    FILTER (WHERE object_id IS NOT NULL
		    AND client_id IS NOT NULL) AS object_downloaders
	    FROM pgload_dl GROUP BY 1) h USING (day)
	ORDER BY 1
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
	SELECT day, operation, http_status, error_code, sum(requests)
	FROM pgload_err
	GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
	ON CONFLICT (day, operation, http_status, error_code) DO UPDATE SET
	    requests = d.requests + excluded.requests;
END
$$;
