-- 021-report-pairs.sql: who downloaded what, over all days, for report(1).

-- report_pairs: daily_object_client summed over all days, i.e. who
-- downloaded what.  The file, downloader and requester pages list the top
-- rows of this table through its (x, downloads DESC) indexes, so their cost
-- is bounded by the number of pages times the rows shown, not by the
-- number of days or log lines (summing daily_object_client at report time
-- would read about one row per download).
--
-- It is kept up to date by statement triggers on daily_object_client, in
-- the transaction of each pgload batch, from the batch's transition tables:
-- a batch costs in proportion to its own rows.
CREATE TABLE IF NOT EXISTS report_pairs (
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
CREATE INDEX IF NOT EXISTS report_pairs_object
    ON report_pairs (object_id, downloads DESC, client_id, requester_id)
    INCLUDE (bytes_sent);
CREATE INDEX IF NOT EXISTS report_pairs_client
    ON report_pairs (client_id, downloads DESC, object_id, requester_id)
    INCLUDE (bytes_sent);
CREATE INDEX IF NOT EXISTS report_pairs_requester
    ON report_pairs (requester_id, downloads DESC, object_id, client_id)
    INCLUDE (bytes_sent);

CREATE OR REPLACE FUNCTION report_pairs_ins() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO report_pairs AS p
	SELECT object_id, client_id, requester_id, sum(downloads),
	    sum(bytes_sent)
	FROM report_new GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
	ON CONFLICT (object_id, client_id, requester_id) DO UPDATE SET
	    downloads = p.downloads + excluded.downloads,
	    bytes_sent = p.bytes_sent + excluded.bytes_sent;
	RETURN NULL;
END
$$;

-- An update of a daily row adds the difference (pgload's upserts only add).
CREATE OR REPLACE FUNCTION report_pairs_upd() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO report_pairs AS p
	SELECT n.object_id, n.client_id, n.requester_id,
	    sum(n.downloads - o.downloads), sum(n.bytes_sent - o.bytes_sent)
	FROM report_new n JOIN report_old o USING (day, object_id, client_id,
	    requester_id)
	GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
	ON CONFLICT (object_id, client_id, requester_id) DO UPDATE SET
	    downloads = p.downloads + excluded.downloads,
	    bytes_sent = p.bytes_sent + excluded.bytes_sent;
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION report_pairs_del() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE report_pairs p SET downloads = p.downloads - d.downloads,
	    bytes_sent = p.bytes_sent - d.bytes_sent
	FROM (SELECT object_id, client_id, requester_id,
	    sum(downloads) AS downloads, sum(bytes_sent) AS bytes_sent
	    FROM report_old GROUP BY 1, 2, 3) d
	WHERE (p.object_id, p.client_id, p.requester_id) =
	    (d.object_id, d.client_id, d.requester_id);
	DELETE FROM report_pairs WHERE downloads <= 0;
	RETURN NULL;
END
$$;

-- Created and backfilled under pgload's migration lock, so no batch can
-- slip between the backfill and the triggers.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger
	    WHERE tgname = 'report_pairs_ins') THEN
		INSERT INTO report_pairs
		SELECT object_id, client_id, requester_id, sum(downloads),
		    sum(bytes_sent)
		FROM daily_object_client GROUP BY 1, 2, 3
		ON CONFLICT DO NOTHING;
		CREATE TRIGGER report_pairs_ins AFTER INSERT ON daily_object_client
		    REFERENCING NEW TABLE AS report_new
		    FOR EACH STATEMENT EXECUTE FUNCTION report_pairs_ins();
		CREATE TRIGGER report_pairs_upd AFTER UPDATE ON daily_object_client
		    REFERENCING OLD TABLE AS report_old NEW TABLE AS report_new
		    FOR EACH STATEMENT EXECUTE FUNCTION report_pairs_upd();
		CREATE TRIGGER report_pairs_del AFTER DELETE ON daily_object_client
		    REFERENCING OLD TABLE AS report_old
		    FOR EACH STATEMENT EXECUTE FUNCTION report_pairs_del();
	END IF;
END
$$;
