-- 029-report-key-renew.sql: deleting report_key's row makes a new key.
--
-- report(1) says that deleting the row of report_key gives a new key (and
-- so new pseudonyms), but the key was made only by sql/020-report.sql,
-- once: with the row gone, report failed ("no key row") until someone
-- inserted one by hand.  A trigger now makes the new key in the same
-- transaction as the DELETE (or TRUNCATE), the way 020 makes the first,
-- and a database that lost its row already gets one here.
CREATE OR REPLACE FUNCTION report_key_renew() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO report_key (id, key)
		SELECT 1, decode(replace(gen_random_uuid()::text ||
		    gen_random_uuid()::text, '-', ''), 'hex')
		ON CONFLICT (id) DO NOTHING;
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER report_key_renew AFTER DELETE ON report_key
	FOR EACH STATEMENT EXECUTE FUNCTION report_key_renew();
CREATE OR REPLACE TRIGGER report_key_renew_truncate AFTER TRUNCATE ON report_key
	FOR EACH STATEMENT EXECUTE FUNCTION report_key_renew();

INSERT INTO report_key (id, key)
	SELECT 1, decode(replace(gen_random_uuid()::text ||
	    gen_random_uuid()::text, '-', ''), 'hex')
	ON CONFLICT (id) DO NOTHING;
