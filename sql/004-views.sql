-- 004-views.sql: views for the common questions, over the rollups (so
-- they cost in proportion to days and files, not to log lines).
-- Distinct counts are HyperLogLog estimates rounded to integers: exact up
-- to a few hundred, then within about 2%.

-- Downloads of each object per day.
CREATE OR REPLACE VIEW downloads_per_file_day AS
SELECT d.day, o.bucket, o.key, o.object_id, d.downloads, d.full_downloads,
    d.partial_downloads, d.bytes_sent,
    round(hll_cardinality(d.downloaders))::bigint AS downloaders
FROM daily_object d JOIN objects o USING (object_id)
WHERE d.downloads > 0;

-- Downloads of each object over all time, most downloaded first.
CREATE OR REPLACE VIEW top_files AS
SELECT o.bucket, o.key, o.object_id, o.size, sum(d.downloads)::bigint AS downloads,
    sum(d.bytes_sent)::bigint AS bytes_sent,
    round(hll_cardinality(hll_union_agg(d.downloaders)))::bigint AS downloaders,
    min(d.day) AS first_day, max(d.day) AS last_day
FROM daily_object d JOIN objects o USING (object_id)
WHERE d.downloads > 0
GROUP BY o.object_id
ORDER BY downloads DESC, o.object_id;

-- Downloaders (remote addresses) over all time, most downloads first.
CREATE OR REPLACE VIEW top_downloaders AS
SELECT c.ip, c.client_id, sum(d.downloads)::bigint AS downloads,
    sum(d.bytes_sent)::bigint AS bytes_sent,
    round(hll_cardinality(hll_union_agg(d.objects)))::bigint AS objects,
    min(d.day) AS first_day, max(d.day) AS last_day
FROM daily_client d JOIN clients c USING (client_id)
GROUP BY c.client_id
ORDER BY downloads DESC, c.client_id;

-- Errors by operation, status and code over all time.
CREATE OR REPLACE VIEW errors_by_code AS
SELECT operation, http_status, error_code, sum(requests)::bigint AS requests,
    min(day) AS first_day, max(day) AS last_day
FROM daily_error
GROUP BY operation, http_status, error_code
ORDER BY requests DESC, operation, http_status, error_code;

-- Totals per day.
CREATE OR REPLACE VIEW totals_per_day AS
SELECT day, requests, downloads, full_downloads, partial_downloads,
    bytes_sent, errors,
    round(hll_cardinality(downloaders))::bigint AS downloaders,
    round(hll_cardinality(objects))::bigint AS objects,
    round(hll_cardinality(requesters))::bigint AS requesters,
    round(hll_cardinality(object_downloaders))::bigint AS unique_downloads
FROM daily_total;
