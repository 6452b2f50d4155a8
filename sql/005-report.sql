-- 005-report.sql: what report(1) keeps in the database: the key of its
-- downloader pseudonyms, and who downloaded what over all days, with the
-- exact all-time counts its home page shows.
--
-- report_key holds the secret key of the downloader pseudonyms
-- (HMAC-SHA256 of the client address, see report(1) PRIVACY).  It lives in
-- the database so that every run, from any machine, gives a downloader the
-- same name and the same page; it is generated here, from
-- gen_random_uuid() (PostgreSQL's strong random source: 244 random bits
-- from two v4 UUIDs).  Whoever can read this table can test guesses of
-- addresses against pseudonyms: grant it like the logs themselves.
-- Deleting the row (or TRUNCATE) makes a new key in the same transaction:
-- all pseudonyms change.
CREATE TABLE report_key (
	id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
	key bytea NOT NULL CHECK (length(key) >= 16),
	created timestamptz NOT NULL DEFAULT now()
);

-- report_key_renew(): insert a new random key if the row is gone.
CREATE FUNCTION report_key_renew() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO report_key (id, key)
		SELECT 1, decode(replace(gen_random_uuid()::text ||
		    gen_random_uuid()::text, '-', ''), 'hex')
		ON CONFLICT (id) DO NOTHING;
	RETURN NULL;
END
$$;

CREATE TRIGGER report_key_renew AFTER DELETE ON report_key
	FOR EACH STATEMENT EXECUTE FUNCTION report_key_renew();
CREATE TRIGGER report_key_renew_truncate AFTER TRUNCATE ON report_key
	FOR EACH STATEMENT EXECUTE FUNCTION report_key_renew();

INSERT INTO report_key (id, key)
	SELECT 1, decode(replace(gen_random_uuid()::text ||
	    gen_random_uuid()::text, '-', ''), 'hex');

-- report_pairs: the downloads of each (file, downloader, requester) summed
-- over all days, i.e. who downloaded what.  The file, downloader and
-- requester pages list the top rows of this table through its (x,
-- downloads DESC) indexes, so their cost is bounded by the number of pages
-- times the rows shown, not by the number of days or log lines.  Those
-- three indexes change with every count, which would cost a load more than
-- all the rollups: report_pairs_fold() adds the pairs pgload queued
-- (report_pairs_queue, 002-rollups.sql) once per report run instead.
CREATE TABLE report_pairs (
	object_id	int NOT NULL,
	client_id	int NOT NULL,
	requester_id	int NOT NULL,
	downloads	bigint NOT NULL,
	bytes_sent	bigint NOT NULL,
	PRIMARY KEY (object_id, client_id, requester_id)
);
-- The index order is total (ties broken by the other ids), so a LIMIT
-- reads only the rows it returns and pages list ties in a stable order;
-- with bytes_sent included, the scans are index-only once vacuumed.
CREATE INDEX report_pairs_object
    ON report_pairs (object_id, downloads DESC, client_id, requester_id)
    INCLUDE (bytes_sent);
CREATE INDEX report_pairs_client
    ON report_pairs (client_id, downloads DESC, object_id, requester_id)
    INCLUDE (bytes_sent);
CREATE INDEX report_pairs_requester
    ON report_pairs (requester_id, downloads DESC, object_id, client_id)
    INCLUDE (bytes_sent);

-- The exact all-time sums and distinct counts, per file, per downloader
-- and per requester, kept by report_pairs_fold(), which sees each
-- distinct pair of report_pairs the first time it appears.  The home page
-- reads a handful of rows through the rank indexes, whatever the number of
-- log rows or days.
--
-- report_obj, report_cli: downloads and bytes_sent of downloads, over all
-- days; downloaders (report_obj) and objects (report_cli): the distinct
-- pairs of report_pairs.  report_req_client, report_req_obj: the distinct
-- (requester, downloader) and (requester, file) pairs, of which report_req
-- keeps the counts.
CREATE TABLE report_obj (
	object_id	int PRIMARY KEY,
	downloads	bigint NOT NULL,
	bytes_sent	bigint NOT NULL,
	downloaders	bigint NOT NULL
);
CREATE INDEX report_obj_rank
    ON report_obj (downloads DESC, object_id) INCLUDE (bytes_sent, downloaders);

CREATE TABLE report_cli (
	client_id	int PRIMARY KEY,
	downloads	bigint NOT NULL,
	bytes_sent	bigint NOT NULL,
	objects		bigint NOT NULL
);
CREATE INDEX report_cli_rank
    ON report_cli (downloads DESC, client_id) INCLUDE (bytes_sent, objects);

CREATE TABLE report_req_client (
	requester_id	int NOT NULL,
	client_id	int NOT NULL,
	PRIMARY KEY (requester_id, client_id)
);
CREATE TABLE report_req_obj (
	requester_id	int NOT NULL,
	object_id	int NOT NULL,
	PRIMARY KEY (requester_id, object_id)
);
CREATE TABLE report_req (
	requester_id	int PRIMARY KEY,
	clients		bigint NOT NULL,
	objects		bigint NOT NULL
);

-- report_pairs_fold(): add the committed batches' rows of
-- report_pairs_queue to report_pairs and the tables above, in key order,
-- and remove them, and those of aborted batches (as pgload_fold() does);
-- returns the number of queue rows folded.  report(1) calls it first;
-- folders take turns (s3logs_lock(4)).  All parts of the statement see
-- report_pairs as it was before it, so a (file, downloader) pair is new
-- when no row of report_pairs had it (the primary key's prefix answers
-- that), counted once however many of the batch's requesters it comes
-- with.
CREATE FUNCTION report_pairs_fold() RETURNS bigint
LANGUAGE plpgsql SET work_mem = '64MB' AS $$
DECLARE
	n bigint;
BEGIN
	PERFORM s3logs_lock(4);
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
