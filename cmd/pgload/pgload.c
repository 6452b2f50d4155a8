/* See LICENSE file for copyright and license details. */
/*
 * pgload: load COPY text rows from stdin into PostgreSQL, in batches that
 * are each one transaction.  Logs rows (logparse's output) take the fast
 * path of sql/005-fastload.sql: pgload dedupes the batch, resolves
 * dictionary ids through its caches, sends narrow rows by binary COPY
 * straight into logs and the batch's sums into the queue of
 * sql/022-fold.sql, which a second thread, on a second connection, folds
 * into the rollups while the next batch is sent.  A batch whose fast path
 * fails (a line stored already, a value the server rejects) is rolled
 * back to a savepoint and loaded through a temporary staging table and
 * pgload_merge() of sql/003-load.sql, which dedupes against logs and
 * names bad rows.  Rows for any other table (-t) are upserted on its
 * primary key.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <err.h>
#include <pthread.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <xxhash.h>

#include "hll.h"
#include "hmap.h"
#include "lineio.h"
#include "logline.h"
#include "migrate.h"
#include "out.h"
#include "pg.h"
#include "pgval.h"
#include "util.h"

#define OBUFSIZE	(1024 * 1024)	/* COPY data sent in chunks of this */
#define MAXLINE		(1024 * 1024)	/* the default -L */

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
static long long maxline = MAXLINE;	/* -L */

/* -t: what each column's type takes (setuptable(), checktyped()). */
enum { T_ANY, T_INT2, T_INT4, T_INT8, T_BOOL, T_DATE, T_TIME, T_UUID,
    T_INTARR };
static int	*coltype;
static char	*colnotnull;		/* 1: NOT NULL */
static const char **tf;			/* the fields of a -t line */
static size_t	*tn;
static char	*ubuf;			/* a field or line COPY-unescaped */
static size_t	 ubufsize;

/* The batch in progress. */
static char	*obuf;
static size_t	 olen;
static int	 incopy;
static unsigned long long *linemap;	/* batch row -> input line number */
static unsigned long long nbatch;

/* Totals for -v. */
static unsigned long long nread, nloaded, nbad;
static struct timespec t0;

/* --help: the synopsis and one line per option, on stdout. */
static const char help[] =
	"usage: pgload [-v] [-b rows] [-d conninfo] [-k file] [-L bytes] [-t table]\n"
	"  -b rows             lines per batch and transaction (default 100000)\n"
	"  -d conninfo         the database (libpq connection string)\n"
	"  -k file             write bad lines to file\n"
	"  -L bytes            longest line accepted\n"
	"  -t table            load ENCODE metadata into table\n"
	"  -v                  print progress to standard error\n"
	"  --help              print this and exit\n"
	"  --version           print the version and exit\n";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pgload [-v] [-b rows] [-d conninfo] "
	    "[-k file] [-L bytes] [-t table]\n");
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
		/* Mostly ASCII: 8 bytes at a time while none is >= 0x80 or 0. */
		while (i + 8 <= n) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if ((w & 0x8080808080808080ULL) != 0 ||
			    ((w - 0x0101010101010101ULL) & ~w &
			    0x8080808080808080ULL) != 0)
				break;
			i += 8;
		}
		if (i == n)
			break;
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
	/*
	 * 1 for a hex digit.  A table, not comparisons: the digits of a hash
	 * are random, so branches on them are unpredictable, and this check
	 * with comparisons was 4% of pgload's samples (perf), 0.2 s a million
	 * lines.
	 */
	static const unsigned char hex[256] = {
	    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1,
	    ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['A'] = 1, ['B'] = 1,
	    ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1
	};
	unsigned ok = 1;
	size_t i;

	if (n != 32)
		return "not 32 hex digits";
	for (i = 0; i < n; i++)
		ok &= hex[(unsigned char)f[i]];
	return ok ? NULL : "not 32 hex digits";
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
 * The fields of line in COPY text (a tab ends a field unless a backslash
 * escapes it, so "\<tab>" is data): the first max of them in f[] and n[];
 * returns how many there are.  memchr finds the tabs: a tab is data only
 * after an odd run of backslashes, which is rare.
 */
static size_t
fields(const char *line, size_t len, const char **f, size_t *n, size_t max)
{
	const char *s = line, *end = line + len, *t, *b;
	size_t k = 0;

	for (;;) {
		for (t = s; (t = memchr(t, '\t', end - t)) != NULL; t++) {
			for (b = t; b > s && b[-1] == '\\'; b--)
				;
			if ((t - b) % 2 == 0)
				break;
		}
		if (t == NULL)
			t = end;
		if (k < max) {
			f[k] = s;
			n[k] = t - s;
		}
		k++;
		if (t == end)
			return k;
		s = t + 1;
	}
}

/*
 * The byte that the escape after a backslash at s[*i] stands for, as the
 * server decodes COPY text (\NNN octal, \xHH, \b \f \n \r \t \v, and any
 * other character for itself); *i is left after the escape.
 */
static int
copyesc(const char *s, size_t n, size_t *i)
{
	int c, v, k;

	c = (unsigned char)s[*i];
	(*i)++;
	switch (c) {
	case '0': case '1': case '2': case '3':
	case '4': case '5': case '6': case '7':
		v = c - '0';
		for (k = 0; k < 2 && *i < n && s[*i] >= '0' && s[*i] <= '7'; k++)
			v = v * 8 + (s[(*i)++] - '0');
		return v & 0xff;
	case 'x':
		if (*i < n && (v = hexval(s[*i])) >= 0) {
			(*i)++;
			if (*i < n && hexval(s[*i]) >= 0)
				v = v * 16 + hexval(s[(*i)++]);
			return v;
		}
		return c;
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'v': return '\v';
	}
	return c;
}

/*
 * s[0..n) COPY-unescaped into ubuf (see copyesc()); returns its length.
 * As the server (and tbtext()) decodes it.
 */
static size_t
unescape(const char *s, size_t n)
{
	size_t i, o = 0;

	if (n > ubufsize) {
		ubufsize = n > 2 * ubufsize ? n : 2 * ubufsize;
		ubuf = xrealloc(ubuf, ubufsize);
	}
	for (i = 0; i < n; ) {
		if (s[i] != '\\' || i + 1 == n) {
			ubuf[o++] = s[i++];
			continue;
		}
		i++;
		ubuf[o++] = (char)copyesc(s, n, &i);
	}
	return o;
}

/*
 * The raw bytes of a line are valid UTF-8, but an escape (\xff, \000)
 * can still make bytes the server refuses: a line with one is checked
 * again, unescaped.  Only \ followed by a digit or x makes such bytes.
 */
static int
escapesok(const char *line, size_t len)
{
	const char *p = line, *e = line + len;
	size_t n;

	while ((p = memchr(p, '\\', e - p)) != NULL && p + 1 < e) {
		if ((p[1] >= '0' && p[1] <= '7') || p[1] == 'x') {
			n = unescape(line, len);	/* may move ubuf */
			return utf8ok((const unsigned char *)ubuf, n);
		}
		p += 2;
	}
	return 1;
}

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
	if (memchr(f, '\\', n) != NULL) {
		n = unescape(f, n);
		f = ubuf;
	}
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
 * Whether line is one row of ncols COPY text fields, each well-formed for
 * its column in logs mode, where f[] and n[] (NLOGCOLS) get the fields.
 * On failure *colp is the 0-based column (ncols when the count is wrong)
 * and the reason is returned.
 */
