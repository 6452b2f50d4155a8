-- 004-encode.sql: ENCODE portal metadata (loaded by `encodefetch TYPE |
-- pgload -t TYPE`) and the join from log keys to it.
--
-- Column order is encodefetch's output order (encodefetch(1) documents
-- each column); pgload -t upserts on the primary key.  Lists that the
-- portal sends empty arrive as NULL.

CREATE TABLE files (
	accession	text PRIMARY KEY,	-- accession, else external_accession
	uuid		uuid NOT NULL,
	alternate_accessions text[],		-- accessions merged into this file
	s3_bucket	text,			-- from s3_uri; NULL when restricted etc.
	s3_key		text,
	status		text,
	file_format	text,
	file_format_type text,
	file_type	text,
	output_type	text,
	output_category	text,
	assembly	text,
	file_size	bigint,
	md5sum		text,
	date_created	timestamptz,
	dataset_type	text,			-- collection of the dataset @id
	dataset_accession text,
	lab_name	text,			-- the submitting lab (often the pipeline)
	award_name	text,
	biological_replicates int[],
	assay_title	text,
	assay_term_name	text,
	restricted	boolean NOT NULL DEFAULT false,
	no_file_available boolean NOT NULL DEFAULT false,
	href		text
);
CREATE INDEX files_s3_key ON files (s3_key);
CREATE INDEX files_uuid ON files (uuid);
CREATE INDEX files_alternate_accessions ON files
    USING gin (alternate_accessions);

CREATE TABLE datasets (
	accession	text PRIMARY KEY,
	dataset_type	text,			-- experiments, annotations, references, ...
	object_type	text,			-- Experiment, Annotation, Reference, ...
	status		text,
	assay_title	text,
	assay_term_name	text,
	annotation_type	text,
	reference_type	text,
	biosample_summary text,
	biosample_term_name text,
	target_label	text,
	lab_name	text,
	award_name	text,
	date_released	date,
	date_created	timestamptz
);

CREATE TABLE labs (
	name		text PRIMARY KEY,
	title		text,
	pi_title	text,
	institute_label	text,
	institute_name	text,
	status		text
);

CREATE TABLE awards (
	name		text PRIMARY KEY,
	title		text,
	project		text,
	rfa		text,
	viewing_group	text,
	component	text,
	status		text,
	start_date	date,
	end_date	date,
	pi_title	text,
	pi_lab		text
);

