/* See LICENSE file for copyright and license details. */
/*
 * The database side of report: one connection, one read-only snapshot,
 * queries that end the run on failure, and the pseudonym key.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg.h"
#include "report.h"
#include "util.h"

static PGconn	*db;
/* Results the entities point into, freed at the end (query_free). */
static PGresult	*keep[32];
static size_t	 nkeep;

/*
 * Connect, fold what pgload has queued and open the snapshot the pages
 * are made from.  Any failure ends the run (exit 1).
 */
void
db_open(const char *conninfo)
{
	char err[PG_ERRLEN];
	PGresult *r;
	int fold;

	if ((db = pg_connect(conninfo, err, sizeof(err))) == NULL)
		errx(1, "database: %s", err);
	/*
	 * Many short queries: JIT compilation would cost more than it
	 * saves; the few sorts fit in 64 MB.
	 */
	pg_clear(query("settings", "SET jit = off", 0, NULL));
	pg_clear(query("settings", "SET work_mem = '64MB'", 0, NULL));
	/*
	 * Fold what pgload has queued (pgload_fold(), report_pairs_fold()):
	 * the sums of batches a killed pgload left, and the (file,
	 * downloader, requester) totals, which loads queue and only this
	 * program reads.  Each fold is its own transaction, before the
	 * snapshot.
	 */
	r = query("catalog", "SELECT to_regproc('report_pairs_fold') IS NOT"
	    " NULL", 0, NULL);
	fold = strcmp(pg_value(r, 0, 0), "t") == 0;
	pg_clear(r);
	if (fold) {
		pg_clear(query("folding the rollup queue",
		    "SELECT pgload_fold()", 0, NULL));
		pg_clear(query("folding report_pairs_queue",
		    "SELECT report_pairs_fold()", 0, NULL));
	}
	/* One snapshot: a concurrent pgload cannot tear the numbers. */
	pg_clear(query("begin", "BEGIN ISOLATION LEVEL REPEATABLE READ READ"
	    " ONLY", 0, NULL));
}

/* End the snapshot and the connection. */
void
db_close(void)
{
	pg_clear(query("commit", "COMMIT", 0, NULL));
	pg_close(db);
	db = NULL;
}

/*
 * Run a query with text parameters, timed for -v; any failure ends the
 * run (exit 1), naming what.
 */
PGresult *
query(const char *what, const char *sql, int nparam, const char *const *param)
{
	PGresult *r;
	struct timespec t0, t1;
	char err[PG_ERRLEN];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = pg_query(db, sql, nparam, param, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vlog("%s: %d rows, %.0f ms", what, pg_nrows(r),
	    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (r == NULL)
		errx(1, "%s: %s", what, err);
	return r;
}

/* Keep a result whose strings the pages point into until the end. */
PGresult *
kept(PGresult *r)
{
	if (nkeep == sizeof(keep) / sizeof(keep[0]))
		errx(1, "internal: too many results");
	keep[nkeep++] = r;
	return r;
}

void
query_free(void)
{
	while (nkeep > 0)
		pg_clear(keep[--nkeep]);
}

/* Whether the table or view exists. */
int
relexists(const char *name)
{
	const char *p[1] = { name };
	PGresult *r;
	int ok;

	r = query("catalog", "SELECT to_regclass($1) IS NOT NULL", 1, p);
	ok = pg_nrows(r) == 1 && strcmp(pg_value(r, 0, 0), "t") == 0;
	pg_clear(r);
	return ok;
}

/*
 * The first of the candidate columns that table has, as "t.col", or
 * "NULL" when none: the ENCODE tables are another part's and may differ
 * in detail; a missing column just shows as unknown.  Candidates are our
 * own constants, so the result is safe to splice into SQL.
 */
const char *
pickcol(const char *table, const char *alias, const char *const *cand,
    char *buf, size_t sz)
{
	const char *p[2];
	PGresult *r;
	size_t i;
	int found;

	p[0] = table;
	for (i = 0; cand[i] != NULL; i++) {
		p[1] = cand[i];
		r = query("catalog", "SELECT 1 FROM pg_attribute"
		    " WHERE attrelid = to_regclass($1) AND attname = $2"
		    " AND attnum > 0 AND NOT attisdropped", 2, p);
		found = pg_nrows(r) == 1;
		pg_clear(r);
		if (found) {
			snprintf(buf, sz, "%s.%s::text", alias, cand[i]);
			return buf;
		}
	}
	snprintf(buf, sz, "NULL::text");
	return buf;
}

/*
 * The pseudonym key: from keyfile if given, else the one pgload created
 * in table report_key.
 */
void
loadkey(const char *keyfile)
{
	char msg[PG_ERRLEN];
	PGresult *r;
	FILE *fp;
	unsigned char buf[4096];
	const void *k;

	if (keyfile != NULL) {
		if ((fp = fopen(keyfile, "r")) == NULL)
			err(2, "%s", keyfile);
		rep.keylen = fread(buf, 1, sizeof(buf), fp);
		if (ferror(fp))
			err(2, "%s", keyfile);
		fclose(fp);
		if (rep.keylen < 16)
			errx(2, "%s: a key needs at least 16 bytes", keyfile);
		rep.key = xmalloc(rep.keylen);
		memcpy(rep.key, buf, rep.keylen);
		return;
	}
	if (!relexists("report_key"))
		errx(2, "no pseudonym key: table report_key is missing (pgload "
		    "creates it) and no -k keyfile");
	r = pg_query_bin(db, "SELECT key FROM report_key WHERE id = 1", 0,
	    NULL, msg, sizeof(msg));
	if (r == NULL)
		errx(1, "report_key: %s", msg);
	if (pg_nrows(r) != 1)
		errx(1, "report_key: no key row");
	k = pg_bytes(r, 0, 0, &rep.keylen);
	rep.key = xmalloc(rep.keylen ? rep.keylen : 1);
	if (rep.keylen > 0)
		memcpy(rep.key, k, rep.keylen);
	pg_clear(r);
}
