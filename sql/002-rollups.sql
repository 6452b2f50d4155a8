-- 002-rollups.sql: per-day rollups that pgload maintains in the same
-- transaction as each batch, from exactly the rows that batch inserted.
-- Report queries read these: their cost grows with days and files, not
-- with log lines.
--
-- Definitions (pgload(1) documents them too):
--   day        the UTC date of time;
--   download   operation REST.GET.OBJECT with http_status 200 (full) or
--              206 (partial);
--   error      http_status 400 or above;
--   bytes_sent the sum of bytes_sent over the rows counted: all requests
--              in daily_object, daily_total; downloads only elsewhere;
--   hll        a HyperLogLog set (postgresql-hll, default parameters):
--              exact up to a few hundred members, then about 2% error;
--              read with hll_cardinality(col), merge with hll_union_agg().

CREATE TABLE IF NOT EXISTS daily_object (
	day		date NOT NULL,
	object_id	int NOT NULL,
	requests	bigint NOT NULL DEFAULT 0,
	downloads	bigint NOT NULL DEFAULT 0,
	full_downloads	bigint NOT NULL DEFAULT 0,
	partial_downloads bigint NOT NULL DEFAULT 0,
	bytes_sent	bigint NOT NULL DEFAULT 0,
	errors		bigint NOT NULL DEFAULT 0,
	downloaders	hll NOT NULL DEFAULT hll_empty(),	-- clients
	PRIMARY KEY (day, object_id)
);
CREATE INDEX IF NOT EXISTS daily_object_object ON daily_object (object_id, day);

-- Downloads only; requester_id 0 is anonymous.
CREATE TABLE IF NOT EXISTS daily_object_client (
	day		date NOT NULL,
	object_id	int NOT NULL,
	client_id	int NOT NULL,
	requester_id	int NOT NULL,
	downloads	bigint NOT NULL DEFAULT 0,
	bytes_sent	bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (day, object_id, client_id, requester_id)
);

-- Downloads only.
CREATE TABLE IF NOT EXISTS daily_client (
	day		date NOT NULL,
	client_id	int NOT NULL,
	downloads	bigint NOT NULL DEFAULT 0,
	bytes_sent	bigint NOT NULL DEFAULT 0,
	objects		hll NOT NULL DEFAULT hll_empty(),
	PRIMARY KEY (day, client_id)
);

-- Downloads only.
CREATE TABLE IF NOT EXISTS daily_requester (
	day		date NOT NULL,
	requester_id	int NOT NULL,
	downloads	bigint NOT NULL DEFAULT 0,
	bytes_sent	bigint NOT NULL DEFAULT 0,
	clients		hll NOT NULL DEFAULT hll_empty(),
	objects		hll NOT NULL DEFAULT hll_empty(),
	PRIMARY KEY (day, requester_id)
);

-- requests, errors and bytes_sent over all requests; the hll columns over
-- downloads: downloaders (clients), objects, requesters (0 = anonymous)
-- and object_downloaders, the distinct (object, client) pairs, i.e.
-- "unique downloads".
CREATE TABLE IF NOT EXISTS daily_total (
	day		date PRIMARY KEY,
	requests	bigint NOT NULL DEFAULT 0,
	downloads	bigint NOT NULL DEFAULT 0,
	full_downloads	bigint NOT NULL DEFAULT 0,
	partial_downloads bigint NOT NULL DEFAULT 0,
	bytes_sent	bigint NOT NULL DEFAULT 0,
	errors		bigint NOT NULL DEFAULT 0,
	downloaders	hll NOT NULL DEFAULT hll_empty(),
	objects		hll NOT NULL DEFAULT hll_empty(),
	requesters	hll NOT NULL DEFAULT hll_empty(),
	object_downloaders hll NOT NULL DEFAULT hll_empty()
);

-- Requests with http_status >= 400 or an error code; "-" stands for a
-- missing operation or error_code and 0 for a missing status.
CREATE TABLE IF NOT EXISTS daily_error (
	day		date NOT NULL,
	operation	text NOT NULL,
	http_status	smallint NOT NULL,
	error_code	text NOT NULL,
	requests	bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (day, operation, http_status, error_code)
);
