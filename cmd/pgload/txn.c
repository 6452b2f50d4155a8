/* See LICENSE file for copyright and license details. */
/*
 * The loader: a logs batch in one transaction on the main connection.
 * The fast way sends the new rows by binary COPY straight into logs while
 * the summer queues their sums.  A batch whose first or last line is
 * stored already (a rerun) is probed first, and its stored lines dropped.
 * A batch the fast way fails for (a value the server rejects, ids the
 * reader could not get) is rolled back to a savepoint and loaded the slow
 * way, through a staging table and pgload_merge(), which dedupes against
 * logs and names bad rows.  Everything here is the loader thread's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "migrate.h"
#include "pgload.h"

static char	*mlist;			/* the batch's months, monthlist() */
static size_t	 mlistsize;

/* The months of the batch's rows as a date[] literal, into mlist. */
static void
monthlist(void)
{
	const void *key;
	int64_t *v;
	size_t it = 0, klen, l = 0, need;

	need = 16 * hmap_count(pl.ld->months) + 3;
	if (need > mlistsize) {
		mlistsize = need * 2;
		mlist = xrealloc(mlist, mlistsize);
	}
	mlist[l++] = '{';
	while (hmap_next(pl.ld->months, &it, &key, &klen, &v)) {
		if (l > 1)
			mlist[l++] = ',';
		memcpy(mlist + l, key, 7);
		memcpy(mlist + l + 7, "-01", 3);
		l += 10;
	}
	mlist[l++] = '}';
	mlist[l] = '\0';
}

/*
 * The fast way: the narrow rows, with the ids the reader found, by plain
 * binary COPY into logs, while the summer queues their sums.  Returns 0,
 * or -1 with e filled (the transaction is then in error: roll back to the
 * savepoint).
 */
static int
fastbatch(unsigned long long *nnew, char *e)
{
	const char *params[1];
	char col[64], ek[PG_ERRLEN];
	PGresult *r;
	size_t i;
	unsigned long ul;
	int rc;

	monthlist();
	params[0] = mlist;
	if ((r = pg_query(pl.conn, "SELECT pgload_begin($1::date[]), "
	    "pg_current_xact_id()", 1, params, e, PG_ERRLEN)) == NULL)
		return -1;
	setqbatch(PQgetvalue(r, 0, 1));
	PQclear(r);

	if (binbegin("COPY logs (line_hash, time, bytes_sent, "
	    "object_size, bucket_id, object_id, client_id, requester_id, "
	    "user_agent_id, total_time, turnaround_time, operation_id, "
	    "http_status, error_code, request_id, request_uri, referer, "
	    "version_id, host_id, endpoint_id, access_point_arn, acl_required, "
	    "source_region, extra, uri_form_id, host_id_bytes) "
	    "FROM STDIN (FORMAT binary)",
	    e) == -1)
		return -1;
	/* The sums and the queue's rows meanwhile, on another core. */
	kicksummer();
	*nnew = 0;
	for (i = 0; i < pl.nbatch; i++) {
		if (pl.ld->dup[i])
			continue;
		if (sendrow(i, e) == -1) {
			waitsummer();
			return -1;
		}
		++*nnew;
	}
	if (emit("\377\377", 2, e) == -1) {
		waitsummer();
		return -1;
	}
	if (pl.olen > 0 &&
	    pg_copy_put(pl.conn, pl.obuf, pl.olen, e, PG_ERRLEN) == -1) {
		pl.olen = 0;
		(void)pg_copy_end(pl.conn, NULL, &ul, col, sizeof(col), ek,
		    sizeof(ek));
		waitsummer();
		return -1;
	}
	pl.olen = 0;
	rc = copydone(e);
	/*
	 * The summer has committed the batch's sums (or failed) when it is
	 * done: only then may the batch commit.
	 */
	waitsummer();
	if (rc == -1)
		return -1;
	return summerfail(e);
}

/* The slow way: the whole batch through pgload_merge(). */
static void
slowbatch(void)
{
	char e[PG_ERRLEN], col[64];
	unsigned long l;
	PGresult *r;
	size_t off, n;

	if (pg_copy_begin(pl.conn, "COPY pgload_staging FROM STDIN", e,
	    sizeof(e)) == -1)
		dbdie(e);
	for (off = 0; off < pl.ld->len; off += n) {
		n = pl.ld->len - off > OBUFSIZE ? OBUFSIZE : pl.ld->len - off;
		if (pg_copy_put(pl.conn, pl.ld->buf + off, n, e,
		    sizeof(e)) == -1) {
			(void)pg_copy_end(pl.conn, NULL, &l, col, sizeof(col), e,
			    sizeof(e));
			copyfail(e, l, col);
		}
	}
	if (pg_copy_end(pl.conn, NULL, &l, col, sizeof(col), e,
	    sizeof(e)) == -1)
		copyfail(e, l, col);
	if ((r = pg_query(pl.conn, "SELECT pgload_merge()", 0, NULL, e,
	    sizeof(e))) == NULL)
		dbdie(e);
	if (PQntuples(r) == 1)
		pl.nloaded += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
}

/*
 * Whether the first or the last new row of the batch is in logs already,
 * as in a rerun (e gets a message): then the fast path would fail, and
 * the batch goes straight to the slow one.  Two index lookups.
 */
