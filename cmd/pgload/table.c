/* See LICENSE file for copyright and license details. */
/*
 * -t: rows for a metadata table (ENCODE's), which pgload learns from the
 * catalog.  Each batch is COPYed as text into a temporary staging table
 * and upserted on the table's primary key, the input's last row for a key
 * winning, in one transaction.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "pgload.h"
#include "pgval.h"

/* What each column's type takes (setuptable(), checktyped()). */
enum { T_ANY, T_INT2, T_INT4, T_INT8, T_BOOL, T_DATE, T_TIME, T_UUID,
    T_INTARR };
static int	*coltype;
static char	*colnotnull;		/* 1: NOT NULL */
static const char **tf;			/* the fields of a line */
static size_t	*tn;
static char	*copysql;		/* COPY ... FROM STDIN */
static char	*mergesql;		/* run after the COPY, in the batch */
static int	 incopy;		/* a batch's COPY is in progress */

/* A -t field, well-formed for its column's type, or why not. */
static const char *
checktyped(size_t col, const char *f, size_t n)
{
	static char why[64];
	int ok;

	if (isnull(f, n)) {
		if (!colnotnull[col])
			return NULL;
		return "NULL in a NOT NULL column";
	}
	if (coltype[col] == T_ANY)
		return NULL;
	if (memchr(f, '\\', n) != NULL)
		n = unescape(f, n, &f);
	switch (coltype[col]) {
	case T_INT2:
	case T_INT4:
	case T_INT8:
		if (pgval_int(f, n, coltype[col] == T_INT2 ? 2 :
		    coltype[col] == T_INT4 ? 4 : 8))
			return NULL;
		snprintf(why, sizeof(why), "not an integer in the range of %s",
		    coltype[col] == T_INT2 ? "smallint" :
		    coltype[col] == T_INT4 ? "integer" : "bigint");
		return why;
	case T_BOOL:
		ok = pgval_bool(f, n);
		return ok ? NULL : "not a boolean";
	case T_DATE:
		ok = pgval_date(f, n);
		return ok ? NULL : "not a date like 2024-01-05";
	case T_TIME:
		ok = pgval_timestamp(f, n);
		return ok ? NULL : "not a time like 2024-01-05T02:56:06Z";
	case T_UUID:
		ok = pgval_uuid(f, n);
		return ok ? NULL : "not a uuid";
	case T_INTARR:
		ok = pgval_intarray(f, n);
		return ok ? NULL : "not an integer array like {1,2}";
	}
	return NULL;
}

/*
 * Whether line (checked as COPY text already) is one row of the table,
 * each field well-formed for its column; as checkline().
 */
const char *
checktable(const char *line, size_t len, size_t *colp)
{
	const char *w;
	size_t col;

	if ((col = fields(line, len, tf, tn, pl.ncols)) != pl.ncols)
		return nfields(col);
	for (col = 0; col < pl.ncols; col++)
		if ((w = checktyped(col, tf[col], tn[col])) != NULL) {
			*colp = col;
			return w;
		}
	return NULL;
}

/* Send what pl.obuf holds to the COPY in progress. */
static void
flushbuf(void)
{
	char e[PG_ERRLEN], col[64];
	unsigned long l;

	if (pl.olen == 0)
		return;
	if (pg_copy_put(pl.conn, pl.obuf, pl.olen, e, sizeof(e)) == -1) {
		/* The server's reason, if it failed the COPY. */
		(void)pg_copy_end(pl.conn, NULL, &l, col, sizeof(col), e,
		    sizeof(e));
		copyfail(e, l, col);
	}
	pl.olen = 0;
}

/* A new batch: its transaction and COPY. */
static void
startbatch(void)
{
	char e[PG_ERRLEN];

	sql("BEGIN");
	if (pg_copy_begin(pl.conn, copysql, e, sizeof(e)) == -1)
		dbdie(e);
	incopy = 1;
	pl.nbatch = 0;
}