-- The parts of an ENCODE key YYYY/MM/DD/<uuid>/<accession><ext>: the
-- file's uuid (4th segment) and the accession (last segment up to its
-- first dot: extensions are multi-part, .bed.gz).  NULL when the key does
-- not have that shape.
CREATE FUNCTION encode_key_uuid(key text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT CASE WHEN split_part(key, '/', 4) ~
	    '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
	    THEN split_part(key, '/', 4)::uuid END
$$;

CREATE FUNCTION encode_key_accession(key text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT CASE WHEN encode_key_uuid(key) IS NOT NULL
	    THEN nullif(split_part(substring(key FROM '[^/]*$'), '.', 1), '') END
$$;

-- Files that may stand for a log key: what anonymous users of the portal
-- see (released, archived, revoked: a revoked file moved to encode-private
-- keeps its key, so older log lines still join).  Non-public rows, loaded
-- from an authenticated crawl, only explain why a key does not join.
CREATE FUNCTION encode_public_status(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(status IN ('released', 'archived', 'revoked'), false)
$$;

-- object_files: each objects row resolved to at most one file, by the
-- first rule that matches:
--   key                  the file's s3_uri key equals the log key;
--   uuid                 the key's 4th segment is the file's uuid;
--   alternate_accession  the key's accession is one the file absorbed
--                        (the key is that of a replaced file).
-- Restricted files and files with no_file_available have no object in the
-- public bucket: they never resolve a key (see object_unresolved).
CREATE VIEW object_files AS
SELECT o.object_id, m.file_accession, m.match
FROM objects o
CROSS JOIN LATERAL (
	SELECT file_accession, match FROM (
		SELECT f.accession AS file_accession, 'key'::text AS match, 1 AS rule
		FROM files f
		WHERE f.s3_key = o.key AND encode_public_status(f.status)
		UNION ALL
		SELECT f.accession, 'uuid', 2
		FROM files f
		WHERE f.uuid = encode_key_uuid(o.key) AND encode_public_status(f.status)
		    AND NOT f.restricted AND NOT f.no_file_available
		UNION ALL
		SELECT f.accession, 'alternate_accession', 3
		FROM files f
		WHERE f.alternate_accessions @> ARRAY[encode_key_accession(o.key)]
		    AND encode_public_status(f.status)
		    AND NOT f.restricted AND NOT f.no_file_available
	) c
	ORDER BY rule, file_accession
	LIMIT 1
) m;

-- object_unresolved: the objects rows object_files leaves out, and why:
--   restricted          the key names (by key, uuid or accession) a
--                       restricted file;
--   no_file_available   ... a file with no object;
--   <status>            ... a non-public file (replaced, deleted, in
--                       progress: known only after an authenticated crawl);
--   not_a_file          the key is not YYYY/MM/DD/<uuid>/<name>;
--   unknown             no file has that key, uuid or accession.
CREATE VIEW object_unresolved AS
SELECT o.object_id, o.bucket, o.key,
    CASE
	WHEN r.restricted THEN 'restricted'
	WHEN r.no_file_available THEN 'no_file_available'
	WHEN r.status IS NOT NULL AND NOT encode_public_status(r.status) THEN r.status
	WHEN encode_key_uuid(o.key) IS NULL THEN 'not_a_file'
	ELSE 'unknown'
    END AS reason,
    r.accession AS file_accession
FROM objects o
LEFT JOIN LATERAL (
	SELECT f.accession, f.restricted, f.no_file_available, f.status
	FROM files f
	WHERE f.s3_key = o.key OR f.uuid = encode_key_uuid(o.key)
	    OR f.accession = encode_key_accession(o.key)
	ORDER BY f.restricted DESC, f.no_file_available DESC, f.accession
	LIMIT 1
) r ON true
WHERE NOT EXISTS (SELECT 1 FROM object_files x WHERE x.object_id = o.object_id);

-- Log keys that join to nothing, counted by reason, with the requests and
-- downloads they received (from the daily_object rollup).
CREATE VIEW unresolved_by_reason AS
SELECT u.reason, count(*) AS objects,
    coalesce(sum(d.requests), 0)::bigint AS requests,
    coalesce(sum(d.downloads), 0)::bigint AS downloads
FROM object_unresolved u
LEFT JOIN (SELECT object_id, sum(requests) AS requests, sum(downloads) AS downloads
    FROM daily_object GROUP BY object_id) d USING (object_id)
GROUP BY u.reason
ORDER BY objects DESC, u.reason;

-- object_metadata: per objects row, its file, dataset, lab and award.
-- Downloads are best attributed to the dataset's lab and award (a
-- processed file's own lab is the pipeline's): lab_name and award_name
-- take the dataset's, else the file's.
CREATE VIEW object_metadata AS
SELECT o.object_id, o.bucket, o.key, m.file_accession, m.match,
    f.status AS file_status, f.file_format, f.file_type, f.output_type,
    f.output_category, f.assembly, f.file_size,
    f.dataset_accession, d.dataset_type, d.object_type AS dataset_object_type,
    coalesce(d.assay_title, f.assay_title) AS assay_title,
    d.biosample_term_name, d.target_label,
    f.lab_name AS file_lab, f.award_name AS file_award,
    coalesce(d.lab_name, f.lab_name) AS lab_name, l.title AS lab_title,
    coalesce(d.award_name, f.award_name) AS award_name, a.project, a.rfa
FROM objects o
JOIN object_files m USING (object_id)
JOIN files f ON f.accession = m.file_accession
LEFT JOIN datasets d ON d.accession = f.dataset_accession
LEFT JOIN labs l ON l.name = coalesce(d.lab_name, f.lab_name)
LEFT JOIN awards a ON a.name = coalesce(d.award_name, f.award_name);

-- log_metadata: log rows with the metadata of their object (columns NULL
-- for keys that resolve to no file).  Narrow by time: logs is large.
CREATE VIEW log_metadata AS
SELECT l.time, l.line_hash, l.object_id, l.http_status, l.bytes_sent,
    l.client_id, l.requester_id, l.operation_id,
    om.bucket, om.key, om.file_accession, om.match, om.file_status,
    om.file_format, om.output_type, om.assembly, om.dataset_accession,
    om.dataset_type, om.assay_title, om.biosample_term_name, om.target_label,
    om.lab_name, om.lab_title, om.award_name, om.project, om.rfa
FROM logs l
LEFT JOIN object_metadata om USING (object_id);
