/* See LICENSE file for copyright and license details. */
/*
 * pgload: load COPY text rows from stdin into PostgreSQL, in batches that
 * are each one transaction.  Logs rows (logparse's output) go through a
 * temporary staging table and the server-side pgload_merge() of
 * sql/003-load.sql, which dedupes them and maintains the dictionaries and
 * rollups; rows for any other table (-t) are upserted on its primary key.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "lineio.h"
#include "migrate.h"
#include "out.h"
#include "pg.h"
#include "util.h"

#define OBUFSIZE	(1024 * 1024)	/* COPY data sent in chunks of this */

/* Contract 1: logparse's columns, in order. */
static const char *const logcols[] = {
	"line_hash", "bucket_owner", "bucket", "time", "remote_ip",
	"requester", "request_id", "operation", "key", "request_uri",
	"http_status", "error_code", "bytes_sent", "object_size", "total_time",
	"turnaround_time", "referer", "user_agent", "version_id", "host_id",
	"signature_version", "cipher_suite", "auth_type", "host_header",
	"tls_version", "access_point_arn", "acl_required", "source_region",
	"extra",
};
#define NLOGCOLS	(sizeof(logcols) / sizeof(logcols[0]))

enum { C_HASH = 0, C_TIME = 3, C_IP = 4, C_STATUS = 10, C_BYTES = 12,
    C_SIZE = 13, C_TOTAL = 14, C_TURN = 15 };

static int	 vflag;
static long long batchrows = 100000;
static PGconn	*conn;
static FILE	*kfp;
static const char *kfile;

/* What differs between logs and a metadata table. */
static int	 logsmode;
static size_t	 ncols;			/* fields per input line */
static char	**colnames;		/* for messages */
static char	*copysql;		/* COPY ... FROM STDIN */
static char	*mergesql;		/* run after the COPY, in the batch */

/* The batch in progress. */
static char	*obuf;
static size_t	 olen;
static int	 incopy;
static unsigned long long *linemap;	/* batch row -> input line number */
static unsigned long long nbatch;

/* Totals for -v. */
static unsigned long long nread, nloaded, nbad;
static struct timespec t0;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pgload [-v] [-b rows] [-d conninfo] "
	    "[-k file] [-t table]\n");
	exit(2);
}

/* The batch's first and last input lines, for messages. */
static void __attribute__((noreturn))
dbdie(const char *msg)
{
	if (nbatch > 0)
		errx(1, "stdin:%llu-%llu: batch not loaded: %s", linemap[0],
		    linemap[nbatch - 1], msg);
	errx(1, "%s", msg);
}

static void
sql(const char *s)
{
	char e[PG_ERRLEN];

	if (pg_exec(conn, s, e, sizeof(e)) == -1)
		dbdie(e);
}

/* ---- validation of one input line ------------------------------------ */

static int
utf8ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	unsigned c;
	uint32_t cp;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			if (c == 0)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += len;
	}
	return 1;
}

static int
isnull(const char *f, size_t n)
{
	return n == 2 && f[0] == '\\' && f[1] == 'N';
}

/* An unsigned decimal no greater than max, or \N. */
static const char *
checknum(const char *f, size_t n, unsigned long long max)
{
	unsigned long long v = 0;
	size_t i;

	if (isnull(f, n))
		return NULL;
	if (n == 0 || n > 20)
		return "not a number";
	for (i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9')
			return "not a number";
		if (v > (max - (f[i] - '0')) / 10)
			return "number out of range";
		v = v * 10 + (f[i] - '0');
	}
	return NULL;
}

static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

/* 2024-01-05T02:56:06Z, optionally with fractional seconds. */
static const char *
checktime(const char *f, size_t n)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, s, leap;
	size_t i;

	if (isnull(f, n))
		return "missing";
	if (n < 20 || f[4] != '-' || f[7] != '-' || f[10] != 'T' ||
	    f[13] != ':' || f[16] != ':' || f[n - 1] != 'Z' ||
	    !digits(f, 4, &y) || !digits(f + 5, 2, &mo) ||
	    !digits(f + 8, 2, &d) || !digits(f + 11, 2, &h) ||
	    !digits(f + 14, 2, &mi) || !digits(f + 17, 2, &s))
		return "not a time like 2024-01-05T02:56:06Z";
	if (n > 20) {
		if (f[19] != '.' || n == 21)
			return "not a time like 2024-01-05T02:56:06Z";
		for (i = 20; i < n - 1; i++)
			if (f[i] < '0' || f[i] > '9')
				return "not a time like 2024-01-05T02:56:06Z";
	}
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || s > 60)
		return "time out of range";
	return NULL;
}

