-- 030-report-exact.sql: exact all-time counts for report(1), kept by the
-- fold of report_pairs.
--
-- The all-time tiles and tables counted distinct downloaders, files and
-- (file, downloader) pairs with HyperLogLog: about 2% off, so that a
-- home page could show more unique downloads than downloads.  The
-- distinct (file, downloader, requester) rows of report_pairs hold the
-- exact answers, and report_pairs_fold() sees each one the first time it
-- appears: it now keeps, per file, per downloader and per requester, the
-- all-time sums and the exact distinct counts, in tables of one row per
-- file, downloader and requester.  The home page then reads a handful of
-- rows through the rank indexes below, whatever the number of log rows
-- or days, instead of summing the per-day rollups.
--
-- report_obj, report_cli: downloads and bytes_sent of downloads, over all
-- days; downloaders (report_obj) and objects (report_cli): the distinct
-- pairs of report_pairs.  report_req_client, report_req_obj: the distinct
-- (requester, downloader) and (requester, file) pairs, of which report_req
-- keeps the counts.

CREATE TABLE IF NOT EXISTS report_obj (
	object_id	int PRIMARY KEY,
	downloads	bigint NOT NULL,
	bytes_sent	bigint NOT NULL,
	downloaders	bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS report_obj_rank
    ON report_obj (downloads DESC, object_id) INCLUDE (bytes_sent, downloaders);

CREATE TABLE IF NOT EXISTS report_cli (
	client_id	int PRIMARY KEY,
	downloads	bigint NOT NULL,
	bytes_sent	bigint NOT NULL,
	objects		bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS report_cli_rank
    ON report_cli (downloads DESC, client_id) INCLUDE (bytes_sent, objects);

CREATE TABLE IF NOT EXISTS report_req_client (
	requester_id	int NOT NULL,
	client_id	int NOT NULL,
	PRIMARY KEY (requester_id, client_id)
);
CREATE TABLE IF NOT EXISTS report_req_obj (
	requester_id	int NOT NULL,
	object_id	int NOT NULL,
	PRIMARY KEY (requester_id, object_id)
);
CREATE TABLE IF NOT EXISTS report_req (
	requester_id	int PRIMARY KEY,
	clients		bigint NOT NULL,
	objects		bigint NOT NULL
);

-- What report_pairs holds already (applied once, under pgload's
-- migration lock; queued pairs are added by the fold below).
INSERT INTO report_obj
SELECT object_id, sum(downloads), sum(bytes_sent), count(DISTINCT client_id)
FROM report_pairs GROUP BY 1 ON CONFLICT DO NOTHING;
INSERT INTO report_cli
SELECT client_id, sum(downloads), sum(bytes_sent), count(DISTINCT object_id)
FROM report_pairs GROUP BY 1 ON CONFLICT DO NOTHING;
INSERT INTO report_req_client
SELECT DISTINCT requester_id, client_id FROM report_pairs ON CONFLICT DO NOTHING;
INSERT INTO report_req_obj
SELECT DISTINCT requester_id, object_id FROM report_pairs ON CONFLICT DO NOTHING;
INSERT INTO report_req
SELECT requester_id, (SELECT count(*) FROM report_req_client c
	WHERE c.requester_id = r.requester_id),
    (SELECT count(*) FROM report_req_obj o WHERE o.requester_id = r.requester_id)
FROM (SELECT DISTINCT requester_id FROM report_req_client) r
ON CONFLICT DO NOTHING;

-- report_pairs_fold() of 025-sums-apart.sql, keeping the tables above.
-- All parts of the statement see report_pairs as it was before it, so a
-- (file, downloader) pair is new when no row of report_pairs had it (the
-- primary key's prefix answers that), counted once however many of the
-- batch's requesters it comes with.
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
	u AS (SELECT q.object_id, x.client_id, x.requester_id,
		sum(x.downloads) AS downloads, sum(x.bytes_sent) AS bytes_sent
	    FROM q, unnest(q.client_ids, q.requester_ids, q.downloads,
		q.bytes_sent) AS x (client_id, requester_id, downloads,
		bytes_sent)
	    GROUP BY 1, 2, 3),
	newoc AS (SELECT DISTINCT u.object_id, u.client_id FROM u
	    WHERE NOT EXISTS (SELECT 1 FROM report_pairs p
		WHERE p.object_id = u.object_id AND p.client_id = u.client_id)),
	ins AS (INSERT INTO report_pairs AS p
	    SELECT object_id, client_id, requester_id, downloads, bytes_sent
	    FROM u ORDER BY 1, 2, 3
	    ON CONFLICT (object_id, client_id, requester_id) DO UPDATE SET
		downloads = p.downloads + excluded.downloads,
		bytes_sent = p.bytes_sent + excluded.bytes_sent),
	obj AS (INSERT INTO report_obj AS r
	    SELECT a.object_id, a.dl, a.b, coalesce(k.n, 0)
	    FROM (SELECT object_id, sum(downloads) AS dl, sum(bytes_sent) AS b
		FROM u GROUP BY 1) a
	    LEFT JOIN (SELECT object_id, count(*) AS n FROM newoc GROUP BY 1) k
		USING (object_id)
	    ORDER BY 1
	    ON CONFLICT (object_id) DO UPDATE SET
		downloads = r.downloads + excluded.downloads,
		bytes_sent = r.bytes_sent + excluded.bytes_sent,
		downloaders = r.downloaders + excluded.downloaders),
	cli AS (INSERT INTO report_cli AS r
	    SELECT a.client_id, a.dl, a.b, coalesce(k.n, 0)
	    FROM (SELECT client_id, sum(downloads) AS dl, sum(bytes_sent) AS b
		FROM u GROUP BY 1) a
	    LEFT JOIN (SELECT client_id, count(*) AS n FROM newoc GROUP BY 1) k
		USING (client_id)
	    ORDER BY 1
	    ON CONFLICT (client_id) DO UPDATE SET
		downloads = r.downloads + excluded.downloads,
		bytes_sent = r.bytes_sent + excluded.bytes_sent,
		objects = r.objects + excluded.objects),
	rc AS (INSERT INTO report_req_client
	    SELECT DISTINCT requester_id, client_id FROM u ORDER BY 1, 2
	    ON CONFLICT DO NOTHING RETURNING requester_id),
	ro AS (INSERT INTO report_req_obj
	    SELECT DISTINCT requester_id, object_id FROM u ORDER BY 1, 2
	    ON CONFLICT DO NOTHING RETURNING requester_id),
	req AS (INSERT INTO report_req AS r
	    SELECT coalesce(c.requester_id, o.requester_id), coalesce(c.n, 0),
		coalesce(o.n, 0)
	    FROM (SELECT requester_id, count(*) AS n FROM rc GROUP BY 1) c
	    FULL JOIN (SELECT requester_id, count(*) AS n FROM ro GROUP BY 1) o
		USING (requester_id)
	    ON CONFLICT (requester_id) DO UPDATE SET
		clients = r.clients + excluded.clients,
		objects = r.objects + excluded.objects)
	SELECT count(*) INTO n FROM q;
	RETURN n;
END
$$;
