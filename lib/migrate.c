/* See LICENSE file for copyright and license details. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "migrate.h"
#include "pg.h"
#include "util.h"

#define S(x)	#x
#define XS(x)	S(x)
#define LOCKARGS	XS(MIGRATE_LOCK_CLASS) ", " XS(MIGRATE_LOCK_MIGRATE)

/* The version of a migration: the number its file name starts with. */
static long
version(const struct migration *m)
{
	return strtol(m->name, NULL, 10);
}

static int
cmpmig(const void *a, const void *b)
{
	long va = version(*(const struct migration *const *)a);
	long vb = version(*(const struct migration *const *)b);

	return (va > vb) - (va < vb);
}

static int
applied_already(const PGresult *r, long v)
{
	int i;

	for (i = 0; i < PQntuples(r); i++)
		if (strtol(PQgetvalue(r, i, 0), NULL, 10) == v)
			return 1;
	return 0;
}

static int
apply_one(PGconn *c, const struct migration *m, char *err, size_t errlen)
{
	char msg[PG_ERRLEN], vbuf[32];
	const char *params[2];
	PGresult *r;

	if (pg_exec(c, "BEGIN", err, errlen) == -1)
		return -1;
	if (pg_exec(c, m->sql, msg, sizeof(msg)) == -1)
		goto fail;
	snprintf(vbuf, sizeof(vbuf), "%ld", version(m));
	params[0] = vbuf;
	params[1] = m->name;
	r = pg_query(c, "INSERT INTO schema_migrations (version, name) "
	    "VALUES ($1, $2)", 2, params, msg, sizeof(msg));
	if (r == NULL)
		goto fail;
	PQclear(r);
	if (pg_exec(c, "COMMIT", msg, sizeof(msg)) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "sql/%s: %s", m->name, msg);
	(void)pg_exec(c, "ROLLBACK", msg, sizeof(msg));
	return -1;
}

int
migrate_apply(PGconn *c, int *applied, char *err, size_t errlen)
{
	const struct migration **order;
	char msg[PG_ERRLEN];
	PGresult *r = NULL;
	size_t i;
	int n = 0, rc = -1;

	if (applied)
		*applied = 0;
	if (pg_exec(c, "SELECT pg_advisory_lock(" LOCKARGS ")", err,
	    errlen) == -1)
		return -1;
	/* Under the lock: CREATE ... IF NOT EXISTS is not safe concurrently. */
	if (pg_exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version int PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", err,
	    errlen) == -1)
		goto out;
	if ((r = pg_query(c, "SELECT version FROM schema_migrations", 0, NULL,
	    err, errlen)) == NULL)
		goto out;
	/*
	 * A schema newer than this program: its SQL and the migrations'
	 * would disagree (an older loader's COPY column lists, say).
	 */
	for (i = 0; i < (size_t)PQntuples(r); i++) {
		long v = strtol(PQgetvalue(r, (int)i, 0), NULL, 10);
		size_t k;

		for (k = 0; k < nmigrations && version(&migrations[k]) != v;
		    k++)
			;
		if (k == nmigrations) {
			snprintf(err, errlen, "the database has schema "
			    "migration %ld, which this program does not know: "
			    "it is older than the schema", v);
			goto out;
		}
	}
	order = xreallocarray(NULL, nmigrations ? nmigrations : 1,
	    sizeof(*order));
	for (i = 0; i < nmigrations; i++)
		order[i] = &migrations[i];
	qsort(order, nmigrations, sizeof(*order), cmpmig);
	for (i = 0; i < nmigrations; i++) {
		if (applied_already(r, version(order[i])))
			continue;
		if (apply_one(c, order[i], err, errlen) == -1) {
			free(order);
			goto out;
		}
		n++;
	}
	free(order);
	rc = 0;
	if (applied)
		*applied = n;
out:
	PQclear(r);
	/* A failed unlock is harmless: the lock ends with the session. */
	(void)pg_exec(c, "SELECT pg_advisory_unlock(" LOCKARGS ")", msg,
	    sizeof(msg));
	return rc;
}