/* End the COPY, upsert the batch, commit. */
static void
endbatch(void)
{
	char e[PG_ERRLEN], col[64];
	unsigned long l;
	PGresult *r;

	flushbuf();
	incopy = 0;
	if (pg_copy_end(pl.conn, NULL, &l, col, sizeof(col), e,
	    sizeof(e)) == -1)
		copyfail(e, l, col);
	if ((r = pg_query(pl.conn, mergesql, 0, NULL, e, sizeof(e))) == NULL)
		dbdie(e);
	pl.nloaded += strtoull(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	sql("COMMIT");
	rowsline(pl.nbatch);
	pl.nbatch = 0;
}

/* A checked line into the batch, which ends at -b lines. */
void
addline(const char *line, size_t len, unsigned long long lineno)
{
	if (!incopy)
		startbatch();
	if (pl.olen + len + 1 > OBUFSIZE)
		flushbuf();
	if (len + 1 > OBUFSIZE) {
		char e[PG_ERRLEN];

		if (pg_copy_put(pl.conn, line, len, e, sizeof(e)) == -1 ||
		    pg_copy_put(pl.conn, "\n", 1, e, sizeof(e)) == -1)
			dbdie(e);
	} else {
		memcpy(pl.obuf + pl.olen, line, len);
		pl.obuf[pl.olen + len] = '\n';
		pl.olen += len + 1;
	}
	pl.linemap[pl.nbatch++] = lineno;
	pl.nread++;
	if ((long long)pl.nbatch == pl.batchrows)
		endbatch();
}

/* The end of input: the last batch, if one is open. */
void
endtable(void)
{
	if (incopy)
		endbatch();
}

/* s with t appended, s reallocated (NULL: an empty string). */
static char *
catval(char *s, const char *t)
{
	size_t n = s ? strlen(s) : 0;

	s = xrealloc(s, n + strlen(t) + 1);
	strcpy(s + n, t);
	return s;
}

/* A comma-separated list of pre.col over cols[0..n). */
static char *
collist(char *s, const char *pre, char **q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			s = catval(s, ", ");
		s = catval(s, pre);
		s = catval(s, q[i]);
	}
	return s;
}

/* What checktyped() knows of a type (the server's name for it). */
static int
typekind(const char *t)
{
	static const struct {
		const char *name;
		int kind;
	} k[] = {
		{ "smallint", T_INT2 }, { "integer", T_INT4 },
		{ "bigint", T_INT8 }, { "boolean", T_BOOL }, { "date", T_DATE },
		{ "timestamp with time zone", T_TIME },
		{ "timestamp without time zone", T_TIME }, { "uuid", T_UUID },
		{ "integer[]", T_INTARR },
	};
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (strcmp(t, k[i].name) == 0)
			return k[i].kind;
	return T_ANY;
}

/*
 * The statement that moves a batch from pgload_meta into the table qual
 * (columns q, primary key pk, the others rest, all quoted): the input's
 * last row for a key wins, and unchanged rows are not rewritten.
 */
static char *
upsertsql(const char *qual, char **q, char **pk, size_t npk, char **rest,
    size_t nrest)
{
	char *s;
	size_t i;

	s = catval(NULL, "INSERT INTO ");
	s = catval(s, qual);
	s = collist(catval(s, " AS t ("), "", q, pl.ncols);
	s = collist(catval(s, ") SELECT DISTINCT ON ("), "", pk, npk);
	s = collist(catval(s, ") "), "", q, pl.ncols);
	s = collist(catval(s, " FROM pgload_meta ORDER BY "), "", pk, npk);
	s = collist(catval(s, ", pgload_ord DESC ON CONFLICT ("), "", pk, npk);
	if (nrest == 0)
		s = catval(s, ") DO NOTHING");
	else {
		s = catval(s, ") DO UPDATE SET ");
		for (i = 0; i < nrest; i++) {
			if (i > 0)
				s = catval(s, ", ");
			s = catval(s, rest[i]);
			s = catval(s, " = EXCLUDED.");
			s = catval(s, rest[i]);
		}
		s = collist(catval(s, " WHERE ROW("), "t.", rest, nrest);
		s = collist(catval(s, ")::text IS DISTINCT FROM ROW("),
		    "EXCLUDED.", rest, nrest);
		s = catval(s, ")::text");
	}
	return s;
}

/*
 * A metadata table: its columns and primary key come from the catalog,
 * and enter SQL text only quoted by PQescapeIdentifier; the user's table
 * name itself is a parameter of to_regclass.
 */
