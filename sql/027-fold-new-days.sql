-- 027-fold-new-days.sql: a batch's sums of days the rollups do not have
-- yet are inserted, not upserted.
--
-- Logs arrive roughly in time order, so most of a batch's (day, object)
-- and (day, client) keys are of days newer than any in daily_object and
-- daily_client: only the day a batch shares with the one before it can
-- meet an existing row.  INSERT ... ON CONFLICT pays for a speculative
-- insertion on every row (the index probed first, the tuple inserted, the
-- insertion confirmed); a plain INSERT is about half of that (139,413
-- daily_client rows: 0.78 s upserted, 0.36 s inserted; 72,075
-- daily_object rows, with its second index: 0.50 s, 0.34 s).
--
-- Safe because the folders take turns (pgload_fold()'s advisory lock) and
-- nothing else writes these rollups: under the lock no row of a day later
-- than max(day) can appear, and a batch's keys are unique within it.  Were
-- that ever broken, the primary key would make the fold fail, never count
-- twice.

CREATE OR REPLACE FUNCTION pgload_fold_batch(b xid8) RETURNS bigint
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
