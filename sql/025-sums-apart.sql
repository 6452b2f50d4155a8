-- The queue's rows of a fast batch are written by pgload's summer thread
-- on a connection of its own, in a transaction of their own committed just
-- before the batch's: the loader's connection then only COPYs the batch's
-- rows into logs, and the sums travel at the same time on another core.
-- The rows carry the batch's transaction id (queue column batch), and a
-- fold takes only those of committed batches:
--
--   committed    folded (and removed), as before;
--   in progress  left for a later fold (the batch may still fail);
--   aborted      removed unfolded: the batch's rows never reached logs
--                (pgload killed, the server gone, the batch rolled back);
--   unknown      (pg_xact_status() NULL: older than the server's commit
--                log keeps, which no queue row lives to be, since every
--                pgload and report folds) removed unfolded as well.
--
-- A fast batch that fails after its sums were committed goes the slow way:
-- pgload_unqueue(pg_current_xact_id()) first removes the batch's queued
-- rows, in the batch's transaction, and pgload_merge() queues the sums of
-- the rows it inserts.

ALTER TABLE report_pairs_queue
    ADD COLUMN IF NOT EXISTS batch xid8 NOT NULL DEFAULT pg_current_xact_id();

-- The rows queued for batch b, removed unfolded (a failed batch's, or the
-- summer's of a batch that goes the slow way).
CREATE OR REPLACE FUNCTION pgload_unqueue(b xid8) RETURNS void
LANGUAGE sql AS $$
	DELETE FROM pgload_queue_obj WHERE batch = b;
	DELETE FROM pgload_queue_client WHERE batch = b;
	DELETE FROM pgload_queue_requester WHERE batch = b;
	DELETE FROM pgload_queue_day WHERE batch = b;
	DELETE FROM pgload_queue_err WHERE batch = b;
	DELETE FROM pgload_queue_osize WHERE batch = b;
	DELETE FROM report_pairs_queue WHERE batch = b;
$$;

-- Batch b's queued sums into the rollups, in one statement; the number of
-- queue rows it took.  Rows another transaction removed meanwhile (a
-- failed batch's pgload_unqueue(b)) are not returned by DELETE, so never
-- folded.
CREATE OR REPLACE FUNCTION pgload_fold_batch(b xid8) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	m bigint;
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
	RETURN m;
END
$$;

CREATE OR REPLACE FUNCTION pgload_fold() RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
	b xid8;
	n bigint := 0;
	st text;
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

CREATE OR REPLACE FUNCTION report_pairs_fold() RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
	n bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(1395803215, 4);
	DELETE FROM report_pairs_queue
	WHERE coalesce(pg_xact_status(batch), 'aborted') = 'aborted';
	WITH q AS (DELETE FROM report_pairs_queue
		WHERE pg_xact_status(batch) = 'committed' RETURNING *),
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
