-- report-gen.sql: one batch of synthetic access-log rows for
-- bench/report.sh, generated in SQL and loaded through pgload's own path
-- (pgload_staging + pgload_merge(), sql/003-load.sql), because parsing and
-- loading 10M generated lines through genlogs | logparse | pgload takes
-- far longer on two shared cores than the report being measured.
--
-- psql variables: batch (0, 1, ...), batches (how many in all), rows
-- (rows in this batch).  Batch b holds the b-th of batches equal spans of
-- the 30 days, as a nightly load holds the newest logs: S3 writes them
-- roughly in time order, and the fold inserts the new days' rollup rows
-- rather than updating old ones (sql/002-rollups.sql).
-- The shape follows bench/genlogs.py: 30 days from 2024-01-01, 2000 keys
-- with Zipf-like popularity (density 1/(k+1)), 5000 clients (density
-- (c+1)^-0.7, 5% IPv6), 90% GET (70% 200, 20% 206, 10% 404/403), 10% HEAD,
-- 5% signed requesters (20 identities).  The universe of days, keys and
-- clients is the same for every size: only the number of rows grows.
SELECT pgload_prepare();
BEGIN;
INSERT INTO pgload_staging (line_hash, bucket_owner, bucket, time,
    remote_ip, requester, request_id, operation, key, request_uri,
    http_status, error_code, bytes_sent, object_size, total_time,
    turnaround_time, referer, user_agent)
SELECT md5(:batch || '/' || i)::uuid, 'owner', 'encode-public',
    timestamptz '2024-01-01 00:00:00+00' +
	(:batch + r1) / :batches * interval '30 days',
    CASE WHEN c % 20 = 7
	THEN ('2001:db8::'::inet + (c * 2654435761::bigint % 4294967296))
	ELSE ('0.0.0.0'::inet + (c * 2654435761::bigint % 4294967296)) END,
    CASE WHEN r2 < 0.05 THEN 'arn:aws:iam::123456789012:user/u' || (c % 20) END,
    'R' || i, CASE WHEN r3 < 0.9 THEN 'REST.GET.OBJECT' ELSE 'REST.HEAD.OBJECT' END,
    format('2020/01/01/%s/ENCFF%s.bam', md5(k::text)::uuid, lpad(k::text, 6, '0')),
    'GET / HTTP/1.1',
    CASE WHEN r4 < 0.7 THEN 200 WHEN r4 < 0.9 THEN 206 WHEN r4 < 0.95 THEN 404 ELSE 403 END,
    NULL, 1000 + k * 7919, 1000000 + k * 7919, 100, 50, NULL, 'curl/7.68.0'
FROM (
	SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
	    floor(exp(random() * ln(2001)))::int - 1 AS k,
	    floor(power((power(5001, 0.3) - 1) * random() + 1, 1 / 0.3))::int - 1 AS c
	FROM generate_series(1, :rows) AS i
) g;
SELECT pgload_merge();
COMMIT;