static const char *
checkip(const char *f, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char a[16];

	if (isnull(f, n))
		return NULL;
	if (n >= sizeof(buf))
		return "not an IP address";
	memcpy(buf, f, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, a) != 1 && inet_pton(AF_INET6, buf, a) != 1)
		return "not an IP address";
	return NULL;
}

static const char *
checkhash(const char *f, size_t n)
{
	size_t i;

	if (n != 32)
		return "not 32 hex digits";
	for (i = 0; i < n; i++)
		if (!((f[i] >= '0' && f[i] <= '9') ||
		    (f[i] >= 'a' && f[i] <= 'f') || (f[i] >= 'A' && f[i] <= 'F')))
			return "not 32 hex digits";
	return NULL;
}

static const char *
checkfield(size_t col, const char *f, size_t n)
{
	switch (col) {
	case C_HASH:
		return checkhash(f, n);
	case C_TIME:
		return checktime(f, n);
	case C_IP:
		return checkip(f, n);
	case C_STATUS:
		return checknum(f, n, 32767);
	case C_BYTES:
	case C_SIZE:
		return checknum(f, n, INT64_MAX);
	case C_TOTAL:
	case C_TURN:
		return checknum(f, n, INT32_MAX);
	}
	return NULL;
}

/*
 * Whether line is one row of ncols COPY text fields (a backslash escapes
 * the next byte, so "\<tab>" is data), each well-formed for its column in
 * logs mode.  On failure *colp is the 0-based column (ncols when the
 * count is wrong) and the reason is returned.
 */
static const char *
checkline(const char *line, size_t len, size_t *colp)
{
	static char why[64];
	const char *f = line, *w;
	size_t i, col = 0;

	*colp = ncols;
	if (!utf8ok((const unsigned char *)line, len))
		return "not valid UTF-8 (or a NUL byte)";
	/* Count first: a short line is reported as such, not as a bad value. */
	for (i = 0; i < len; i++) {
		if (line[i] == '\\') {
			if (++i == len)
				return "ends in a lone backslash";
		} else if (line[i] == '\t')
			col++;
	}
	if (col + 1 != ncols) {
		snprintf(why, sizeof(why), "%zu fields, not %zu", col + 1,
		    ncols);
		return why;
	}
	if (!logsmode)
		return NULL;
	for (col = 0, i = 0; i <= len; i++) {
		if (i < len && line[i] == '\\') {
			i++;
			continue;
		}
		if (i < len && line[i] != '\t')
			continue;
		if ((w = checkfield(col, f, line + i - f)) != NULL) {
			*colp = col;
			return w;
		}
		col++;
		f = line + i + 1;
	}
	return NULL;
}

/* ---- batches --------------------------------------------------------- */

static double
elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
}

/* The COPY failed: name the input line the server pointed at, if any. */
static void __attribute__((noreturn))
copyfail(const char *e, unsigned long l, const char *col)
{
	/* A lost connection is not the row's fault, whatever CONTEXT says. */
	if (l > 0 && l <= nbatch && PQstatus(conn) == CONNECTION_OK) {
		if (*col)
			errx(1, "stdin:%llu: column %s: %s", linemap[l - 1],
			    col, e);
		errx(1, "stdin:%llu: %s", linemap[l - 1], e);
	}
	dbdie(e);
}

static void
flushbuf(void)
{
	char e[PG_ERRLEN], col[64];
	unsigned long l;

	if (olen == 0)
		return;
	if (pg_copy_put(conn, obuf, olen, e, sizeof(e)) == -1) {
		/* The server's reason, if it failed the COPY. */
		(void)pg_copy_end(conn, NULL, &l, col, sizeof(col), e,
		    sizeof(e));
		copyfail(e, l, col);
	}
	olen = 0;
}