void
setuptable(const char *table)
{
	const char *params[1] = { table };
	char e[PG_ERRLEN], **q, **pk, **rest, *qual, *s;
	size_t i, npk = 0, nrest = 0;
	PGresult *r;

	r = pg_query(pl.conn, "SELECT n.nspname, c.relname FROM pg_class c "
	    "JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p')",
	    1, params, e, sizeof(e));
	/* Errors here are about the name ("invalid name syntax"). */
	if (r == NULL)
		errx(PQstatus(pl.conn) == CONNECTION_OK ? 2 : 1, "%s: %s", table,
		    e);
	if (PQntuples(r) != 1)
		errx(2, "%s: no such table", table);
	qual = pg_ident(pl.conn, PQgetvalue(r, 0, 0), e, sizeof(e));
	if (qual == NULL)
		dbdie(e);
	qual = catval(qual, ".");
	if ((s = pg_ident(pl.conn, PQgetvalue(r, 0, 1), e, sizeof(e))) == NULL)
		dbdie(e);
	qual = catval(qual, s);
	free(s);
	PQclear(r);

	r = pg_query(pl.conn, "SELECT a.attname, coalesce(a.attnum = ANY "
	    "(i.indkey::int2[]), false), a.atttypid::regtype::text, "
	    "a.attnotnull FROM pg_attribute a "
	    "LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
	    "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 "
	    "AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
	    1, params, e, sizeof(e));
	if (r == NULL)
		dbdie(e);
	pl.ncols = PQntuples(r);
	if (pl.ncols == 0)
		errx(2, "%s: no columns", table);
	pl.colnames = xreallocarray(NULL, pl.ncols, sizeof(*pl.colnames));
	coltype = xreallocarray(NULL, pl.ncols, sizeof(*coltype));
	colnotnull = xreallocarray(NULL, pl.ncols, sizeof(*colnotnull));
	tf = xreallocarray(NULL, pl.ncols, sizeof(*tf));
	tn = xreallocarray(NULL, pl.ncols, sizeof(*tn));
	q = xreallocarray(NULL, pl.ncols, sizeof(*q));
	pk = xreallocarray(NULL, pl.ncols, sizeof(*pk));
	rest = xreallocarray(NULL, pl.ncols, sizeof(*rest));
	for (i = 0; i < pl.ncols; i++) {
		pl.colnames[i] = xstrdup(PQgetvalue(r, i, 0));
		coltype[i] = typekind(PQgetvalue(r, i, 2));
		colnotnull[i] = *PQgetvalue(r, i, 3) == 't';
		if ((q[i] = pg_ident(pl.conn, pl.colnames[i], e,
		    sizeof(e))) == NULL)
			dbdie(e);
		if (*PQgetvalue(r, i, 1) == 't')
			pk[npk++] = q[i];
		else
			rest[nrest++] = q[i];
	}
	PQclear(r);
	if (npk == 0)
		errx(2, "%s: no primary key to upsert on", table);

	/* The staging table: same column types, plus input order. */
	s = catval(NULL, "CREATE TEMP TABLE pgload_meta (LIKE ");
	s = catval(s, qual);
	s = catval(s, ") ON COMMIT DELETE ROWS; ALTER TABLE pgload_meta "
	    "ADD COLUMN pgload_ord bigint GENERATED ALWAYS AS IDENTITY");
	sql(s);
	free(s);

	copysql = collist(catval(NULL, "COPY pgload_meta ("), "", q, pl.ncols);
	copysql = catval(copysql, ") FROM STDIN");

	mergesql = upsertsql(qual, q, pk, npk, rest, nrest);
	pl.linemap = xreallocarray(NULL, pl.batchrows, sizeof(*pl.linemap));
	for (i = 0; i < pl.ncols; i++)
		free(q[i]);
	free(q);
	free(pk);
	free(rest);
	free(qual);
}

/* Whether line is the header row of logparse -H: the column names. */
/* What setuptable() allocated. */
void
freetable(void)
{
	size_t col;

	for (col = 0; col < pl.ncols; col++)
		free(pl.colnames[col]);
	free(pl.colnames);
	free(coltype);
	free(colnotnull);
	free(tf);
	free(tn);
	free(pl.linemap);
	free(copysql);
	free(mergesql);
}
