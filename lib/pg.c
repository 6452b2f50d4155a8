/* See LICENSE file for copyright and license details. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "pg.h"
#include "util.h"

/* Copy the first line of msg (libpq messages end in "\n" and may go on). */
static void
seterr(char *err, size_t errlen, const char *msg)
{
	size_t n;

	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	n = strcspn(msg, "\n");
	snprintf(err, errlen, "%.*s", (int)n, msg);
}

/* The server's primary message, else the connection's. */
static void
reserr(PGconn *c, const PGresult *r, char *err, size_t errlen)
{
	const char *m;

	m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (m == NULL && r != NULL)
		m = PQresultErrorMessage(r);
	if (m == NULL || *m == '\0')
		m = PQerrorMessage(c);
	seterr(err, errlen, m);
}

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

PGconn *
pg_connect(const char *conninfo, char *err, size_t errlen)
{
	PGconn *c;

	c = PQconnectdb(conninfo ? conninfo : "");
	if (c == NULL) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		seterr(err, errlen, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

int
pg_exec(PGconn *c, const char *sql, char *err, size_t errlen)
{
	PGresult *r;
	int st;

	r = PQexec(c, sql);
	st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		reserr(c, r, err, errlen);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

/* pg_query() with the result in text (0) or binary (1) format. */
static PGresult *
query(PGconn *c, const char *sql, int nparams, const char *const *params,
    int binary, char *err, size_t errlen)
{
	PGresult *r;
	int st;

	r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, binary);
	st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		reserr(c, r, err, errlen);
		PQclear(r);
		return NULL;
	}
	return r;
}

PGresult *
pg_query(PGconn *c, const char *sql, int nparams, const char *const *params,
    char *err, size_t errlen)
{
	return query(c, sql, nparams, params, 0, err, errlen);
}

PGresult *
pg_query_bin(PGconn *c, const char *sql, int nparams,
    const char *const *params, char *err, size_t errlen)
{
	return query(c, sql, nparams, params, 1, err, errlen);
}

int
pg_nrows(const PGresult *r)
{
	return r != NULL ? PQntuples(r) : 0;
}

const char *
pg_value(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

long long
pg_int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 :
	    strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double
pg_double(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 :
	    strtod(PQgetvalue(r, row, col), NULL);
}

const void *
pg_bytes(const PGresult *r, int row, int col, size_t *lenp)
{
	if (PQgetisnull(r, row, col)) {
		*lenp = 0;
		return NULL;
	}
	*lenp = (size_t)PQgetlength(r, row, col);
	return PQgetvalue(r, row, col);
}

void
pg_clear(PGresult *r)
{
	PQclear(r);
}

void
pg_close(PGconn *c)
{
	PQfinish(c);
}

int
pg_copy_begin(PGconn *c, const char *sql, char *err, size_t errlen)
{
	PGresult *r;

	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		reserr(c, r, err, errlen);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

int
pg_copy_put(PGconn *c, const void *buf, size_t n, char *err, size_t errlen)
{
	const char *p = buf;
	int chunk;

	/* PQputCopyData takes an int length. */
	while (n > 0) {
		chunk = n > (1 << 30) ? (1 << 30) : (int)n;
		if (PQputCopyData(c, p, chunk) != 1) {
			seterr(err, errlen, PQerrorMessage(c));
			return -1;
		}
		p += chunk;
		n -= chunk;
	}
	return 0;
}

/*
 * CONTEXT looks like "COPY t, line 12, column time: \"x\"" (or "COPY t,
 * line 12: ..." for errors that are not about one column).
 */
static void
copyctx(const PGresult *r, unsigned long *linep, char *col, size_t collen)
{
	const char *ctx, *p, *e;

	*linep = 0;
	if (collen > 0)
		*col = '\0';
	if (r == NULL ||
	    (ctx = PQresultErrorField(r, PG_DIAG_CONTEXT)) == NULL ||
	    (p = strstr(ctx, ", line ")) == NULL)
		return;
	*linep = strtoul(p + 7, NULL, 10);
	p += 7 + strspn(p + 7, "0123456789");
	if (strncmp(p, ", column ", 9) == 0) {
		p += 9;
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strcspn(p, "\n");
		snprintf(col, collen, "%.*s", (int)(e - p), p);
	}
}

int
pg_copy_end(PGconn *c, const char *abortmsg, unsigned long *linep, char *col,
    size_t collen, char *err, size_t errlen)
{
	PGresult *r;
	int rc = 0, endfailed = 0;
	char enderr[PG_ERRLEN];

	*linep = 0;
	if (collen > 0)
		*col = '\0';
	/*
	 * After a server error mid-COPY libpq says only "no COPY in
	 * progress": the server's own message is in the results below.
	 */
	if (PQputCopyEnd(c, abortmsg) != 1) {
		seterr(enderr, sizeof(enderr), PQerrorMessage(c));
		endfailed = 1;
	}
	/* Drain every result so that the connection is usable again. */
	while ((r = PQgetResult(c)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
			reserr(c, r, err, errlen);
			copyctx(r, linep, col, collen);
			rc = -1;
		}
		PQclear(r);
		if (PQstatus(c) == CONNECTION_BAD)
			break;
	}
	if (rc == 0 && endfailed) {
		seterr(err, errlen, enderr);
		rc = -1;
	}
	if (rc == 0 && PQstatus(c) == CONNECTION_BAD) {
		seterr(err, errlen, PQerrorMessage(c));
		rc = -1;
	}
	return rc;
}

char *
pg_ident(PGconn *c, const char *s, char *err, size_t errlen)
{
	char *q, *r;

	if ((q = PQescapeIdentifier(c, s, strlen(s))) == NULL) {
		seterr(err, errlen, PQerrorMessage(c));
		return NULL;
	}
	r = xstrdup(q);
	PQfreemem(q);
	return r;
}