static void
startbatch(void)
{
	char e[PG_ERRLEN];

	sql("BEGIN");
	if (pg_copy_begin(conn, copysql, e, sizeof(e)) == -1)
		dbdie(e);
	incopy = 1;
	nbatch = 0;
}

static void
endbatch(void)
{
	char e[PG_ERRLEN], col[64];
	unsigned long l;
	PGresult *r;
	double t;

	flushbuf();
	incopy = 0;
	if (pg_copy_end(conn, NULL, &l, col, sizeof(col), e, sizeof(e)) == -1)
		copyfail(e, l, col);
	if ((r = pg_query(conn, mergesql, 0, NULL, e, sizeof(e))) == NULL)
		dbdie(e);
	if (logsmode && PQntuples(r) == 1)
		nloaded += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	else if (!logsmode)
		nloaded += strtoull(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	sql("COMMIT");
	if (vflag) {
		t = elapsed();
		fprintf(stderr, "pgload: %llu rows, %llu new, %.0f rows/s\n",
		    nread, nloaded, t > 0 ? nread / t : 0.0);
	}
	nbatch = 0;
}

static void
addline(const char *line, size_t len, unsigned long long lineno)
{
	if (!incopy)
		startbatch();
	if (olen + len + 1 > OBUFSIZE)
		flushbuf();
	if (len + 1 > OBUFSIZE) {
		char e[PG_ERRLEN];

		if (pg_copy_put(conn, line, len, e, sizeof(e)) == -1 ||
		    pg_copy_put(conn, "\n", 1, e, sizeof(e)) == -1)
			dbdie(e);
	} else {
		memcpy(obuf + olen, line, len);
		obuf[olen + len] = '\n';
		olen += len + 1;
	}
	linemap[nbatch++] = lineno;
	nread++;
	if ((long long)nbatch == batchrows)
		endbatch();
}

/* ---- setting up ------------------------------------------------------ */

static void
setuplogs(void)
{
	ncols = NLOGCOLS;
	colnames = (char **)logcols;
	copysql = xstrdup("COPY pgload_staging FROM STDIN");
	mergesql = xstrdup("SELECT pgload_merge()");
	sql("SELECT pgload_prepare()");
}

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

/*
 * A metadata table: its columns and primary key come from the catalog,
 * and enter SQL text only quoted by PQescapeIdentifier; the user's table
 * name itself is a parameter of to_regclass.
 */
static void
setuptable(const char *table)
{
	const char *params[1] = { table };
	char e[PG_ERRLEN], **q, **pk, **rest, *qual, *s;
	size_t i, npk = 0, nrest = 0;
	PGresult *r;

	r = pg_query(conn, "SELECT n.nspname, c.relname FROM pg_class c "
	    "JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p')",
	    1, params, e, sizeof(e));
	/* Errors here are about the name ("invalid name syntax"). */
	if (r == NULL)
		errx(PQstatus(conn) == CONNECTION_OK ? 2 : 1, "%s: %s", table, e);
	if (PQntuples(r) != 1)
		errx(2, "%s: no such table", table);
	qual = pg_ident(conn, PQgetvalue(r, 0, 0), e, sizeof(e));
	if (qual == NULL)
		dbdie(e);
	qual = catval(qual, ".");
	if ((s = pg_ident(conn, PQgetvalue(r, 0, 1), e, sizeof(e))) == NULL)
		dbdie(e);
	qual = catval(qual, s);
	free(s);
	PQclear(r);

	r = pg_query(conn, "SELECT a.attname, coalesce(a.attnum = ANY "
	    "(i.indkey::int2[]), false) FROM pg_attribute a "
	    "LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
	    "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 "
	    "AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
	    1, params, e, sizeof(e));
	if (r == NULL)
		dbdie(e);
	ncols = PQntuples(r);
	if (ncols == 0)
		errx(2, "%s: no columns", table);
	colnames = xreallocarray(NULL, ncols, sizeof(*colnames));
	q = xreallocarray(NULL, ncols, sizeof(*q));
	pk = xreallocarray(NULL, ncols, sizeof(*pk));
	rest = xreallocarray(NULL, ncols, sizeof(*rest));
	for (i = 0; i < ncols; i++) {
		colnames[i] = xstrdup(PQgetvalue(r, i, 0));
		if ((q[i] = pg_ident(conn, colnames[i], e, sizeof(e))) == NULL)
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

	copysql = collist(catval(NULL, "COPY pgload_meta ("), "", q, ncols);
	copysql = catval(copysql, ") FROM STDIN");

	/* The last row of the input wins; unchanged rows are not rewritten. */
	s = catval(NULL, "INSERT INTO ");
	s = catval(s, qual);
	s = collist(catval(s, " AS t ("), "", q, ncols);
	s = collist(catval(s, ") SELECT DISTINCT ON ("), "", pk, npk);
	s = collist(catval(s, ") "), "", q, ncols);
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
	mergesql = s;
	for (i = 0; i < ncols; i++)
		free(q[i]);
	free(q);
	free(pk);
	free(rest);
	free(qual);
}

static void
setaside(const char *line, size_t len, unsigned long long lineno,
    size_t col, const char *why)
{
	if (col < ncols)
		warnx("stdin:%llu: column %s: %s%s", lineno, colnames[col], why,
		    kfp ? ": set aside" : "");
	else
		warnx("stdin:%llu: %s%s", lineno, why, kfp ? ": set aside" : "");
	if (kfp == NULL)
		exit(1);	/* the open transaction dies with us */
	if (fwrite(line, 1, len, kfp) != len || putc('\n', kfp) == EOF)
		err(1, "%s", kfile);
	nbad++;
}

int
main(int argc, char *argv[])
{
	const char *conninfo = NULL, *table = "logs", *why;
	char e[PG_ERRLEN];
	struct lineio *lio;
	unsigned long long lineno;
	size_t len, col;
	char *line;
	int ch, n;

	out_init();
	while ((ch = getopt(argc, argv, "b:d:k:t:v")) != -1)
		switch (ch) {
		case 'b':
			if (parse_num(optarg, 1, 100000000, &batchrows) == -1)
				errx(2, "-b %s: %s", optarg, strerror(errno));
			break;
		case 'd':
			conninfo = optarg;
			break;
		case 'k':
			kfile = optarg;
			break;
		case 't':
			table = optarg;
			break;
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc != 0)
		usage();

	if (kfile && (kfp = fopen(kfile, "w")) == NULL)
		err(1, "%s", kfile);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((conn = pg_connect(conninfo, e, sizeof(e))) == NULL)
		errx(1, "%s", e);
	if (migrate_apply(conn, &n, e, sizeof(e)) == -1)
		errx(1, "%s", e);
	if (vflag && n > 0)
		fprintf(stderr, "pgload: applied %d migration%s\n", n,
		    n == 1 ? "" : "s");
	/*
	 * synchronous_commit off: a server crash may forget the last batches
	 * committed, never half a batch, and rerunning restores them.
	 * temp_buffers holds a whole batch of staging rows in memory.
	 */
	sql("SET synchronous_commit = off; SET client_min_messages = warning; "
	    "SET temp_buffers = '256MB'; SET work_mem = '64MB'; SET jit = off");
	logsmode = strcmp(table, "logs") == 0;
	if (logsmode)
		setuplogs();
	else
		setuptable(table);

	obuf = xmalloc(OBUFSIZE);
	linemap = xreallocarray(NULL, batchrows, sizeof(*linemap));
	lio = lio_open(0);
	while ((line = lio_next(lio, &len)) != NULL) {
		lineno = lio_lineno(lio);
		if ((why = checkline(line, len, &col)) != NULL) {
			setaside(line, len, lineno, col, why);
			continue;
		}
		addline(line, len, lineno);
	}
	if (lio_error(lio))
		err(1, "stdin");
	if (incopy)
		endbatch();
	lio_free(lio);
	if (vflag)
		fprintf(stderr, "pgload: %llu rows, %llu new, %llu set aside, "
		    "%.1f s\n", nread, nloaded, nbad, elapsed());
	PQfinish(conn);
	if (kfp && fclose(kfp) == EOF)
		err(1, "%s", kfile);
	free(obuf);
	free(linemap);
	free(copysql);
	free(mergesql);
	if (!logsmode) {
		for (col = 0; col < ncols; col++)
			free(colnames[col]);
		free(colnames);
	}
	out_close();
	return nbad > 0;
}