static const char *
checkline(const char *line, size_t len, size_t *colp, const char **f,
    size_t *n)
{
	static char why[64];
	const char *w;
	size_t i, col;

	*colp = ncols;
	if (!utf8ok((const unsigned char *)line, len))
		return "not valid UTF-8 (or a NUL byte)";
	for (i = len; i > 0 && line[i - 1] == '\\'; i--)
		;
	if ((len - i) % 2 == 1)
		return "ends in a lone backslash";
	if (!escapesok(line, len))
		return "an escape makes invalid UTF-8 (or a NUL byte)";
	/* Count first: a short line is reported as such, not as a bad value. */
	col = fields(line, len, logsmode ? f : tf, logsmode ? n : tn,
	    ncols);
	if (col != ncols) {
		snprintf(why, sizeof(why), "%zu fields, not %zu", col, ncols);
		return why;
	}
	if (!logsmode) {
		for (col = 0; col < ncols; col++)
			if ((w = checktyped(col, tf[col], tn[col])) != NULL) {
				*colp = col;
				return w;
			}
		return NULL;
	}
	/* The loader keeps its fields' offsets in 32 bits. */
	if (len >= UINT32_MAX)
		return "line longer than 4 GiB";
	for (col = 0; col < ncols; col++)
		if ((w = checkfield(col, f[col], n[col])) != NULL) {
			*colp = col;
			return w;
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

/* ---- logs: the fast path --------------------------------------------- */

/*
 * A logs batch is kept whole in memory (bbuf: the input lines, each with
 * its newline, i.e. the COPY text the slow path sends) and loaded when
 * complete: first the fast way (fastbatch), and if that fails for any
 * reason but a lost connection, rolled back to a savepoint and loaded the
 * slow way of sql/003-load.sql (slowbatch), which also reports bad rows
 * with their input lines.
 */
enum { D_BUCKET = 1, D_OBJECT, D_CLIENT, D_REQUESTER, D_OPERATION, D_UA,
    D_ENDPOINT, D_URI, ND };

#define DICTMAX		(1 << 18)	/* cached ids per dictionary */
#define NOID		INT64_MIN	/* NULL in logs */
#define NOID32		INT32_MIN	/* NOID in rowid[] */

/*
 * Batches are read and loaded at the same time: the main thread reads,
 * checks and dedupes batch N+1 (into *fill) while the loader thread sends
 * batch N, so that pgload and the server each use a core.  The reader
 * alone uses the dictionary caches (and dconn); the loader alone the
 * connection and the sums.
 */
struct seen {				/* seenrow() */
	uint64_t	 tag;
	uint32_t	 row;		/* 0: empty; else row + 1 */
};
/*
 * What the summer needs of a row, taken by the reader while the line is in
 * its cache: the summer then reads 24 bytes a row instead of the line
 * (which it would fetch from memory: a batch's lines are 60 MB).
 */
struct rowfact {
	int64_t		 bytes;		/* bytes_sent, 0 for NULL */
	int64_t		 size;		/* object_size, -1 for NULL */
	int16_t		 status;	/* http_status, -1 for NULL */
	unsigned char	 dl;		/* a download: a GET, 200 or 206 */
	unsigned char	 err;		/* counted in daily_error */
};
struct batch {
	char		*buf;		/* the lines, each with its newline */
	size_t		 len, size;
	size_t		*off;		/* row -> offset in buf; [n] = len */
	unsigned char	*dup;		/* row is a repeat within the batch */
	uint32_t	*fo;		/* row -> its fields' offsets in it */
	unsigned long long *lines;	/* row -> input line number */
	size_t		 n;
	struct seen	*seen;		/* its rows by hash and time */
	size_t		 nseen, seencap;
	struct hmap	*months;	/* "YYYY-MM" of its rows */
	int32_t		*rowid;		/* ND per row: its day, then its ids */
	struct rowfact	*fact;		/* per new row */
	char		 why[PG_ERRLEN]; /* not "": ids unknown, why */
};
static struct batch bt[2], *fill = &bt[0];
static pthread_t loader;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct batch *pending;		/* handed to the loader */
static int	 busy, quit, threaded;
static unsigned long long ndone;	/* rows loaded, for -v */
static unsigned long long nhanded;	/* batches handed to the loader */

/* The batch being loaded (the loader thread's view). */
static char	*bbuf;
static size_t	 blen;
static size_t	*rowoff;
static unsigned char *rowdup;
static uint32_t	*rowfo;			/* NLOGCOLS + 1 per row */
static int32_t	*rowid;			/* ND per row: its day (addlogline()),
					   then its dictionary ids */
static struct rowfact *rowfact;
static const char *noids;		/* not NULL: no ids, why */
static struct hmap *months;

static PGconn	*sconn;			/* the summer's: the queue's rows */
static const char *sideinfo;		/* -d, for the side connections */
static PGconn	*sideconn(const char *, const char *);
static PGconn	*dictconn(void);
static int	 copyto(PGconn *, const char *, const char *, size_t, char *);

/*
 * The reader's: dictionary ids.  The reader looks up each batch's values
 * as it reads them (scanrow), has the missing ones made on a connection of
 * its own (resolve, dconn) and hands the loader a batch with every id
 * known, so the loader's connection never waits for that.
 */
static PGconn	*dconn;
static struct hmap *dict[ND];		/* COPY text of a value -> its id */
static int32_t	*ordid;			/* pgload_miss ord -> id */
static size_t	 ordcap;
static char	*mbuf;			/* the batch's pgload_miss rows */
static size_t	 mlen, msize;
static int	*mkind;			/* pgload_miss ord -> kind */
static size_t	*mkey;			/* pgload_miss ord -> offset in mkeys */
static char	*mkeys;			/* the cache keys of the misses */
static size_t	 nmiss, mkeyslen, mkeyssize, mcap;
static __thread char *kbuf;		/* a cache key being built */
static __thread size_t kbufsize;
static unsigned long long nslow;	/* batches loaded the slow way */
static unsigned long long nprobed;	/* batches probed for stored lines */

/* Per-batch aggregates: key -> index into the arrays below. */
struct cnt {
	int64_t	 requests, downloads, full, partial, bytes, errors;
};
struct dlkey {
	int64_t	 day, object, client, requester;
};
static struct hmap *aobj, *aday, *adl, *aerr, *asize;
static struct cnt *cobj, *cday;
/*
 * Per download key of adl: downloads, bytes, and the indexes of its day in
 * aday and (day, object) in aobj (-1: no object), which sketch() then need
 * not look up again.
 */
struct dlsum {
	int64_t	 downloads, bytes;
	size_t	 xday, xobj;
};
static struct dlsum *cdl;
static size_t	 nobj, nday, ndl, capobj, capday, capdl;

/*
 * The batch's sketches (sketch()), from adl: the downloaders of each
 * (day, object) of aobj; per (day, client) and (day, requester) the
 * downloads, bytes and sets; per day of aday the downloaders, objects,
 * requesters and (object, client) pairs.
 */
struct rsum {
	int64_t	 downloads, bytes;
	struct hllset a, b;
};
static struct hllset *hobj, (*hday)[4];
static struct hmap *acli, *areq;
static struct rsum *rcli, *rreq;
static size_t	 ncli, nreq, capcli, capreq;

/* s[0..n) appended to the growing buffer *b of *len bytes (*size). */
static void
bput(char **b, size_t *len, size_t *size, const void *s, size_t n)
{
	if (*len + n > *size) {
		*size = (*len + n) * 2 > 65536 ? (*len + n) * 2 : 65536;
		*b = xrealloc(*b, *size);
	}
	memcpy(*b + *len, s, n);
	*len += n;
}

/* Room for n bytes in kbuf. */
static void
kreserve(size_t n)
{
	if (n > kbufsize) {
		kbufsize = n * 2;
		kbuf = xrealloc(kbuf, kbufsize);
	}
}

/* "YYYY-MM-DD" of a day number, into buf[11]. */
static void
dayname(int64_t z, char *buf)
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	/* By hand: this runs for every row, and snprintf() showed in perf. */
	if (y < 0 || y > 9999)
		y = 0;	/* checktime() admits four digits only */
	buf[0] = '0' + y / 1000;
	buf[1] = '0' + y / 100 % 10;
	buf[2] = '0' + y / 10 % 10;
	buf[3] = '0' + y % 10;
	buf[4] = '-';
	buf[5] = '0' + m / 10;
	buf[6] = '0' + m % 10;
	buf[7] = '-';
	buf[8] = '0' + d / 10;
	buf[9] = '0' + d % 10;
	buf[10] = '\0';
}

/*
 * The UTC day of a checked time field.  23:59:60 is the next day, as
 * PostgreSQL reads it.
 */
static int64_t
timeday(const char *f)
{
	int y, mo, d, h, mi, s;

	digits(f, 4, &y);
	digits(f + 5, 2, &mo);
	digits(f + 8, 2, &d);
	digits(f + 11, 2, &h);
	digits(f + 14, 2, &mi);
	digits(f + 17, 2, &s);
	return (int64_t)logline_days(y, mo, d) +
	    (h == 23 && mi == 59 && s == 60);
}

/* A checked number field, or -1 for \N. */
static int64_t
numval(const char *f, size_t n)
{
	int64_t v = 0;
	size_t i;

	if (isnull(f, n))
		return -1;
	for (i = 0; i < n; i++)
		v = v * 10 + (f[i] - '0');
	return v;
}

/*
 * The form of a row's request_uri (sql/026-narrow-rows.sql): the text
 * before and after the row's key in it, into *a, *na and *b, *nb.
 * Returns 0 when the URI has none: no key or no URI, the key not in the
 * URI, a '?' before or after it (a query string, maybe signed and so
 * unique), or a backslash in the key or before it (a COPY escape, which
 * could make the bytes match where the values do not).
 */
static int
uriform(const char **f, const size_t *n, const char **a, size_t *na,
    const char **b, size_t *nb)
{
	const char *k;

	if (isnull(f[2], n[2]) || isnull(f[8], n[8]) || isnull(f[9], n[9]) ||
	    n[8] == 0 || memchr(f[8], '\\', n[8]) != NULL ||
	    (k = memmem(f[9], n[9], f[8], n[8])) == NULL)
		return 0;
	*a = f[9];
	*na = k - f[9];
	*b = k + n[8];
	*nb = f[9] + n[9] - *b;
	if (memchr(*a, '\\', *na) != NULL || memchr(*a, '?', *na) != NULL ||
	    memchr(*b, '?', *nb) != NULL)
		return 0;
	return 1;
}

/*
 * The cache key of a row's dictionary value of kind k into kbuf, its
 * length in *len; 0 if the value is NULL (no id).  Keys are the COPY
 * text of the fields (two spellings of one value are two keys with the
 * same id, which is harmless).
 */
static int
dictkey(int k, const char **f, const size_t *n, size_t *len)
{
	const char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, i;

	switch (k) {
	case D_BUCKET:
		a = f[2], na = n[2], b = f[1], nb = n[1];
		break;
	case D_OBJECT:
		if (isnull(f[2], n[2]) || isnull(f[8], n[8]))
			return 0;
		a = f[2], na = n[2], b = f[8], nb = n[8];
		break;
	case D_CLIENT:
		a = f[4], na = n[4];
		break;
	case D_REQUESTER:
		a = f[5], na = n[5];
		break;
	case D_OPERATION:
		a = f[7], na = n[7];
		break;
	case D_UA:
		a = f[17], na = n[17];
		break;
	case D_ENDPOINT:
		/* signature_version ... tls_version: columns a to e. */
		for (i = 20; i <= 24 && isnull(f[i], n[i]); i++)
			;
		if (i > 24)
			return 0;
		kreserve(n[20] + n[21] + n[22] + n[23] + n[24] + 5);
		for (i = 20, *len = 0; i <= 24; i++) {
			if (i > 20)
				kbuf[(*len)++] = '\t';
			memcpy(kbuf + *len, f[i], n[i]);
			*len += n[i];
		}
		return 1;
	case D_URI:
		if (!uriform(f, n, &a, &na, &b, &nb))
			return 0;
		break;
	}
	if (b == NULL && isnull(a, na))
		return 0;
	kreserve(na + nb + 1);
	memcpy(kbuf, a, na);
	*len = na;
	if (b != NULL) {
		kbuf[na] = '\t';
		memcpy(kbuf + na + 1, b, nb);
		*len += nb + 1;
	}
	return 1;
}

/* A value without a cached id: a pgload_miss row, numbered nmiss. */
static void
addmiss(int k, size_t klen)
{
	char num[32];
	const char *tab;
	int l, ncol;

	if (nmiss == mcap) {
		mcap = mcap ? mcap * 2 : 1024;
		mkind = xreallocarray(mkind, mcap, sizeof(*mkind));
		mkey = xreallocarray(mkey, mcap, sizeof(*mkey));
	}
	mkind[nmiss] = k;
	mkey[nmiss] = mkeyslen;
	bput(&mkeys, &mkeyslen, &mkeyssize, &klen, sizeof(klen));
	bput(&mkeys, &mkeyslen, &mkeyssize, kbuf, klen);
	l = snprintf(num, sizeof(num), "%d\t%zu\t", k, nmiss);
	bput(&mbuf, &mlen, &msize, num, l);
	/*
	 * kbuf is the COPY text of columns a, or a and b, or a to e (the
	 * values never hold a raw tab); the others are NULL.
	 */
	bput(&mbuf, &mlen, &msize, kbuf, klen);
	for (ncol = 1, tab = kbuf; (tab = memchr(tab, '\t', kbuf + klen -
	    tab)) != NULL; tab++)
		ncol++;
	for (; ncol < 5; ncol++)
		bput(&mbuf, &mlen, &msize, "\t\\N", 3);
	bput(&mbuf, &mlen, &msize, "\n", 1);
	nmiss++;
}

/* The fields of a line, from the offsets fields() found when it was read. */
static void
linefields(const char *line, const uint32_t *o, const char **f, size_t *n)
{
	size_t k;

	for (k = 0; k < NLOGCOLS; k++) {
		f[k] = line + o[k];
		n[k] = o[k + 1] - o[k] - 1;
	}
}

/* The fields of row i of the batch being loaded. */
static void
rowfields(size_t i, const char **f, size_t *n)
{
	linefields(bbuf + rowoff[i], rowfo + i * (NLOGCOLS + 1), f, n);
}

/*
 * The last key scanrow() looked up in each dictionary and what it found:
 * neighbouring lines often share bucket, operation, requester and
 * endpoint, and a compare is cheaper than a hash lookup.  Reset at each
 * batch (memoreset()).
 */
static struct {
	char	*key;
	size_t	 len, size;
	int32_t	 id;
	int	 ok;
} memo[ND];

static void
memoreset(void)
{
	int k;

	for (k = 1; k < ND; k++)
		memo[k].ok = 0;
}

/*
 * Row i of batch b: its dictionary ids into b->rowid, NOID32 for NULL;
 * a value seen for the first time becomes a miss, and its rows get
 * -2 - (the miss's number) until resolve() knows the id.
 */
static void
scanrow(struct batch *b, size_t row)
{
	const char *f[NLOGCOLS];
	size_t n[NLOGCOLS], klen;
	int32_t *id = b->rowid + row * ND;
	int64_t *v;
	int k, isnew;

	linefields(b->buf + b->off[row], b->fo + row * (NLOGCOLS + 1), f, n);
	for (k = 1; k < ND; k++) {
		if (!dictkey(k, f, n, &klen)) {
			id[k] = NOID32;
			continue;
		}
		if (memo[k].ok && memo[k].len == klen &&
		    memcmp(memo[k].key, kbuf, klen) == 0) {
			id[k] = memo[k].id;
			continue;
		}
		v = hmap_get(dict[k], kbuf, klen, 1, -2 - (int64_t)nmiss,
		    &isnew);
		id[k] = *v;
		if (isnew)
			addmiss(k, klen);
		memo[k].len = 0;
		bput(&memo[k].key, &memo[k].len, &memo[k].size, kbuf, klen);
		memo[k].id = id[k];
		memo[k].ok = 1;
	}
}

/*
 * The ids of batch b's values: its misses are made (or found, if another
 * loader made them) by pgload_dict_wait() on dconn in a transaction of
 * their own, and its rows get their ids.  Returns 0, or -1 with e filled
 * when the server refuses a value (the transaction is then in error).
 * Dies when the server answers what it cannot have.
 */
static int
resolve(struct batch *b, char *e)
{
	PGresult *r;
	size_t i, klen;
	int64_t *v, id;
	long ord;
	int j, k;

	if (nmiss == 0)
		return 0;
	if (pg_exec(dconn, "BEGIN", e, PG_ERRLEN) == -1 ||
	    copyto(dconn, "COPY pgload_miss FROM STDIN", mbuf, mlen, e) == -1 ||
	    (r = pg_query(dconn, "SELECT ord, id FROM pgload_dict_wait()", 0,
	    NULL, e, PG_ERRLEN)) == NULL)
		return -1;
	if (nmiss > ordcap) {
		ordcap = nmiss * 2;
		ordid = xreallocarray(ordid, ordcap, sizeof(*ordid));
	}
	for (i = 0; i < nmiss; i++)
		ordid[i] = -1;
	for (j = 0; j < PQntuples(r); j++) {
		ord = strtol(PQgetvalue(r, j, 0), NULL, 10);
		id = strtoll(PQgetvalue(r, j, 1), NULL, 10);
		if (ord < 0 || (size_t)ord >= nmiss || id < 0 || id > INT32_MAX)
			continue;
		ordid[ord] = (int32_t)id;
		memcpy(&klen, mkeys + mkey[ord], sizeof(klen));
		v = hmap_get(dict[mkind[ord]], mkeys + mkey[ord] +
		    sizeof(klen), klen, 0, 0, NULL);
		if (v != NULL)
			*v = id;
	}
	PQclear(r);
	if (pg_exec(dconn, "COMMIT", e, PG_ERRLEN) == -1)
		return -1;
	for (i = 0; i < b->n; i++) {
		int32_t *rid = b->rowid + i * ND;

		if (b->dup[i])
			continue;
		for (k = 1; k < ND; k++) {
			if (rid[k] == NOID32 || rid[k] >= 0)
				continue;
			if ((rid[k] = ordid[-2 - rid[k]]) < 0)
				/* pgload_dict() did not return it. */
				errx(1, "stdin:%llu: no id for column %s",
				    b->lines[i], logcols[k == D_BUCKET ? 2 :
				    k == D_OBJECT ? 8 : k == D_CLIENT ? 4 :
				    k == D_REQUESTER ? 5 : k == D_OPERATION ?
				    7 : k == D_UA ? 17 : k == D_URI ? 9 : 23]);
		}
	}
	nmiss = mlen = mkeyslen = 0;
	return 0;
}

/* A new batch to scan: the caches are bounded, the memo is the batch's. */
static void
scanstart(void)
{
	int k;

	for (k = 1; k < ND; k++)
		if (hmap_count(dict[k]) > DICTMAX)
			hmap_clear(dict[k]);
	memoreset();
}

/*
 * Batch b's ids, its rows scanned (the reader's part of handing it over).
 * When the server refuses one of its values, b->why says so and the
 * loader takes the batch the slow way, which names the line.
 */
static void
scanbatch(struct batch *b)
{
	char e[PG_ERRLEN];
	int k;

	b->why[0] = '\0';
	(void)dictconn();
	if (resolve(b, e) == 0)
		return;
	if (PQstatus(dconn) != CONNECTION_OK)
		errx(1, "%s", e);
	snprintf(b->why, sizeof(b->why), "%s", e);
	(void)pg_exec(dconn, "ROLLBACK", e, sizeof(e));
	/* Its misses' placeholders must not stay in the caches. */
	for (k = 1; k < ND; k++)
		hmap_clear(dict[k]);
	nmiss = mlen = mkeyslen = 0;
}

/*
 * Send data to the COPY in progress through obuf.  Returns 0, or -1 with
 * e filled (the COPY is then ended).
 */
static int
emit(const void *s, size_t n, char *e)
{
	char col[64];
	unsigned long l;

	if (olen + n > OBUFSIZE && olen > 0) {
		if (pg_copy_put(conn, obuf, olen, e, PG_ERRLEN) == -1)
			goto fail;
		olen = 0;
	}
	if (n > OBUFSIZE) {
		if (pg_copy_put(conn, s, n, e, PG_ERRLEN) == -1)
			goto fail;
		return 0;
	}
	memcpy(obuf + olen, s, n);
	olen += n;
	return 0;
fail:
	olen = 0;
	(void)pg_copy_end(conn, NULL, &l, col, sizeof(col), e, PG_ERRLEN);
	return -1;
}

/* Finish the COPY in progress.  Returns 0, or -1 with e filled. */
static int
copydone(char *e)
{
	char col[64];
	unsigned long l;

	if (olen > 0 && pg_copy_put(conn, obuf, olen, e, PG_ERRLEN) == -1) {
		olen = 0;
		(void)pg_copy_end(conn, NULL, &l, col, sizeof(col), e,
		    PG_ERRLEN);
		return -1;
	}
	olen = 0;
	return pg_copy_end(conn, NULL, &l, col, sizeof(col), e, PG_ERRLEN);
}

/*
 * Abandon the COPY in progress, the server told why (e, kept); what was
 * buffered is dropped.  Returns -1.
 */
static int
copyabort(const char *e)
{
	char col[64], ek[PG_ERRLEN];
	unsigned long ul;

	(void)pg_copy_end(conn, e, &ul, col, sizeof(col), ek, sizeof(ek));
	olen = 0;
	return -1;
}

/*
 * COPY buf[0..len) with sql on c (a side connection: the dictionary's or
 * the summer's).  Returns 0, or -1 with e filled.
 */
static int
copyto(PGconn *c, const char *sqlcopy, const char *buf, size_t len, char *e)
{
	char col[64];
	unsigned long l;

	if (pg_copy_begin(c, sqlcopy, e, PG_ERRLEN) == -1)
		return -1;
	if (pg_copy_put(c, buf, len, e, PG_ERRLEN) == -1) {
		(void)pg_copy_end(c, NULL, &l, col, sizeof(col), e, PG_ERRLEN);
		return -1;
	}
	return pg_copy_end(c, NULL, &l, col, sizeof(col), e, PG_ERRLEN);
}

static size_t
aggindex(struct hmap *m, const void *key, size_t len, size_t *nrows)
{
	int isnew;
	int64_t *v = hmap_get(m, key, len, 1, 0, &isnew);

	if (isnew)
		*v = (*nrows)++;
	return *v;
}

static void
count(struct cnt *c, int dl, int64_t status, int64_t bytes)
{
	c->requests++;
	c->downloads += dl;
	c->full += dl && status == 200;
	c->partial += dl && status == 206;
	c->bytes += bytes;
	c->errors += status >= 400;
}

/*
 * COPY data being made: the logs row the loader encodes (lrow), or a
 * queue table's rows (qb[], with their COPY statement).
 */
struct cbuf {
	const char	*sql;		/* COPY ... FROM STDIN, or NULL */
	char		*b;
	size_t		 len, size;
	int		 bin;		/* binary COPY: sql says so */
};

/*
 * The narrow logs rows go in COPY's binary format: the server then does
 * not parse timestamps, uuids and numbers, nor split and unescape text.
 * The tb functions add a field of it to o, big-endian.
 */
static struct cbuf lrow;		/* the logs row being encoded */

static void
tbput(struct cbuf *o, const void *s, size_t n)
{
	bput(&o->b, &o->len, &o->size, s, n);
}

static void
tb16(struct cbuf *o, int v)
{
	unsigned char b[2] = { (unsigned)v >> 8 & 0xff, v & 0xff };

	tbput(o, b, 2);
}

static void
tb32(struct cbuf *o, int64_t v)
{
	unsigned char b[4];
	uint32_t u = (uint32_t)v;

	b[0] = u >> 24;
	b[1] = u >> 16;
	b[2] = u >> 8;
	b[3] = u;
	tbput(o, b, 4);
}

static void
tb64(struct cbuf *o, int64_t v)
{
	unsigned char b[8];
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 7; i >= 0; i--, u >>= 8)
		b[i] = u & 0xff;
	tbput(o, b, 8);
}