static int
stored(char *e)
{
	const char *params[2], *f[NLOGCOLS];
	char hash[33], tm[64];
	size_t n[NLOGCOLS], i, ends[2];
	PGresult *r;
	int k, yes;

	for (i = 0; i < pl.nbatch && pl.ld->dup[i]; i++)
		;
	ends[0] = i;
	ends[1] = pl.nbatch - 1;	/* a repeat would do as well */
	for (k = 0; k < 2; k++) {
		i = ends[k];
		rowfields(i, f, n);
		if (n[C(LL_TIME)] >= sizeof(tm))
			continue;
		memcpy(hash, f[C_HASH], 32);
		hash[32] = '\0';
		memcpy(tm, f[C(LL_TIME)], n[C(LL_TIME)]);
		tm[n[C(LL_TIME)]] = '\0';
		params[0] = tm;
		params[1] = hash;
		if ((r = pg_query(pl.conn, "SELECT EXISTS (SELECT 1 FROM logs "
		    "WHERE time = $1::timestamptz AND line_hash = $2::uuid)",
		    2, params, e, PG_ERRLEN)) == NULL)
			dbdie(e);
		yes = PQntuples(r) == 1 && *PQgetvalue(r, 0, 0) == 't';
		PQclear(r);
		if (yes) {
			snprintf(e, PG_ERRLEN, "line %llu is stored already",
			    pl.linemap[i]);
			return 1;
		}
	}
	return 0;
}

/*
 * What failed (e) since the savepoint is rolled back and the batch goes
 * the slow way; -v says why.  A lost connection ends the run instead.
 */
static void
fallback(const char *savepoint, const char *e, const char *how)
{
	char q[64];

	if (PQstatus(pl.conn) != CONNECTION_OK)
		dbdie(e);
	if (pl.vflag)
		fprintf(stderr, "pgload: stdin:%llu-%llu: %s: %s\n", pl.linemap[0],
		    pl.linemap[pl.nbatch - 1], e, how);
	snprintf(q, sizeof(q), "ROLLBACK TO SAVEPOINT %s", savepoint);
	sql(q);
	/* Sums the summer committed for this batch: the merge queues its own. */
	sql("SELECT pgload_unqueue(pg_current_xact_id())");
	slowbatch();
	pl.nslow++;
}

/*
 * A rerun's batch: which of its lines are stored already.  Their (time,
 * line_hash) go by binary COPY into pgload_probe, pgload_probed() looks
 * each up in logs' primary key, and those rows are marked repeats, so that
 * the fast way loads only the rest (instead of the whole batch going the
 * slow way through staging).  Returns 0 with *nold set, or -1 with e
 * filled (the transaction is then in error).  The loaders' lock is held:
 * no other pgload can store a line between the probe and the load.
 */
static int
probe(size_t *nold, char *e)
{
	size_t i;
	PGresult *r;
	long ord;
	int j;

	if (binbegin("COPY pgload_probe FROM STDIN (FORMAT binary)", e) == -1)
		return -1;
	for (i = 0; i < pl.nbatch; i++)
		if (!pl.ld->dup[i] && sendprobe(i, e) == -1)
			return -1;
	if (emit("\377\377", 2, e) == -1 || copydone(e) == -1)
		return -1;
	if ((r = pg_query(pl.conn, "SELECT pgload_probed()", 0, NULL, e,
	    PG_ERRLEN)) == NULL)
		return -1;
	*nold = 0;
	for (j = 0; j < PQntuples(r); j++) {
		ord = strtol(PQgetvalue(r, j, 0), NULL, 10);
		if (ord >= 0 && (size_t)ord < pl.nbatch && !pl.ld->dup[ord]) {
			pl.ld->dup[ord] = 1;
			++*nold;
		}
	}
	PQclear(r);
	return 0;
}

/* Load the batch pl.ld (the loader thread's work for each batch). */
void
endlogbatch(void)
{
	char e[PG_ERRLEN];
	unsigned long long nnew;
	size_t i, nold;

	if (pl.nbatch == 0)
		return;
	sql("BEGIN");
	/*
	 * The loaders' lock first, before this transaction touches logs:
	 * otherwise a loader holding the lock and creating a partition waits
	 * for our lock on logs (taken by stored()) while we wait for its
	 * lock, and PostgreSQL reports a deadlock.
	 */
	sql("SELECT pg_advisory_xact_lock(" STR(MIGRATE_LOCK_CLASS) ", "
	    STR(MIGRATE_LOCK_LOAD) ")");
	if (stored(e)) {
		sql("SAVEPOINT probe");
		if (probe(&nold, e) == -1) {
			fallback("probe", e, "merging");
			goto done;
		}
		pl.nprobed++;
		if (pl.vflag)
			fprintf(stderr, "pgload: stdin:%llu-%llu: %s: %zu "
			    "stored already, loading the rest\n", pl.linemap[0],
			    pl.linemap[pl.nbatch - 1], e, nold);
	}
	for (i = 0; i < pl.nbatch && pl.ld->dup[i]; i++)
		;
	if (i == pl.nbatch)	/* every line stored already */
		goto done;
	sql("SAVEPOINT fast");
	if (pl.ld->why[0] != '\0') {
		snprintf(e, sizeof(e), "%s", pl.ld->why);
		fallback("fast", e, "merging instead");
	} else if (fastbatch(&nnew, e) == 0)
		pl.nloaded += nnew;
	else {
		pl.olen = 0;
		fallback("fast", e, "merging instead");
	}
done:
	sql("COMMIT");
	kickfold();
	rowsline(pl.nbatch);
	pl.nbatch = 0;
	sums_reset();
}

/* What this file allocated, at the end of the run. */
void
txn_free(void)
{
	free(mlist);
}
