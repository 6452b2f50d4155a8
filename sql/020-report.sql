-- 020-report.sql: what report(1) keeps in the database.

-- report_key holds the secret key of the downloader pseudonyms
-- (HMAC-SHA256 of the client address, see report(1) PRIVACY).  It lives in
-- the database so that every run, from any machine, gives a downloader the
-- same name and the same page; it is generated once, here, from
-- gen_random_uuid() (PostgreSQL's strong random source: 244 random bits
-- from two v4 UUIDs).  Whoever can read this table can test guesses of
-- addresses against pseudonyms: grant it like the logs themselves.
-- Deleting the row and migrating again makes a new key (all pseudonyms
-- change).
CREATE TABLE IF NOT EXISTS report_key (
	id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
	key bytea NOT NULL CHECK (length(key) >= 16),
	created timestamptz NOT NULL DEFAULT now()
);
INSERT INTO report_key (id, key)
	SELECT 1, decode(replace(gen_random_uuid()::text ||
	    gen_random_uuid()::text, '-', ''), 'hex')
	ON CONFLICT (id) DO NOTHING;