/* An int2, int4 or int8 column from an id (NOID: NULL). */
static void
tbint(struct cbuf *o, int64_t v, int width)
{
	if (v == NOID) {
		tb32(o, -1);
		return;
	}
	tb32(o, width);
	if (width == 2)
		tb16(o, (int)v);
	else if (width == 4)
		tb32(o, v);
	else
		tb64(o, v);
}

/* A checked number field (\N: NULL). */
static void
tbnum(struct cbuf *o, const char *f, size_t n, int width)
{
	tbint(o, isnull(f, n) ? NOID : numval(f, n), width);
}

/* A text field, unescaped as COPY text is (\N alone: NULL). */
static void
tbtext(struct cbuf *o, const char *f, size_t n)
{
	size_t i, at, len;
	char ch;

	if (isnull(f, n)) {
		tb32(o, -1);
		return;
	}
	at = o->len;
	tb32(o, 0);		/* the length, known at the end */
	for (i = 0; i < n; ) {
		const char *bs = memchr(f + i, '\\', n - i);
		size_t run = bs ? (size_t)(bs - (f + i)) : n - i;

		tbput(o, f + i, run);
		i += run;
		if (i == n)
			break;
		i++;		/* checked: no lone backslash at the end */
		ch = (char)copyesc(f, n, &i);
		tbput(o, &ch, 1);
	}
	len = o->len - at - 4;
	o->b[at] = len >> 24;
	o->b[at + 1] = len >> 16;
	o->b[at + 2] = len >> 8;
	o->b[at + 3] = len;
}

/*
 * A checked time field as timestamptz: microseconds since 2000-01-01 UTC
 * (23:59:60 is the next day's 00:00:00, as PostgreSQL reads it).
 * Returns -1 for more than 6 fractional digits, which PostgreSQL rounds
 * in floating point: such a batch takes the slow path.
 */
static int
tbtime(struct cbuf *o, const char *f, size_t n)
{
	int y, mo, d, h, mi, sec;
	int64_t us = 0, t;
	size_t i, nd = 0;

	digits(f, 4, &y);
	digits(f + 5, 2, &mo);
	digits(f + 8, 2, &d);
	digits(f + 11, 2, &h);
	digits(f + 14, 2, &mi);
	digits(f + 17, 2, &sec);
	for (i = 20; i + 1 < n; i++, nd++)
		us = us * 10 + (f[i] - '0');
	if (nd > 6)
		return -1;
	for (; nd < 6; nd++)
		us *= 10;
	t = ((((int64_t)logline_days(y, mo, d) - 10957) * 24 + h) * 60 + mi) *
	    60 + sec;
	tb32(o, 8);
	tb64(o, t * 1000000 + us);
	return 0;
}

/*
 * The bytes of a host_id in canonical base64 (what S3 writes: 56 or 64
 * bytes as 76 or 88 characters) into u, at most n / 4 * 3; their number,
 * or -1 when f is not such text (not a multiple of 4 long, a character
 * outside the alphabet or after '=', bits left over that are not zero,
 * or a COPY escape) and must be stored as it is.
 */
static int
base64bytes(const char *f, size_t n, unsigned char *u)
{
	/* A character's value + 1; 0: not in the alphabet. */
	static const unsigned char val[256] = {
	    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	    ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	    ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	    ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27,
	    ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
	    ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
	    ['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
	    ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
	    ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62,
	    ['+'] = 63, ['/'] = 64
	};
	size_t i, pad = 0;
	uint32_t w = 0;
	int k, nb = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	if (f[n - 1] == '=')
		pad = f[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n - pad; i++) {
		if ((k = val[(unsigned char)f[i]]) == 0)
			return -1;
		w = w << 6 | (uint32_t)(k - 1);
		if (i % 4 == 3) {
			u[nb++] = w >> 16;
			u[nb++] = w >> 8;
			u[nb++] = w;
			w = 0;
		}
	}
	/* The last group: 2 or 3 characters, their spare bits zero. */
	if (pad == 2) {
		if ((w & 0xf) != 0)
			return -1;
		u[nb++] = w >> 4;
	} else if (pad == 1) {
		if ((w & 0x3) != 0)
			return -1;
		u[nb++] = w >> 10;
		u[nb++] = w >> 2;
	}
	return nb;
}

/*
 * The value of a hex digit of a checked line_hash ('0'-'9', 'a'-'f',
 * 'A'-'F'), without a call or a branch: it runs 48 times a line.
 */
static inline unsigned
hexdigit(unsigned char c)
{
	return (c & 0xf) + 9 * (c >> 6);
}

/* A checked line_hash as uuid. */
static void
tbuuid(struct cbuf *o, const char *f)
{
	unsigned char u[16];
	int i;

	for (i = 0; i < 16; i++)
		u[i] = hexdigit(f[2 * i]) << 4 | hexdigit(f[2 * i + 1]);
	tb32(o, 16);
	tbput(o, u, 16);
}

/*
 * Row's time field, as tbtime(); when it cannot be sent, the COPY in
 * progress is abandoned with e naming the line.  0 or -1.
 */
static int
tbrowtime(struct cbuf *o, size_t row, const char *f, size_t n, char *e)
{
	if (tbtime(o, f, n) == 0)
		return 0;
	snprintf(e, PG_ERRLEN, "stdin:%llu: more than 6 fractional digits of "
	    "a second", linemap[row]);
	return copyabort(e);
}

/* Begin a binary COPY with sql and send the file header.  0 or -1 (e). */
static int
binbegin(const char *sql, char *e)
{
	if (pg_copy_begin(conn, sql, e, PG_ERRLEN) == -1)
		return -1;
	/* Signature, flags, header extension length. */
	return emit("PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19, e);
}

/* A row's ids, NOID for NULL. */
static void
rowids(size_t row, int64_t *id)
{
	int k;

	for (k = 1; k < ND; k++)
		if ((id[k] = rowid[row * ND + k]) == NOID32)
			id[k] = NOID;
}

/* A row's narrow logs line to the COPY.  0 or -1 (e). */
static int
sendrow(size_t row, char *e)
{
	/* error_code, request_id */
	static const int texts[] = { 11, 6 };
	/* referer, version_id */
	static const int texts1[] = { 16, 18 };
	/* access_point_arn ... extra */
	static const int texts2[] = { 25, 26, 27, 28 };
	struct cbuf *o = &lrow;
	const char *f[NLOGCOLS];
	size_t n[NLOGCOLS], i;
	int64_t id[ND];
	unsigned char hb[96];
	int nb;

	rowfields(row, f, n);
	rowids(row, id);
	/* The columns of COPY logs (...) in fastbatch(). */
	o->len = 0;
	tb16(o, 26);
	tbuuid(o, f[0]);
	if (tbrowtime(o, row, f[3], n[3], e) == -1)
		return -1;
	tbnum(o, f[12], n[12], 8);
	tbnum(o, f[13], n[13], 8);
	tbint(o, id[D_BUCKET], 4);
	tbint(o, id[D_OBJECT], 4);
	tbint(o, id[D_CLIENT], 4);
	tbint(o, id[D_REQUESTER], 4);
	tbint(o, id[D_UA], 4);
	tbnum(o, f[14], n[14], 4);
	tbnum(o, f[15], n[15], 4);
	tbint(o, id[D_OPERATION], 2);
	tbnum(o, f[10], n[10], 2);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		tbtext(o, f[texts[i]], n[texts[i]]);
	/* request_uri: NULL when its form has an id. */
	if (id[D_URI] != NOID)
		tbtext(o, "\\N", 2);
	else
		tbtext(o, f[9], n[9]);
	for (i = 0; i < sizeof(texts1) / sizeof(texts1[0]); i++)
		tbtext(o, f[texts1[i]], n[texts1[i]]);
	/* host_id: NULL when host_id_bytes (the last column) holds it. */
	nb = n[19] <= sizeof(hb) / 3 * 4 ? base64bytes(f[19], n[19], hb) : -1;
	if (nb >= 0)
		tb32(o, -1);
	else
		tbtext(o, f[19], n[19]);
	tbint(o, id[D_ENDPOINT], 4);
	for (i = 0; i < sizeof(texts2) / sizeof(texts2[0]); i++)
		tbtext(o, f[texts2[i]], n[texts2[i]]);
	tbint(o, id[D_URI], 4);
	tb32(o, nb);		/* -1: NULL */
	if (nb > 0)
		tbput(o, hb, nb);
	return emit(o->b, o->len, e);
}

/* A row's counts to the batch's sums (the summer thread's). */
static void
sumrow(size_t row)
{
	const struct rowfact *rf = &rowfact[row];
	const char *f[NLOGCOLS];
	size_t n[NLOGCOLS], x, xday, xobj = (size_t)-1;
	int64_t id[ND], day, status = rf->status, bytes = rf->bytes, size;
	struct dlkey dk;
	char ek[PG_ERRLEN];
	int dl = rf->dl, l;

	rowids(row, id);
	day = rowid[row * ND];
	xday = aggindex(aday, &day, sizeof(day), &nday);
	count(&cday[xday], dl, status, bytes);
	if (nday == capday) {
		capday *= 2;
		cday = xreallocarray(cday, capday, sizeof(*cday));
		memset(cday + nday, 0, (capday - nday) * sizeof(*cday));
	}
	if (id[D_OBJECT] != NOID) {
		int64_t ok[2] = { day, id[D_OBJECT] };

		xobj = aggindex(aobj, ok, sizeof(ok), &nobj);
		count(&cobj[xobj], dl, status, bytes);
		if (nobj == capobj) {
			capobj *= 2;
			cobj = xreallocarray(cobj, capobj, sizeof(*cobj));
			memset(cobj + nobj, 0, (capobj - nobj) * sizeof(*cobj));
		}
		if ((size = rf->size) >= 0) {
			int isnew;
			int64_t *v = hmap_get(asize, &id[D_OBJECT],
			    sizeof(id[D_OBJECT]), 1, size, &isnew);

			if (size > *v)
				*v = size;
		}
	}
	if (dl) {
		dk.day = day;
		dk.object = id[D_OBJECT];
		dk.client = id[D_CLIENT];
		dk.requester = id[D_REQUESTER] == NOID ? 0 : id[D_REQUESTER];
		x = aggindex(adl, &dk, sizeof(dk), &ndl);
		cdl[x].downloads++;
		cdl[x].bytes += bytes;
		cdl[x].xday = xday;
		cdl[x].xobj = xobj;
		if (ndl == capdl) {
			capdl *= 2;
			cdl = xreallocarray(cdl, capdl, sizeof(*cdl));
			memset(cdl + ndl, 0, (capdl - ndl) * sizeof(*cdl));
		}
	}
	if (rf->err) {
		int64_t *v;

		rowfields(row, f, n);
		/* day, operation, status, error code: pgload_err's text. */
		kreserve(n[7] + n[11] + 64);
		dayname(day, ek);
		l = 10;
		memcpy(kbuf, ek, l);
		kbuf[l++] = '\t';
		if (isnull(f[7], n[7]))
			kbuf[l++] = '-';
		else {
			memcpy(kbuf + l, f[7], n[7]);
			l += n[7];
		}
		l += snprintf(kbuf + l, 32, "\t%lld\t",
		    (long long)(status < 0 ? 0 : status));
		if (isnull(f[11], n[11]))
			kbuf[l++] = '-';
		else {
			memcpy(kbuf + l, f[11], n[11]);
			l += n[11];
		}
		v = hmap_get(aerr, kbuf, l, 1, 0, NULL);
		(*v)++;
	}
}

/*
 * The queue tables' rows of a batch, as COPY data, made while the server
 * still works through the batch's logs rows (see fastbatch()).  The big
 * ones (sums per object and per client, sizes, pairs) are binary: the
 * server reads them in about half the time it takes to parse them as
 * text (measured on 139,413 pgload_queue_client rows: 62-72 ms against
 * 120-223 ms), and they are cheaper to make.
 */
enum { Q_OBJ, Q_DAY, Q_CLIENT, Q_REQ, Q_PAIRS, Q_ERR, Q_OSIZE, NQ };
static struct cbuf qb[NQ] = {
	/* The last column, batch, is the loading transaction's id (qsuffix). */
	{ .sql = "COPY pgload_queue_obj (day, object_id, requests, downloads, "
	    "full_downloads, partial_downloads, bytes_sent, errors, "
	    "downloaders, batch) FROM STDIN (FORMAT binary)", .bin = 1 },
	{ .sql = "COPY pgload_queue_day (day, requests, downloads, full_downloads, "
	    "partial_downloads, bytes_sent, errors, downloaders, objects, "
	    "requesters, object_downloaders, batch) FROM STDIN" },
	{ .sql = "COPY pgload_queue_client (day, client_id, downloads, bytes_sent, "
	    "objects, batch) FROM STDIN (FORMAT binary)", .bin = 1 },
	{ .sql = "COPY pgload_queue_requester (day, requester_id, downloads, "
	    "bytes_sent, clients, objects, batch) FROM STDIN" },
	{ .sql = "COPY report_pairs_queue (object_id, client_ids, requester_ids, "
	    "downloads, bytes_sent, batch) FROM STDIN (FORMAT binary)",
	    .bin = 1 },
	{ .sql = "COPY pgload_queue_err (day, operation, http_status, error_code, "
	    "requests, batch) FROM STDIN" },
	{ .sql = "COPY pgload_queue_osize (object_id, size, batch) FROM STDIN "
	    "(FORMAT binary)", .bin = 1 },
};
static char	 qsuffix[48];		/* "\t" batch id "\n", ends each row */
static size_t	 qsuffixlen;
static uint64_t	 qbatch;		/* the batch id, for binary rows */

/* A binary row of nf fields begins; the first row is after the header. */
static void
qstart(struct cbuf *q, int nf)
{
	static const char head[19] = "PGCOPY\n\377\r\n";	/* and 10 zeros */

	if (q->len == 0)
		tbput(q, head, sizeof(head));
	tb16(q, nf);
}

/* A date field from a day number (days since 1970; the server's: 2000). */
static void
qdate(struct cbuf *q, int64_t day)
{
	tb32(q, 4);
	tb32(q, day - 10957);
}

static void
qhll(struct cbuf *q, struct hllset *s)
{
	uint8_t b[HLL_BYTESMAX];
	size_t n = hll_bytes(s, b);

	tb32(q, n);
	tbput(q, b, n);
}

/* The last field of every row: the batch (xid8). */
static void
qend(struct cbuf *q)
{
	tb32(q, 8);
	tb64(q, (int64_t)qbatch);
}

/*
 * v in decimal at b (at most 20 bytes, no NUL); its length.  The queue's
 * rows are mostly numbers, and snprintf() was a tenth of the summer's
 * time.
 */
static int
fmtll(char *b, int64_t v)
{
	char t[20];
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int n = 0, l = 0;

	do
		t[n++] = '0' + u % 10;
	while ((u /= 10) != 0);
	if (v < 0)
		b[l++] = '-';
	while (n > 0)
		b[l++] = t[--n];
	return l;
}

/* An aggregate's entry: its key (one or two int64_t) and value. */
struct aggent {
	int64_t	 k[2], v;
};
static struct aggent *aggbuf;		/* binagg()'s, the summer's */
static size_t	 aggcap;

static int
cmpagg(const void *a, const void *b)
{
	const struct aggent *x = a, *y = b;

	if (x->k[0] != y->k[0])
		return x->k[0] < y->k[0] ? -1 : 1;
	if (x->k[1] != y->k[1])
		return x->k[1] < y->k[1] ? -1 : 1;
	return 0;
}

/*
 * An aggregate hmap's rows, written into q by bin, in key order: the fold
 * inserts them in the order they were queued, and keys in order go into
 * the rollups' primary key indexes (day, id) at one end, where PostgreSQL
 * adds to the last leaf page without a descent from the root.
 */
static void
binagg(struct cbuf *q, struct hmap *m,
    void (*bin)(struct cbuf *, const int64_t *, int64_t))
{
	struct aggent *e;
	const void *key;
	int64_t *v;
	size_t it = 0, klen, n = 0, i;

	if (hmap_count(m) > aggcap) {
		aggcap = hmap_count(m) * 2;
		aggbuf = xreallocarray(aggbuf, aggcap, sizeof(*aggbuf));
	}
	e = aggbuf;
	while (hmap_next(m, &it, &key, &klen, &v)) {
		e[n].k[1] = 0;
		memcpy(e[n].k, key, klen < sizeof(e[n].k) ? klen :
		    sizeof(e[n].k));
		e[n++].v = *v;
	}
	qsort(e, n, sizeof(*e), cmpagg);
	for (i = 0; i < n; i++)
		bin(q, e[i].k, e[i].v);
}

/* A row made by a fmt function (ending in a newline) into q, batch added. */
static void
qrow(struct cbuf *q, const char *line, size_t l)
{
	bput(&q->b, &q->len, &q->size, line, l - 1);
	bput(&q->b, &q->len, &q->size, qsuffix, qsuffixlen);
}

/* An aggregate hmap's rows, formatted by fmt, into q. */
static void
fmtagg(struct cbuf *q, struct hmap *m,
    int (*fmt)(char *, size_t, const void *, size_t, int64_t))
{
	static char line[4 * HLL_TEXTMAX + 256];
	const void *key;
	int64_t *v;
	size_t it = 0, klen;
	int l;

	while (hmap_next(m, &it, &key, &klen, &v)) {
		if (fmt == NULL) {	/* the key is the row's text */
			bput(&q->b, &q->len, &q->size, key, klen);
			line[0] = '\t';
			l = 1 + fmtll(line + 1, *v);
			line[l++] = '\n';
		} else
			l = fmt(line, sizeof(line), key, klen, *v);
		qrow(q, line, l);
	}
}

/*
 * The queue's rows, committed on sconn in a transaction of their own.
 * Returns 0, or -1 with e filled (then rolled back).
 */
static int
sendqueue(char *e)
{
	char e2[PG_ERRLEN];
	int j;

	if (pg_exec(sconn, "BEGIN", e, PG_ERRLEN) == -1)
		return -1;
	for (j = 0; j < NQ; j++) {
		if (qb[j].len == 0)
			continue;
		if (qb[j].bin)		/* the end of binary COPY data */
			tbput(&qb[j], "\377\377", 2);
		if (copyto(sconn, qb[j].sql, qb[j].b, qb[j].len, e) == -1) {
			(void)pg_exec(sconn, "ROLLBACK", e2, sizeof(e2));
			return -1;
		}
	}
	return pg_exec(sconn, "COMMIT", e, PG_ERRLEN);
}

static int
fmtid(char *b, int64_t id)
{
	if (id == NOID) {
		memcpy(b, "\\N", 2);
		return 2;
	}
	return fmtll(b, id);
}

/* "\t" and each count, at most 6 * 21 bytes. */
static int
fmtcnt(char *b, const struct cnt *c)
{
	const int64_t v[] = { c->requests, c->downloads, c->full, c->partial,
	    c->bytes, c->errors };
	size_t i;
	int l = 0;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		b[l++] = '\t';
		l += fmtll(b + l, v[i]);
	}
	return l;
}

static void
binobj(struct cbuf *q, const int64_t *k, int64_t v)
{
	const struct cnt *c = &cobj[v];

	qstart(q, 10);
	qdate(q, k[0]);
	tbint(q, k[1], 4);
	tbint(q, c->requests, 8);
	tbint(q, c->downloads, 8);
	tbint(q, c->full, 8);
	tbint(q, c->partial, 8);
	tbint(q, c->bytes, 8);
	tbint(q, c->errors, 8);
	qhll(q, &hobj[v]);
	qend(q);
}

static int
fmtday(char *b, size_t sz, const void *key, size_t klen, int64_t v)
{
	int64_t k;
	int i, l;

	(void)klen;
	memcpy(&k, key, sizeof(k));
	dayname(k, b);
	l = 10 + fmtcnt(b + 10, &cday[v]);
	for (i = 0; i < 4; i++) {
		b[l++] = '\t';
		l += hll_text(&hday[v][i], b + l);
	}
	b[l++] = '\n';
	return l;
}

/* One (object, client, requester) download total of the batch. */
struct pair {
	int64_t	 object, client, requester, downloads, bytes;
};

/*
 * Sort p[n] by object: a radix sort on its 32 bits, 11 at a time, passes
 * whose digit is the same for all skipped.  (qsort() by the whole pair
 * was a sixth of the summer's time.)
 */
static void
sortpairs(struct pair *p, size_t n)
{
	struct pair *a = p, *b, *t;
	size_t cnt[2048], i, sum, c;
	int sh;

	if (n < 2)
		return;
	b = xreallocarray(NULL, n, sizeof(*b));
	for (sh = 0; sh < 32; sh += 11) {
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[(uint32_t)a[i].object >> sh & 2047]++;
		if (cnt[(uint32_t)a[0].object >> sh & 2047] == n)
			continue;
		for (i = sum = 0; i < 2048; i++) {
			c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[cnt[(uint32_t)a[i].object >> sh & 2047]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	if (a != p) {
		memcpy(p, a, n * sizeof(*p));
		b = a;
	}
	free(b);
}

/*
 * The batch's report_pairs_queue rows, into q: one per object, its
 * clients, requesters, downloads and bytes as four arrays in step (a
 * tenth of the rows one per pair would be, which the server stores that
 * much faster).
 */
static void
fmtpairs(struct cbuf *q)
{
	struct pair *p;
	const void *key;
	struct dlkey k;
	int64_t *v;
	size_t it = 0, klen, np = 0, i, j, x;
	int col;

	p = xreallocarray(NULL, hmap_count(adl) + 1, sizeof(*p));
	while (hmap_next(adl, &it, &key, &klen, &v)) {
		memcpy(&k, key, sizeof(k));
		if (k.object == NOID || k.client == NOID)
			continue;
		p[np].object = k.object;
		p[np].client = k.client;
		p[np].requester = k.requester;
		p[np].downloads = cdl[*v].downloads;
		p[np].bytes = cdl[*v].bytes;
		np++;
	}
	/*
	 * By object; the same pair on several days of the batch stays
	 * several entries, which report_pairs_fold() adds up.
	 */
	sortpairs(p, np);
	for (i = 0; i < np; i = j) {
		for (j = i; j < np && p[j].object == p[i].object; j++)
			;
		qstart(q, 6);
		tbint(q, p[i].object, 4);
		for (col = 0; col < 4; col++) {
			/* int[] (element type 23) or bigint[] (20), 1-based. */
			int w = col < 2 ? 4 : 8;

			tb32(q, 20 + (j - i) * (4 + w));
			tb32(q, 1);
			tb32(q, 0);
			tb32(q, w == 4 ? 23 : 20);
			tb32(q, j - i);
			tb32(q, 1);
			for (x = i; x < j; x++)
				tbint(q, col == 0 ? p[x].client :
				    col == 1 ? p[x].requester :
				    col == 2 ? p[x].downloads : p[x].bytes, w);
		}
		qend(q);
	}
	free(p);
}

static void
bincli(struct cbuf *q, const int64_t *k, int64_t v)
{
	struct rsum *r = &rcli[v];

	qstart(q, 6);
	qdate(q, k[0]);
	tbint(q, k[1], 4);
	tbint(q, r->downloads, 8);
	tbint(q, r->bytes, 8);
	qhll(q, &r->a);
	qend(q);
}

/* A pgload_queue_requester row. */
static int
fmtreq(char *b, size_t sz, const void *key, size_t klen, int64_t v)
{
	struct rsum *r = &rreq[v];
	int64_t k[2];
	int l;

	(void)klen;
	(void)sz;
	memcpy(k, key, sizeof(k));
	dayname(k[0], b);
	l = 10;
	b[l++] = '\t';
	l += fmtid(b + l, k[1]);
	b[l++] = '\t';
	l += fmtll(b + l, r->downloads);
	b[l++] = '\t';
	l += fmtll(b + l, r->bytes);
	b[l++] = '\t';
	l += hll_text(&r->a, b + l);
	b[l++] = '\t';
	l += hll_text(&r->b, b + l);
	b[l++] = '\n';
	return l;
}

static void
binsize(struct cbuf *q, const int64_t *k, int64_t v)
{
	qstart(q, 3);
	tbint(q, k[0], 4);
	tbint(q, v, 8);
	qend(q);
}

/* Add downloads d and bytes b to the rsum of (day, id) in m; return it. */
static struct rsum *
rsumadd(struct hmap *m, int64_t day, int64_t id, struct rsum **v, size_t *n,
    size_t *cap, int64_t d, int64_t b)
{
	int64_t k[2] = { day, id };
	size_t oldn = *n, x = aggindex(m, k, sizeof(k), n);
	struct rsum *r;

	if (*n > *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	r = &(*v)[x];
	if (*n > oldn)
		memset(r, 0, sizeof(*r));
	r->downloads += d;
	r->bytes += b;
	return r;
}

/*
 * The batch's HyperLogLog sets, from its downloads (adl, one entry per
 * distinct (day, object, client, requester)): lib/hll.c builds the bytes
 * hll_add_agg() would, so that the server only unions them.
 */
static void
sketch(void)
{
	const void *key;
	struct dlkey k;
	struct rsum *r;
	int64_t *v, d, b, x, ho = 0, hc = 0;
	size_t it = 0, klen;

	hobj = xcalloc(nobj + 1, sizeof(*hobj));
	hday = xcalloc(nday + 1, sizeof(*hday));
	while (hmap_next(adl, &it, &key, &klen, &v)) {
		memcpy(&k, key, sizeof(k));
		d = cdl[*v].downloads;
		b = cdl[*v].bytes;
		x = cdl[*v].xday;
		if (k.object != NOID)
			ho = hll_hash4((int32_t)k.object);
		if (k.client != NOID)
			hc = hll_hash4((int32_t)k.client);
		if (k.object != NOID) {
			if (k.client != NOID)
				hll_add(&hobj[cdl[*v].xobj], hc);
			hll_add(&hday[x][1], ho);
		}
		if (k.client != NOID) {
			r = rsumadd(acli, k.day, k.client, &rcli, &ncli,
			    &capcli, d, b);
			if (k.object != NOID)
				hll_add(&r->a, ho);
			hll_add(&hday[x][0], hc);
		}
		r = rsumadd(areq, k.day, k.requester, &rreq, &nreq, &capreq, d,
		    b);
		if (k.client != NOID)
			hll_add(&r->a, hc);
		if (k.object != NOID)
			hll_add(&r->b, ho);
		hll_add(&hday[x][2], hll_hash4((int32_t)k.requester));
		if (k.object != NOID && k.client != NOID)
			hll_add(&hday[x][3], hll_hash8((int64_t)((uint64_t)
			    k.object << 32 | (uint64_t)k.client)));
	}
}

/* Free the sketches of sketch(). */
static void
unsketch(void)
{
	size_t i;
	int j;

	if (hobj != NULL)
		for (i = 0; i < nobj; i++)
			hll_free(&hobj[i]);
	if (hday != NULL)
		for (i = 0; i < nday; i++)
			for (j = 0; j < 4; j++)
				hll_free(&hday[i][j]);
	for (i = 0; i < ncli; i++) {
		hll_free(&rcli[i].a);
		hll_free(&rcli[i].b);
	}
	for (i = 0; i < nreq; i++) {
		hll_free(&rreq[i].a);
		hll_free(&rreq[i].b);
	}
	free(hobj);
	free(hday);
	hobj = NULL;
	hday = NULL;
	ncli = nreq = 0;
	hmap_clear(acli);
	hmap_clear(areq);
}

/* The months of the batch's rows as a date[] literal, into kbuf. */
static void
monthlist(void)
{
	const void *key;
	int64_t *v;
	size_t it = 0, klen, l = 0;

	kreserve(16 * hmap_count(months) + 3);
	kbuf[l++] = '{';
	while (hmap_next(months, &it, &key, &klen, &v)) {
		if (l > 1)
			kbuf[l++] = ',';
		memcpy(kbuf + l, key, 7);
		memcpy(kbuf + l + 7, "-01", 3);
		l += 10;
	}
	kbuf[l++] = '}';
	kbuf[l] = '\0';
}

/*
 * The summer: a thread that adds up the batch's new rows (sumrow), makes
 * its sketches and formats the queue's rows, while the loader thread
 * encodes and sends the same rows to the COPY into logs.  It starts once
 * the batch's new rows are known (after the probe) and owns the sums
 * until waitsummer() returns.
 */
static pthread_t summer;
static pthread_mutex_t smu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t scv = PTHREAD_COND_INITIALIZER;
static int	 sgo, squit, sfail;
static char	 serr[PG_ERRLEN];

static void *
summermain(void *arg)
{
	size_t i;
	int j;

	(void)arg;
	sconn = sideconn(sideinfo, "sums");
	pthread_mutex_lock(&smu);
	for (;;) {
		while (!sgo && !squit)
			pthread_cond_wait(&scv, &smu);
		if (!sgo)
			break;
		pthread_mutex_unlock(&smu);
		for (i = 0; i < nbatch; i++)
			if (!rowdup[i])
				sumrow(i);
		sketch();
		for (j = 0; j < NQ; j++)
			qb[j].len = 0;
		binagg(&qb[Q_OBJ], aobj, binobj);
		fmtagg(&qb[Q_DAY], aday, fmtday);
		binagg(&qb[Q_CLIENT], acli, bincli);
		fmtagg(&qb[Q_REQ], areq, fmtreq);
		fmtpairs(&qb[Q_PAIRS]);
		fmtagg(&qb[Q_ERR], aerr, NULL);
		binagg(&qb[Q_OSIZE], asize, binsize);
		sfail = sendqueue(serr) == -1;
		pthread_mutex_lock(&smu);
		sgo = 0;
		pthread_cond_broadcast(&scv);
	}
	pthread_mutex_unlock(&smu);
	free(kbuf);	/* this thread's */
	return NULL;
}

static void
kicksummer(void)
{
	pthread_mutex_lock(&smu);
	sgo = 1;
	pthread_cond_broadcast(&scv);
	pthread_mutex_unlock(&smu);
}

static void
waitsummer(void)
{
	pthread_mutex_lock(&smu);
	while (sgo)
		pthread_cond_wait(&scv, &smu);
	pthread_mutex_unlock(&smu);
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
	params[0] = kbuf;
	if ((r = pg_query(conn, "SELECT pgload_begin($1::date[]), "
	    "pg_current_xact_id()", 1, params, e, PG_ERRLEN)) == NULL)
		return -1;
	/* The batch's id, which its queue rows carry (025-sums-apart.sql). */
	qsuffixlen = snprintf(qsuffix, sizeof(qsuffix), "\t%s\n",
	    PQgetvalue(r, 0, 1));
	qbatch = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
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
	for (i = 0; i < nbatch; i++) {
		if (rowdup[i])
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
	if (olen > 0 && pg_copy_put(conn, obuf, olen, e, PG_ERRLEN) == -1) {
		olen = 0;
		(void)pg_copy_end(conn, NULL, &ul, col, sizeof(col), ek,
		    sizeof(ek));
		waitsummer();
		return -1;
	}
	olen = 0;
	rc = copydone(e);
	/*
	 * The summer has committed the batch's sums (or failed) when it is
	 * done: only then may the batch commit.
	 */
	waitsummer();
	if (rc == -1)
		return -1;
	if (sfail) {
		if (PQstatus(sconn) != CONNECTION_OK)
			dbdie(serr);
		snprintf(e, PG_ERRLEN, "queueing the sums: %.400s", serr);
		return -1;
	}
	return 0;
}

/* The slow way: the whole batch through pgload_merge(). */
static void
slowbatch(void)
{
	char e[PG_ERRLEN], col[64];
	unsigned long l;
	PGresult *r;
	size_t off, n;

	if (pg_copy_begin(conn, "COPY pgload_staging FROM STDIN", e,
	    sizeof(e)) == -1)
		dbdie(e);
	for (off = 0; off < blen; off += n) {
		n = blen - off > OBUFSIZE ? OBUFSIZE : blen - off;
		if (pg_copy_put(conn, bbuf + off, n, e, sizeof(e)) == -1) {
			(void)pg_copy_end(conn, NULL, &l, col, sizeof(col), e,
			    sizeof(e));
			copyfail(e, l, col);
		}
	}
	if (pg_copy_end(conn, NULL, &l, col, sizeof(col), e, sizeof(e)) == -1)
		copyfail(e, l, col);
	if ((r = pg_query(conn, "SELECT pgload_merge()", 0, NULL, e,
	    sizeof(e))) == NULL)
		dbdie(e);
	if (PQntuples(r) == 1)
		nloaded += strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
}

/* Empty the per-batch state. */
static void
resetbatch(void)
{
	nbatch = 0;
	hmap_clear(aobj);
	hmap_clear(aday);
	hmap_clear(adl);
	hmap_clear(aerr);
	hmap_clear(asize);
	unsketch();
	nobj = nday = ndl = 0;
	memset(cobj, 0, capobj * sizeof(*cobj));
	memset(cday, 0, capday * sizeof(*cday));
	memset(cdl, 0, capdl * sizeof(*cdl));
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

	for (i = 0; i < nbatch && rowdup[i]; i++)
		;
	ends[0] = i;
	ends[1] = nbatch - 1;	/* a repeat would do as well */
	for (k = 0; k < 2; k++) {
		i = ends[k];
		rowfields(i, f, n);
		if (n[3] >= sizeof(tm))
			continue;
		memcpy(hash, f[0], 32);
		hash[32] = '\0';
		memcpy(tm, f[3], n[3]);
		tm[n[3]] = '\0';
		params[0] = tm;
		params[1] = hash;
		if ((r = pg_query(conn, "SELECT EXISTS (SELECT 1 FROM logs "
		    "WHERE time = $1::timestamptz AND line_hash = $2::uuid)",
		    2, params, e, PG_ERRLEN)) == NULL)
			dbdie(e);
		yes = PQntuples(r) == 1 && *PQgetvalue(r, 0, 0) == 't';
		PQclear(r);
		if (yes) {
			snprintf(e, PG_ERRLEN, "line %llu is stored already",
			    linemap[i]);
			return 1;
		}
	}
	return 0;
}

static void	kickfold(void);

/*
 * What failed (e) since the savepoint is rolled back and the batch goes
 * the slow way; -v says why.  A lost connection ends the run instead.
 */
static void
fallback(const char *savepoint, const char *e, const char *how)
{
	char q[64];

	if (PQstatus(conn) != CONNECTION_OK)
		dbdie(e);
	if (vflag)
		fprintf(stderr, "pgload: stdin:%llu-%llu: %s: %s\n", linemap[0],
		    linemap[nbatch - 1], e, how);
	snprintf(q, sizeof(q), "ROLLBACK TO SAVEPOINT %s", savepoint);
	sql(q);
	/* Sums the summer committed for this batch: the merge queues its own. */
	sql("SELECT pgload_unqueue(pg_current_xact_id())");
	slowbatch();
	nslow++;
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
	struct cbuf *o = &lrow;
	const char *f[NLOGCOLS];
	size_t n[NLOGCOLS], i;
	PGresult *r;
	long ord;
	int j;

	if (binbegin("COPY pgload_probe FROM STDIN (FORMAT binary)", e) == -1)
		return -1;
	for (i = 0; i < nbatch; i++) {
		if (rowdup[i])
			continue;
		rowfields(i, f, n);
		o->len = 0;
		tb16(o, 3);
		tbint(o, (int64_t)i, 4);
		if (tbrowtime(o, i, f[3], n[3], e) == -1)
			return -1;
		tbuuid(o, f[0]);
		if (emit(o->b, o->len, e) == -1)
			return -1;
	}
	if (emit("\377\377", 2, e) == -1 || copydone(e) == -1)
		return -1;
	if ((r = pg_query(conn, "SELECT pgload_probed()", 0, NULL, e,
	    PG_ERRLEN)) == NULL)
		return -1;
	*nold = 0;
	for (j = 0; j < PQntuples(r); j++) {
		ord = strtol(PQgetvalue(r, j, 0), NULL, 10);
		if (ord >= 0 && (size_t)ord < nbatch && !rowdup[ord]) {
			rowdup[ord] = 1;
			++*nold;
		}
	}
	PQclear(r);
	return 0;
}

static void
endlogbatch(void)
{
	char e[PG_ERRLEN];
	unsigned long long nnew;
	double t;
	size_t i, nold;

	if (nbatch == 0)
		return;
	sql("BEGIN");
	/*
	 * The loaders' lock first, before this transaction touches logs:
	 * otherwise a loader holding the lock and creating a partition waits
	 * for our lock on logs (taken by stored()) while we wait for its
	 * lock, and PostgreSQL reports a deadlock.
	 */
	sql("SELECT pg_advisory_xact_lock(1395803215, 2)");
	if (stored(e)) {
		sql("SAVEPOINT probe");
		if (probe(&nold, e) == -1) {
			fallback("probe", e, "merging");
			goto done;
		}
		nprobed++;
		if (vflag)
			fprintf(stderr, "pgload: stdin:%llu-%llu: %s: %zu "
			    "stored already, loading the rest\n", linemap[0],
			    linemap[nbatch - 1], e, nold);
	}
	for (i = 0; i < nbatch && rowdup[i]; i++)
		;
	if (i == nbatch)	/* every line stored already */
		goto done;
	sql("SAVEPOINT fast");
	if (noids != NULL) {
		snprintf(e, sizeof(e), "%s", noids);
		fallback("fast", e, "merging instead");
	} else if (fastbatch(&nnew, e) == 0)
		nloaded += nnew;
	else {
		olen = 0;
		fallback("fast", e, "merging instead");
	}
done:
	sql("COMMIT");
	kickfold();
	ndone += nbatch;
	if (vflag) {
		t = elapsed();
		fprintf(stderr, "pgload: %llu rows, %llu new, %.0f rows/s\n",
		    ndone, nloaded, t > 0 ? ndone / t : 0.0);
	}
	resetbatch();
}

/*
 * A side connection (fold, dict, sums), named apart from the loader in
 * pg_stat_activity ("pgload (what)").  Its commits need not wait for the
 * disk: the loader's last commit is synchronous, and the WAL is flushed
 * in order.
 */
static PGconn *
sideconn(const char *conninfo, const char *what)
{
	char e[PG_ERRLEN], q[512];
	PGconn *c;

	if ((c = pg_connect(conninfo, e, sizeof(e))) == NULL)
		errx(1, "%s", e);
	snprintf(q, sizeof(q), "SET synchronous_commit = off; "
	    "SET client_min_messages = warning; SET jit = off; "
	    "SELECT set_config('application_name', left(coalesce(nullif("
	    "current_setting('application_name'), ''), 'pgload') || "
	    "' (%s)', 63), false)", what);
	if (pg_exec(c, q, e, sizeof(e)) == -1)
		errx(1, "%s", e);
	return c;
}

/*
 * The reader's connection for dictionary values (resolve()), whose lock
 * waits end well before deadlock_timeout (see sql/024-dict-apart.sql).
 * Like the summer's and the folder's, it is opened by a thread of its own
 * while the reader reads the first batch: one after the other, the three
 * took a tenth of a second before the first line was read.
 */
static pthread_t dopener;
static int	 dopening;

static void *
dictopen(void *arg)
{
	char e[PG_ERRLEN];

	(void)arg;
	dconn = sideconn(sideinfo, "dict");
	if (pg_exec(dconn, "SET lock_timeout = '100ms'; "
	    "SELECT pgload_fast_prepare()", e, sizeof(e)) == -1)
		errx(1, "%s", e);
	return NULL;
}

static void
startsides(void)
{
	if ((errno = pthread_create(&dopener, NULL, dictopen, NULL)) != 0)
		err(1, "pthread_create");
	dopening = 1;
}

/* dconn, once dictopen() has opened it. */
static PGconn *
dictconn(void)
{
	if (dopening) {
		if ((errno = pthread_join(dopener, NULL)) != 0)
			err(1, "pthread_join");
		dopening = 0;
	}
	return dconn;
}

/*
 * The folder: a thread with its own connection that runs pgload_fold()
 * (sql/022-fold.sql) whenever a batch has committed, so that the server
 * adds one batch's sums to the rollups while it takes the next batch's
 * rows: two backends at work.  A fold takes everything queued, so a slow
 * fold is followed by a bigger one, not by a backlog.
 */
static pthread_t folder;
static pthread_mutex_t fmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fcv = PTHREAD_COND_INITIALIZER;
static PGconn	*fconn;
static int	 fwant, fstop, ffail, folding;
static char	 ferr[PG_ERRLEN];

static void *
foldermain(void *arg)
{
	char e[PG_ERRLEN];
	PGresult *r;

	(void)arg;
	fconn = sideconn(sideinfo, "fold");
	pthread_mutex_lock(&fmu);
	for (;;) {
		while (!fwant && !fstop)
			pthread_cond_wait(&fcv, &fmu);
		if (!fwant)
			break;
		fwant = 0;
		pthread_mutex_unlock(&fmu);
		r = pg_query(fconn, "SELECT pgload_fold()", 0, NULL, e,
		    sizeof(e));
		PQclear(r);
		pthread_mutex_lock(&fmu);
		if (r == NULL) {
			ffail = 1;
			memcpy(ferr, e, sizeof(ferr));
			break;
		}
	}
	pthread_mutex_unlock(&fmu);
	return NULL;
}

/* Ask for a fold (after a commit); exit if the folder has failed. */
static void
kickfold(void)
{
	pthread_mutex_lock(&fmu);
	if (ffail) {
		pthread_mutex_unlock(&fmu);
		errx(1, "folding the rollups: %s", ferr);
	}
	fwant = 1;
	pthread_cond_signal(&fcv);
	pthread_mutex_unlock(&fmu);
}

static void
startfolder(void)
{
	fwant = 1;	/* what earlier runs left in the queue */
	if ((errno = pthread_create(&folder, NULL, foldermain, NULL)) != 0)
		err(1, "pthread_create");
	folding = 1;
}

/*
 * The last fold, then make every batch durable: batches commit with
 * synchronous_commit off, and one synchronous commit flushes the WAL up
 * to it, so that an exit status of 0 means the rows survive a crash (the
 * nightly job advances its cursor on it).
 */
static void
stopfolder(void)
{
	if (!folding)
		return;
	pthread_mutex_lock(&fmu);
	fwant = fstop = 1;
	pthread_cond_signal(&fcv);
	pthread_mutex_unlock(&fmu);
	if ((errno = pthread_join(folder, NULL)) != 0)
		err(1, "pthread_join");
	folding = 0;
	PQfinish(fconn);
	if (ffail)
		errx(1, "folding the rollups: %s", ferr);
	sql("SET synchronous_commit = on; BEGIN; SELECT pg_current_xact_id(); "
	    "COMMIT");
}

static void *
loadermain(void *arg)
{
	struct batch *b;

	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (pending == NULL && !quit)
			pthread_cond_wait(&cv, &mu);
		if ((b = pending) == NULL)
			break;
		pending = NULL;
		busy = 1;
		pthread_mutex_unlock(&mu);
		bbuf = b->buf;
		blen = b->len;
		rowoff = b->off;
		rowdup = b->dup;
		rowfo = b->fo;
		rowid = b->rowid;
		rowfact = b->fact;
		noids = b->why[0] != '\0' ? b->why : NULL;
		linemap = b->lines;
		months = b->months;
		nbatch = b->n;
		endlogbatch();
		pthread_mutex_lock(&mu);
		busy = 0;
		pthread_cond_broadcast(&cv);
	}
	pthread_mutex_unlock(&mu);
	free(kbuf);	/* this thread's */
	return NULL;
}

/* Wait until the loader has loaded every batch handed to it. */
static void
waitloader(void)
{
	if (!threaded)
		return;
	pthread_mutex_lock(&mu);
	while (pending != NULL || busy)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

/* Hand *fill to the loader (once it is idle) and fill the other batch. */
static void
handoff(void)
{
	/* While the loader still loads the one before. */
	scanbatch(fill);
	waitloader();
	pthread_mutex_lock(&mu);
	fill->off[fill->n] = fill->len;
	pending = fill;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	/* The loader is done with the other one. */
	fill = fill == &bt[0] ? &bt[1] : &bt[0];
	fill->n = fill->len = 0;
	if (fill->seen != NULL)
		memset(fill->seen, 0, fill->seencap * sizeof(*fill->seen));
	fill->nseen = 0;
	hmap_clear(fill->months);
}

static int64_t	fillday;		/* the day of fill's last line */

/*
 * The size of the batch being filled.  The first batches of a large -b
 * are a tenth of it, then a fifth, ...: the loader starts at once and
 * always has the next batch ready by the time it is done, instead of
 * waiting for the reader to fill a whole -b while it has only a tenth to
 * load.
 */
static long long
batchsize(void)
{
	long long n;

	if (batchrows < 10000 || nhanded >= 4)
		return batchrows;
	n = batchrows / 10 << nhanded;
	return n < batchrows ? n : batchrows;
}

/*
 * The rows of a batch by line hash and time text, to find repeats: an
 * open-addressing table of row numbers with a tag made of the hash's first
 * 16 digits (the hash is random already), so that a lookup hashes and
 * copies nothing and compares the lines themselves only when the tags
 * agree.  The tag needs nothing but the hash, so the main loop can
 * prefetch its slot as soon as it has the line: the table is megabytes,
 * and its probe was the reader's costliest load.
 */
static uint64_t
seentag(const char *hash)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < 16; i++)
		t = t << 4 | hexdigit(hash[i]);
	return t;
}

/* Whether row a of batch bp has this hash (any case) and time text. */
static int
samerow(const struct batch *bp, size_t a, const char *hash, const char *tm,
    size_t tmlen)
{
	const char *line = bp->buf + bp->off[a];
	const uint32_t *o = bp->fo + a * (NLOGCOLS + 1);
	int i;

	if (o[4] - o[3] - 1 != tmlen || memcmp(line + o[3], tm, tmlen) != 0)
		return 0;
	for (i = 0; i < 32; i++)
		if ((line[i] | 0x20) != (hash[i] | 0x20))
			return 0;
	return 1;
}

/* Whether row (hash, tm) repeats one of batch bp's; if not, it is added. */
static int
seenrow(struct batch *bp, size_t row, const char *hash, const char *tm,
    size_t tmlen)
{
	uint64_t tag = seentag(hash);
	struct seen *s;
	size_t i, j, mask;

	if ((bp->nseen + 1) * 2 > bp->seencap) {
		struct seen *old = bp->seen;
		size_t oldcap = bp->seencap;

		bp->seencap = oldcap ? oldcap * 2 : 1024;
		bp->seen = xcalloc(bp->seencap, sizeof(*bp->seen));
		mask = bp->seencap - 1;
		for (i = 0; i < oldcap; i++) {
			if (old[i].row == 0)
				continue;
			for (j = old[i].tag & mask; bp->seen[j].row != 0;
			    j = (j + 1) & mask)
				;
			bp->seen[j] = old[i];
		}
		free(old);
	}
	mask = bp->seencap - 1;
	for (j = tag & mask; (s = &bp->seen[j])->row != 0; j = (j + 1) & mask)
		if (s->tag == tag && samerow(bp, s->row - 1, hash, tm, tmlen))
			return 1;
	s->tag = tag;
	s->row = (uint32_t)row + 1;
	bp->nseen++;
	return 0;
}

/* A checked line into *fill: repeats within the batch, months. */
static void
addlogline(const char *line, size_t len, unsigned long long lineno,
    const char **f, const size_t *n)
{
	struct batch *b = fill;
	int64_t day = timeday(f[3]);
	long long want = batchsize();
	size_t i;
	char mon[11];
	int isnew;

	/*
	 * A batch ends early at the first change of day in its second half:
	 * logs come roughly in time order, so a day's rollup keys are then
	 * in one batch, which the fold inserts (sql/027-fold-new-days.sql)
	 * instead of adding them to the rows an earlier batch made.  On
	 * bench/genlogs.py's input (a day is a third of -b) this took the
	 * fold's CPU time from 1.8 s to 1.2 s and pgload's (all its threads)
	 * from 3.8 to 3.2 s (means of 7 runs).
	 */
	if (b->n > 0 && day != fillday && (long long)b->n >= want / 2) {
		handoff();
		nhanded++;
		b = fill;
	}
	if (b->n == 0)
		scanstart();
	/*
	 * The month's partition ("YYYY-MM"), by the day (23:59:60), when the
	 * day is not the previous line's: every line's month is then in
	 * b->months (a repeat's too, which is its first line's).
	 */
	if (b->n == 0 || day != fillday) {
		dayname(day, mon);
		(void)hmap_get(b->months, mon, 7, 1, 0, NULL);
	}
	fillday = day;
	b->off[b->n] = b->len;
	/* The fields' offsets, so that the loader need not split it again. */
	for (i = 0; i < NLOGCOLS; i++)
		b->fo[b->n * (NLOGCOLS + 1) + i] = f[i] - line;
	b->fo[b->n * (NLOGCOLS + 1) + NLOGCOLS] = len + 1;
	bput(&b->buf, &b->len, &b->size, line, len);
	bput(&b->buf, &b->len, &b->size, "\n", 1);
	/* Repeats within the batch: same hash (any case) and time text. */
	isnew = !seenrow(b, b->n, f[0], f[3], n[3]);
	b->dup[b->n] = !isnew;
	/* Its day and ids now, while the line is in the cache. */
	if (isnew) {
		struct rowfact *rf = &b->fact[b->n];

		b->rowid[b->n * ND] = (int32_t)day;
		scanrow(b, b->n);
		rf->status = (int16_t)numval(f[10], n[10]);
		if ((rf->bytes = numval(f[12], n[12])) < 0)
			rf->bytes = 0;
		rf->size = numval(f[13], n[13]);
		rf->dl = n[7] == 15 && memcmp(f[7], "REST.GET.OBJECT", 15) ==
		    0 && (rf->status == 200 || rf->status == 206);
		rf->err = rf->status >= 400 || !isnull(f[11], n[11]);
	}
	b->lines[b->n++] = lineno;
	nread++;
	if ((long long)b->n == batchsize()) {
		handoff();
		nhanded++;
	}
}

/* The end of input: load the last batch, stop the loader. */
static void
endlogs(void)
{
	if (fill->n > 0)
		handoff();
	waitloader();
	pthread_mutex_lock(&mu);
	quit = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	if ((errno = pthread_join(loader, NULL)) != 0)
		err(1, "pthread_join");
	pthread_mutex_lock(&smu);
	squit = 1;
	pthread_cond_broadcast(&scv);
	pthread_mutex_unlock(&smu);
	if ((errno = pthread_join(summer, NULL)) != 0)
		err(1, "pthread_join");
	threaded = 0;
}

static void
setuplogs(void)
{
	int k;

	ncols = NLOGCOLS;
	colnames = (char **)logcols;
	sql("SELECT pgload_prepare(), pgload_fast_prepare()");
	for (k = 1; k < ND; k++)
		dict[k] = hmap_new();
	for (k = 0; k < 2; k++) {
		bt[k].rowid = xreallocarray(NULL, batchrows, ND *
		    sizeof(*bt[k].rowid));
		bt[k].fact = xreallocarray(NULL, batchrows,
		    sizeof(*bt[k].fact));
		bt[k].off = xreallocarray(NULL, batchrows + 1,
		    sizeof(*bt[k].off));
		bt[k].dup = xmalloc(batchrows);
		bt[k].fo = xreallocarray(NULL, batchrows, (NLOGCOLS + 1) *
		    sizeof(*bt[k].fo));
		bt[k].lines = xreallocarray(NULL, batchrows,
		    sizeof(*bt[k].lines));
		bt[k].months = hmap_new();
	}
	aobj = hmap_new();
	aday = hmap_new();
	adl = hmap_new();
	aerr = hmap_new();
	asize = hmap_new();
	acli = hmap_new();
	areq = hmap_new();
	capobj = capday = capdl = 1024;
	cobj = xcalloc(capobj, sizeof(*cobj));
	cday = xcalloc(capday, sizeof(*cday));
	cdl = xcalloc(capdl, sizeof(*cdl));
	if ((errno = pthread_create(&loader, NULL, loadermain, NULL)) != 0 ||
	    (errno = pthread_create(&summer, NULL, summermain, NULL)) != 0)
		err(1, "pthread_create");
	threaded = 1;
}

static void
freelogs(void)
{
	int k;

	for (k = 1; k < ND; k++) {
		hmap_free(dict[k]);
		free(memo[k].key);
	}
	free(ordid);
	for (k = 0; k < 2; k++) {
		free(bt[k].rowid);
		free(bt[k].fact);
		free(bt[k].buf);
		free(bt[k].off);
		free(bt[k].dup);
		free(bt[k].fo);
		free(bt[k].lines);
		free(bt[k].seen);
		hmap_free(bt[k].months);
	}
	hmap_free(aobj);
	hmap_free(aday);
	hmap_free(adl);
	hmap_free(aerr);
	hmap_free(asize);
	unsketch();
	hmap_free(acli);
	hmap_free(areq);
	free(rcli);
	free(rreq);
	for (k = 0; k < NQ; k++)
		free(qb[k].b);
	free(aggbuf);
	free(cobj);
	free(cday);
	free(cdl);
	free(lrow.b);
	free(mbuf);
	free(mkind);
	free(mkey);
	free(mkeys);
	free(kbuf);
}

/* ---- setting up ------------------------------------------------------ */

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
	    "(i.indkey::int2[]), false), a.atttypid::regtype::text, "
	    "a.attnotnull FROM pg_attribute a "
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
	coltype = xreallocarray(NULL, ncols, sizeof(*coltype));
	colnotnull = xreallocarray(NULL, ncols, sizeof(*colnotnull));
	tf = xreallocarray(NULL, ncols, sizeof(*tf));
	tn = xreallocarray(NULL, ncols, sizeof(*tn));
	q = xreallocarray(NULL, ncols, sizeof(*q));
	pk = xreallocarray(NULL, ncols, sizeof(*pk));
	rest = xreallocarray(NULL, ncols, sizeof(*rest));
	for (i = 0; i < ncols; i++) {
		colnames[i] = xstrdup(PQgetvalue(r, i, 0));
		coltype[i] = typekind(PQgetvalue(r, i, 2));
		colnotnull[i] = *PQgetvalue(r, i, 3) == 't';
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

/* Whether line is the header row of logparse -H: the column names. */
static int
isheader(const char *line, size_t len)
{
	size_t i, n;

	for (i = 0; i < LOGLINE_NCOLUMNS; i++) {
		n = strlen(logline_columns[i]);
		if (len < n || memcmp(line, logline_columns[i], n) != 0)
			return 0;
		line += n;
		len -= n;
		if (i + 1 < LOGLINE_NCOLUMNS) {
			if (len == 0 || *line != '\t')
				return 0;
			line++;
			len--;
		}
	}
	return len == 0;
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
	if (kfp == NULL) {
		/*
		 * The batches before this one are loaded (and folded, and
		 * flushed), not this one.
		 */
		waitloader();
		stopfolder();
		exit(1);
	}
	if (fwrite(line, 1, len, kfp) != len || putc('\n', kfp) == EOF)
		err(1, "%s", kfile);
	nbad++;
}

int
main(int argc, char *argv[])
{
	const char *conninfo = NULL, *table = "logs", *why, *f[NLOGCOLS];
	char e[PG_ERRLEN];
	struct lineio *lio;
	unsigned long long lineno;
	size_t len, col, fn[NLOGCOLS];
	char *line;
	int ch, n;

	switch (std_option(argc, argv)) {
	case 'h':
		fputs(help, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	case 'V':
		printf("pgload %s\n", s3logs_version);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	out_init();
	while ((ch = getopt(argc, argv, "L:b:d:k:t:v")) != -1)
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
		case 'L':
			if (parse_num(optarg, 1024, 1LL << 30, &maxline) == -1)
				errx(2, "-L %s: not a number of bytes in "
				    "1024..1073741824", optarg);
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
	if (logsmode) {
		sideinfo = conninfo;
		setuplogs();
		startsides();
		startfolder();
	} else
		setuptable(table);

	obuf = xmalloc(OBUFSIZE);
	if (!logsmode)
		linemap = xreallocarray(NULL, batchrows, sizeof(*linemap));
	lio = lio_open(0);
	lio_setmax(lio, (size_t)maxline);
	while ((line = lio_next(lio, &len)) != NULL) {
		lineno = lio_lineno(lio);
		if (lio_toolong(lio)) {
			snprintf(e, sizeof(e), "a line of %llu bytes, longer "
			    "than -L %lld%s", lio_toolong(lio), maxline, kfp ?
			    ", cut to that" : "");
			setaside(line, len, lineno, ncols, e);
			continue;
		}
		if (lineno == 1 && logsmode && isheader(line, len))
			continue;	/* logparse -H */
		/*
		 * Start loading the slot of seen[] that seenrow() will probe
		 * (see seentag()).  Not a function of its own: GCC 12 finds
		 * that a function whose only effect is a prefetch has none,
		 * and drops the call.
		 */
		if (logsmode && len >= 16 && fill->seencap > 0)
			__builtin_prefetch(&fill->seen[seentag(line) &
			    (fill->seencap - 1)]);
		if ((why = checkline(line, len, &col, f, fn)) != NULL) {
			setaside(line, len, lineno, col, why);
			continue;
		}
		if (logsmode)
			addlogline(line, len, lineno, f, fn);
		else
			addline(line, len, lineno);
	}
	if (lio_error(lio))
		err(1, "stdin");
	if (logsmode) {
		endlogs();
		PQfinish(dictconn());
		PQfinish(sconn);
		stopfolder();
	} else if (incopy)
		endbatch();
	lio_free(lio);
	if (vflag)
		fprintf(stderr, "pgload: %llu rows, %llu new, %llu set aside, "
		    "%.1f s, %llu batch%s probed, %llu batch%s merged the slow "
		    "way\n", nread, nloaded, nbad, elapsed(), nprobed,
		    nprobed == 1 ? "" : "es", nslow, nslow == 1 ? "" : "es");
	PQfinish(conn);
	if (kfp && fclose(kfp) == EOF)
		err(1, "%s", kfile);
	free(obuf);
	if (!logsmode)
		free(linemap);
	free(copysql);
	free(mergesql);
	if (logsmode)
		freelogs();
	else {
		for (col = 0; col < ncols; col++)
			free(colnames[col]);
		free(colnames);
		free(coltype);
		free(colnotnull);
		free(tf);
		free(tn);
	}
	free(ubuf);
	out_close();
	/* Bad lines kept with -k are not a failure (as logparse -r). */
	return 0;
}
