/* See LICENSE file for copyright and license details. */
/*
 * report: a static HTML site from pgload's rollups.
 *
 * Every number comes from the daily rollup tables (contract 2), never from
 * the logs table, so the cost of a run grows with days, files, downloaders
 * and distinct (file, downloader) pairs, not with log rows.  All queries
 * are fixed text with parameters; the only identifiers ever spliced into
 * SQL are column names from the whitelists below, checked against the
 * catalog first.  Pages name their files after database ids or hashes,
 * never after log data, and link to each other with relative URLs.
 */
#include <err.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/sha.h>

#include "geo.h"
#include "hmap.h"
#include "html.h"
#include "out.h"
#include "pseudo.h"
#include "site.h"
#include "svg.h"
#include "util.h"

#define PORTAL	"https://www.encodeproject.org"
#define LISTMAX	1000	/* rows of a list page; its TSV has them all */
#define PAIRMAX	100	/* top pairs on a file, downloader, requester page */

struct obj {
	int	 id;
	const char *bucket, *base;
	char	*key;		/* decoded, ours */
	long long size, requests, dl, full, partial, bytes, errors;
	double	 uniq;
	/* ENCODE metadata, NULL when unknown. */
	const char *acc, *exp, *assay, *lab, *award, *format, *otype;
	char	*expbuf;	/* exp when parsed from an @id, ours */
	size_t	 d0, nd;	/* daily downloads: days[d0 .. d0+nd) */
	size_t	 p0, np;	/* opairs[p0 .. p0+np) */
};

struct client {
	int	 id;
	const char *ip;
	char	 name[PSEUDO_NAMELEN];
	long long dl, bytes;
	double	 files;
	size_t	 d0, nd;
	size_t	 p0, np;	/* cpairs[p0 .. p0+np) */
};

struct requester {
	int	 id;
	const char *name;	/* as published: see reqname() */
	char	 pname[PSEUDO_NAMELEN];
	long long dl, bytes;
	double	 clients, files;
	size_t	 d0, nd;
	size_t	 p0, np;	/* rpairs[p0 .. p0+np) */
};

struct day {
	int	 day;		/* days since 1970-01-01 */
	long long v;
};

struct pair {
	int	 obj, client, req;	/* indexes into the arrays */
	long long dl, bytes;
};

/* A group of files: an experiment, a lab or an award. */
struct group {
	const char *name;
	char	 page[80];
	const char *title, *extra, *assay;	/* from the ENCODE tables */
	size_t	*objs, nobj;
	long long dl, bytes;
	double	 clients;	/* hll estimate */
};

struct period {
	const char *name;	/* "2024" or "2024-01" */
	long long requests, dl, bytes, errors;
	double	 uclients, uobjs, ureqs, updl;
	double	 avgsize;
	long long nfiles;
	int	 approx;	/* uclients, updl: HyperLogLog estimates */
};

static PGconn	*db;
static struct site *site;
static const char *outdir;
static int	 aflag, Hflag, nflag, Rflag, vflag, failed;
/*
 * Pair tables link a requester to downloaders: not when requesters are
 * shown by name and downloaders by pseudonym (it would unmask them).
 */
static int	 tie;
static const char *limitp[1];	/* LIMIT of the top lists: NULL = all */
static char	 limitbuf[24];
static long long topn = 25;
static unsigned char *key;
static size_t	 keylen;
static PGresult	*keep[32];
static size_t	 nkeep;

static struct obj *objs;	/* ordered by downloads, descending */
static size_t	 nobjs;
static struct client *clients;	/* ordered by downloads, descending */
static size_t	 nclients;
static struct requester *reqs;
static size_t	 nreqs;
static struct day *odays, *cdays, *rdays;
static size_t	 nodays, ncdays, nrdays;
/* Top pairs of each file, downloader and requester (report_pairs). */
static struct pair *opairs, *cpairs, *rpairs;
static size_t	 nopairs, ncpairs, nrpairs;
static struct group *exps, *labgs, *awards;
static size_t	 nexps, nlabs, nawards;

/* Daily totals and the chart's bins. */
static int	 dmin, dmax;
static size_t	 ndays;
static long long *tot_dl;
static int	 monthly;
static size_t	 nbins;
static char	**binlabel;

/* Downloads by country and by network, with --geoip-database. */
struct place {
	char	*key;		/* "US", "AS64500"; "" when unknown */
	char	*name;		/* "United States", the network's owner */
	long long dl, bytes, clients;
};

#define GEOMAX	16
static const char *geodb[GEOMAX];
static size_t	 ngeodb;
static struct geo *geo;
static struct place *countries, *networks;
static size_t	 ncountries, nnetworks;

static struct period *periods;	/* "all", years, months */
static size_t	 nperiods;

static struct html_buf pg, tsv;
static char	 note[256];

/* --help: the synopsis and one line per option, on stdout. */
static const char help[] =
	"usage: report [-HRanv] [-d conninfo] [--geoip-database file] "
	"[-k keyfile] [-t top] -o dir\n"
	"  -H                  write the home page only\n"
	"  -a, --raw-addresses show downloaders by raw IP address\n"
	"  -d conninfo         the database (libpq connection string)\n"
	"  --geoip-database file\n"
	"                      a MaxMind database: countries and networks\n"
	"  -k keyfile          the pseudonym key\n"
	"  -n, --networks      show downloaders by truncated network\n"
	"  -R, --show-requesters\n"
	"                      show requesters as logged (a private site)\n"
	"  -o dir              the site directory\n"
	"  -t top              rows of the top tables\n"
	"  -v                  print what was loaded and written to standard error\n"
	"  --help              print this and exit\n"
	"  --version           print the version and exit\n";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: report [-HRanv] [-d conninfo] "
	    "[--geoip-database file] [-k keyfile] [-t top] -o dir\n");
	exit(2);
}

static void
vlog(const char *fmt, ...)
{
	va_list ap;

	if (!vflag)
		return;
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

/*
 * A signal ends the run without leaving the temporary file of the page
 * being written; the pages already written are whole (site.h).
 */
static void
onsignal(int sig)
{
	site_signal_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Run a query with text parameters; any failure ends the run (exit 1). */
static PGresult *
query(const char *what, const char *sql, int nparam, const char *const *param)
{
	PGresult *r;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = PQexecParams(db, sql, nparam, NULL, param, NULL, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vlog("%s: %d rows, %.0f ms", what, PQntuples(r),
	    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	if (PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COMMAND_OK) {
		char *m = PQresultErrorMessage(r);
		size_t n = strlen(m);

		while (n > 0 && m[n - 1] == '\n')
			n--;
		errx(1, "%s: %.*s", what, (int)n, m);
	}
	return r;
}

/* Keep a result whose strings the pages point into until the end. */
static PGresult *
kept(PGresult *r)
{
	if (nkeep == sizeof(keep) / sizeof(keep[0]))
		errx(1, "internal: too many results");
	keep[nkeep++] = r;
	return r;
}

static const char *
val(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static long long
num(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col),
	    NULL, 10);
}

static double
dbl(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtod(PQgetvalue(r, row, col),
	    NULL);
}

static int
relexists(const char *name)
{
	const char *p[1] = { name };
	PGresult *r;
	int ok;

	r = query("catalog", "SELECT to_regclass($1) IS NOT NULL", 1, p);
	ok = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return ok;
}

/*
 * The first of the candidate columns that table has, as "t.col", or
 * "NULL" when none: the ENCODE tables are another part's and may differ
 * in detail; a missing column just shows as unknown.  Candidates are our
 * own constants, so the result is safe to splice into SQL.
 */
static const char *
pickcol(const char *table, const char *alias, const char *const *cand,
    char *buf, size_t sz)
{
	const char *p[2];
	PGresult *r;
	size_t i;

	p[0] = table;
	for (i = 0; cand[i] != NULL; i++) {
		p[1] = cand[i];
		r = query("catalog", "SELECT 1 FROM pg_attribute WHERE attrelid ="
		    " to_regclass($1) AND attname = $2 AND attnum > 0 AND NOT"
		    " attisdropped", 2, p);
		if (PQntuples(r) == 1) {
			PQclear(r);
			snprintf(buf, sz, "%s.%s::text", alias, cand[i]);
			return buf;
		}
		PQclear(r);
	}
	snprintf(buf, sz, "NULL::text");
	return buf;
}

/* A file name for a page from a string that is not a database id. */
static void
safename(const char *s, char *out, size_t sz)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i, n = strlen(s);
	int ok = n > 0 && n <= 64;

	for (i = 0; ok && i < n; i++)
		ok = (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || (i > 0 && (s[i] == '-' ||
		    s[i] == '_' || s[i] == '.'));
	if (ok) {
		snprintf(out, sz, "%s", s);
		return;
	}
	SHA256((const unsigned char *)s, n, md);
	snprintf(out, sz, "h-%02x%02x%02x%02x%02x%02x%02x%02x", md[0], md[1],
	    md[2], md[3], md[4], md[5], md[6], md[7]);
}

static void
put(const char *rel, struct html_buf *b)
{
	char err[SITE_ERRSZ];
	int r;

	r = site_put(site, rel, b->p ? b->p : "", b->n, err);
	if (r == -1) {
		warnx("%s", err);
		failed = 1;
	} else if (r == 1)
		out_printf("%s\n", rel);
	html_reset(b);
}

/* ---- Loading ------------------------------------------------------- */

static void
loadkey(const char *keyfile)
{
	PGresult *r;
	FILE *fp;
	unsigned char buf[4096];

	if (keyfile != NULL) {
		if ((fp = fopen(keyfile, "r")) == NULL)
			err(2, "%s", keyfile);
		keylen = fread(buf, 1, sizeof(buf), fp);
		if (ferror(fp))
			err(2, "%s", keyfile);
		fclose(fp);
		if (keylen < 16)
			errx(2, "%s: a key needs at least 16 bytes", keyfile);
		key = xmalloc(keylen);
		memcpy(key, buf, keylen);
		return;
	}
	if (!relexists("report_key"))
		errx(2, "no pseudonym key: table report_key is missing (apply "
		    "sql/020-report.sql, as pgload does) and no -k keyfile");
	r = PQexecParams(db, "SELECT key FROM report_key WHERE id = 1", 0,
	    NULL, NULL, NULL, NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		errx(1, "report_key: %s", PQntuples(r) == 0 ? "no key row" :
		    PQresultErrorMessage(r));
	keylen = (size_t)PQgetlength(r, 0, 0);
	key = xmalloc(keylen ? keylen : 1);
	memcpy(key, PQgetvalue(r, 0, 0), keylen);
	PQclear(r);
}

static int
cmpobjid(const void *a, const void *b)
{
	const struct obj *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* objs sorted by id, for lookups; objs itself keeps rank order. */
static struct obj **objbyid;
static struct client **clibyid;
static struct requester **reqbyid;

static int
cmpobjp(const void *a, const void *b)
{
	return cmpobjid(*(struct obj *const *)a, *(struct obj *const *)b);
}

static int
cmpclip(const void *a, const void *b)
{
	const struct client *x = *(struct client *const *)a;
	const struct client *y = *(struct client *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static int
cmpreqp(const void *a, const void *b)
{
	const struct requester *x = *(struct requester *const *)a;
	const struct requester *y = *(struct requester *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static struct obj *
findobj(int id)
{
	struct obj k, *kp = &k, **r;

	k.id = id;
	r = bsearch(&kp, objbyid, nobjs, sizeof(*objbyid), cmpobjp);
	return r ? *r : NULL;
}

static struct client *
findclient(int id)
{
	struct client k, *kp = &k, **r;

	k.id = id;
	r = bsearch(&kp, clibyid, nclients, sizeof(*clibyid), cmpclip);
	return r ? *r : NULL;
}

static struct requester *
findreq(int id)
{
	struct requester k, *kp = &k, **r;

	k.id = id;
	r = bsearch(&kp, reqbyid, nreqs, sizeof(*reqbyid), cmpreqp);
	return r ? *r : NULL;
}

/* Days of one kind of entity: rows (id, day, value) ordered by id, day. */
static struct day *
loaddays(const char *what, const char *sql, size_t *np, PGresult **rp)
{
	PGresult *r;
	struct day *d;
	int i, n;

	r = query(what, sql, 0, NULL);
	n = PQntuples(r);
	d = xreallocarray(NULL, (size_t)n + 1, sizeof(*d));
	for (i = 0; i < n; i++) {
		d[i].day = (int)num(r, i, 1);
		d[i].v = num(r, i, 2);
	}
	*np = (size_t)n;
	*rp = r;
	return d;
}

/*
 * The Key field of an access log is URL-encoded (spaces as '+', '%' as
 * "%25"): show keys decoded, as their owners named them.  The result is
 * a new string; it may hold any byte, and goes through html_esc() like
 * all log data.  NUL bytes (%00) are shown as U+FFFD.
 */
static char *
keydecode(const char *s)
{
	char *d = xmalloc(strlen(s) * 3 + 1), *p = d;
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '+') {
			*p++ = ' ';
			continue;
		}
		if (*s == '%' && (hi = hexval(s[1])) >= 0 &&
		    (lo = hexval(s[2])) >= 0) {
			if (hi == 0 && lo == 0) {
				memcpy(p, "\xef\xbf\xbd", 3);
				p += 3;
			} else
				*p++ = (char)(hi << 4 | lo);
			s += 2;
			continue;
		}
		*p++ = *s;
	}
	*p = '\0';
	return d;
}

static void
loadobjects(void)
{
	PGresult *r;
	size_t i, j;
	int n, id;

	/*
	 * Downloads, bytes and distinct downloaders, exact and all-time, from
	 * report_obj (sql/030): with -H, the top files through its rank
	 * index, whatever the number of days or log rows; the site adds each
	 * file's other sums, of the files with downloads in the rollups.
	 */
	if (Hflag)
		r = kept(query("objects", "SELECT o.object_id, o.bucket, o.key,"
		    " o.size, 0, r.downloads, 0, 0, r.bytes_sent, 0,"
		    " r.downloaders FROM report_obj r JOIN objects o"
		    " USING (object_id) WHERE r.downloads > 0"
		    " ORDER BY r.downloads DESC, r.object_id LIMIT $1::bigint",
		    1, limitp));
	else
		r = kept(query("objects",
		    "WITH t AS (SELECT object_id, sum(requests) AS requests,"
		    "  sum(full_downloads) AS full,"
		    "  sum(partial_downloads) AS partial, sum(errors) AS errors"
		    "  FROM daily_object GROUP BY object_id"
		    "  HAVING sum(downloads) > 0)"
		    " SELECT o.object_id, o.bucket, o.key, o.size, t.requests,"
		    " r.downloads, t.full, t.partial, r.bytes_sent, t.errors,"
		    " r.downloaders FROM t JOIN report_obj r USING (object_id)"
		    " JOIN objects o USING (object_id)"
		    " ORDER BY r.downloads DESC, o.object_id", 0, NULL));
	n = PQntuples(r);
	nobjs = (size_t)n;
	objs = xcalloc(nobjs + 1, sizeof(*objs));
	objbyid = xcalloc(nobjs + 1, sizeof(*objbyid));
	for (i = 0; i < nobjs; i++) {
		struct obj *o = &objs[i];
		const char *s;

		o->id = (int)num(r, (int)i, 0);
		o->bucket = val(r, (int)i, 1);
		o->key = keydecode(val(r, (int)i, 2) ? val(r, (int)i, 2) : "");
		o->base = (s = strrchr(o->key, '/')) != NULL && s[1] != '\0' ?
		    s + 1 : o->key;
		o->size = num(r, (int)i, 3);
		o->requests = num(r, (int)i, 4);
		o->dl = num(r, (int)i, 5);
		o->full = num(r, (int)i, 6);
		o->partial = num(r, (int)i, 7);
		o->bytes = num(r, (int)i, 8);
		o->errors = num(r, (int)i, 9);
		o->uniq = dbl(r, (int)i, 10);
		objbyid[i] = o;
	}
	qsort(objbyid, nobjs, sizeof(*objbyid), cmpobjp);
	if (Hflag)
		return;

	odays = loaddays("daily_object", "SELECT object_id, day - DATE "
	    "'1970-01-01', downloads FROM daily_object WHERE downloads > 0"
	    " ORDER BY object_id, day", &nodays, &r);
	for (i = 0; i < nodays; i = j) {
		struct obj *o;

		id = (int)num(r, (int)i, 0);
		for (j = i; j < nodays && num(r, (int)j, 0) == id; j++)
			;
		if ((o = findobj(id)) != NULL) {
			o->d0 = i;
			o->nd = j - i;
		}
	}
	PQclear(r);
}

static void
loadclients(void)
{
	PGresult *r;
	size_t i, j;
	int id;

	/* As loadobjects(), from report_cli. */
	if (Hflag)
		r = kept(query("clients", "SELECT c.client_id, host(c.ip),"
		    " r.downloads, r.bytes_sent, r.objects FROM report_cli r"
		    " JOIN clients c USING (client_id) WHERE r.downloads > 0"
		    " ORDER BY r.downloads DESC, r.client_id LIMIT $1::bigint",
		    1, limitp));
	else
		r = kept(query("clients", "SELECT c.client_id, host(c.ip),"
		    " r.downloads, r.bytes_sent, r.objects"
		    " FROM (SELECT client_id FROM daily_client GROUP BY 1"
		    "  HAVING sum(downloads) > 0) t"
		    " JOIN report_cli r USING (client_id)"
		    " JOIN clients c USING (client_id)"
		    " ORDER BY r.downloads DESC, r.client_id", 0, NULL));
	nclients = (size_t)PQntuples(r);
	clients = xcalloc(nclients + 1, sizeof(*clients));
	clibyid = xcalloc(nclients + 1, sizeof(*clibyid));
	for (i = 0; i < nclients; i++) {
		struct client *c = &clients[i];

		c->id = (int)num(r, (int)i, 0);
		c->ip = val(r, (int)i, 1);
		c->dl = num(r, (int)i, 2);
		c->bytes = num(r, (int)i, 3);
		c->files = dbl(r, (int)i, 4);
		if (aflag)
			snprintf(c->name, sizeof(c->name), "%s",
			    c->ip ? c->ip : "unknown");
		else if (nflag)
			pseudo_network(c->ip, c->name);
		else
			pseudo_name(key, keylen, c->ip, c->name);
		clibyid[i] = c;
	}
	qsort(clibyid, nclients, sizeof(*clibyid), cmpclip);
	if (Hflag)
		return;

	cdays = loaddays("daily_client", "SELECT client_id, day - DATE "
	    "'1970-01-01', downloads FROM daily_client WHERE downloads > 0"
	    " ORDER BY client_id, day", &ncdays, &r);
	for (i = 0; i < ncdays; i = j) {
		struct client *c;

		id = (int)num(r, (int)i, 0);
		for (j = i; j < ncdays && num(r, (int)j, 0) == id; j++)
			;
		if ((c = findclient(id)) != NULL) {
			c->d0 = i;
			c->nd = j - i;
		}
	}
	PQclear(r);
}

static void
loadrequesters(void)
{
	PGresult *r;
	size_t i, j;
	int id;

	r = kept(query("requesters",
	    "SELECT t.requester_id, r.requester, t.dl, t.bytes,"
	    " coalesce(x.clients, 0), coalesce(x.objects, 0)"
	    " FROM (SELECT requester_id, sum(downloads) AS dl,"
	    "  sum(bytes_sent) AS bytes"
	    "  FROM daily_requester GROUP BY requester_id) t"
	    " LEFT JOIN requesters r USING (requester_id)"
	    " LEFT JOIN report_req x USING (requester_id)"
	    " WHERE t.dl > 0 ORDER BY t.dl DESC, t.requester_id", 0, NULL));
	nreqs = (size_t)PQntuples(r);
	reqs = xcalloc(nreqs + 1, sizeof(*reqs));
	reqbyid = xcalloc(nreqs + 1, sizeof(*reqbyid));
	for (i = 0; i < nreqs; i++) {
		struct requester *q = &reqs[i];

		q->id = (int)num(r, (int)i, 0);
		q->name = val(r, (int)i, 1);
		if (q->name == NULL || q->id == 0 || strcmp(q->name, "-") == 0)
			q->name = "anonymous";
		else if (!Rflag && !pseudo_public_requester(q->name)) {
			pseudo_requester(key, keylen, q->name, q->pname);
			q->name = q->pname;
		}
		q->dl = num(r, (int)i, 2);
		q->bytes = num(r, (int)i, 3);
		q->clients = dbl(r, (int)i, 4);
		q->files = dbl(r, (int)i, 5);
		reqbyid[i] = q;
	}
	qsort(reqbyid, nreqs, sizeof(*reqbyid), cmpreqp);
	if (Hflag)
		return;

	rdays = loaddays("daily_requester", "SELECT requester_id, day - DATE "
	    "'1970-01-01', downloads FROM daily_requester WHERE downloads > 0"
	    " ORDER BY requester_id, day", &nrdays, &r);
	for (i = 0; i < nrdays; i = j) {
		struct requester *q;

		id = (int)num(r, (int)i, 0);
		for (j = i; j < nrdays && num(r, (int)j, 0) == id; j++)
			;
		if ((q = findreq(id)) != NULL) {
			q->d0 = i;
			q->nd = j - i;
		}
	}
	PQclear(r);
}

/*
 * The top PAIRMAX (file, downloader, requester) rows of each file, each
 * downloader and each requester, from report_pairs (sql/021) through its
 * (x, downloads DESC, ...) indexes: the cost is pages times PAIRMAX, not
 * one row per download.  The index order is total, so pages are stable.
 */
static struct pair *
toppairs(const char *what, const char *sql, size_t *np)
{
	PGresult *r;
	struct pair *v;
	struct obj *o;
	struct client *c;
	struct requester *q;
	char lim[16];
	const char *p[1] = { lim };
	size_t i, n, k;

	snprintf(lim, sizeof(lim), "%d", PAIRMAX);
	r = query(what, sql, 1, p);
	n = (size_t)PQntuples(r);
	v = xcalloc(n + 1, sizeof(*v));
	for (i = k = 0; i < n; i++) {
		if ((o = findobj((int)num(r, (int)i, 0))) == NULL ||
		    (c = findclient((int)num(r, (int)i, 1))) == NULL)
			continue;
		q = findreq((int)num(r, (int)i, 2));
		v[k].obj = (int)(o - objs);
		v[k].client = (int)(c - clients);
		v[k].req = q ? (int)(q - reqs) : -1;
		v[k].dl = num(r, (int)i, 3);
		v[k].bytes = num(r, (int)i, 4);
		k++;
	}
	PQclear(r);
	*np = k;
	return v;
}

static void
loadpairs(void)
{
	size_t i;

	if (!relexists("report_pairs"))
		errx(1, "table report_pairs is missing: apply "
		    "sql/021-report-pairs.sql (pgload does)");
	opairs = toppairs("report_pairs", "SELECT p.object_id, p.client_id,"
	    " p.requester_id, p.downloads, p.bytes_sent"
	    " FROM (SELECT DISTINCT object_id FROM daily_object"
	    "  WHERE downloads > 0) o"
	    " CROSS JOIN LATERAL (SELECT * FROM report_pairs x"
	    "  WHERE x.object_id = o.object_id ORDER BY x.downloads DESC,"
	    "  x.client_id, x.requester_id LIMIT $1::int) p"
	    " ORDER BY p.object_id, p.downloads DESC, p.client_id,"
	    " p.requester_id", &nopairs);
	cpairs = toppairs("report_pairs", "SELECT p.object_id, p.client_id,"
	    " p.requester_id, p.downloads, p.bytes_sent"
	    " FROM (SELECT DISTINCT client_id FROM daily_client"
	    "  WHERE downloads > 0) c"
	    " CROSS JOIN LATERAL (SELECT * FROM report_pairs x"
	    "  WHERE x.client_id = c.client_id ORDER BY x.downloads DESC,"
	    "  x.object_id, x.requester_id LIMIT $1::int) p"
	    " ORDER BY p.client_id, p.downloads DESC, p.object_id,"
	    " p.requester_id", &ncpairs);
	rpairs = toppairs("report_pairs", "SELECT p.object_id, p.client_id,"
	    " p.requester_id, p.downloads, p.bytes_sent"
	    " FROM (SELECT DISTINCT requester_id FROM daily_requester"
	    "  WHERE downloads > 0) r"
	    " CROSS JOIN LATERAL (SELECT * FROM report_pairs x"
	    "  WHERE x.requester_id = r.requester_id ORDER BY x.downloads DESC,"
	    "  x.object_id, x.client_id LIMIT $1::int) p"
	    " ORDER BY p.requester_id, p.downloads DESC, p.object_id,"
	    " p.client_id", &nrpairs);
	for (i = 0; i < nopairs; i++) {
		struct obj *o = &objs[opairs[i].obj];

		if (o->np++ == 0)
			o->p0 = i;
	}
	for (i = 0; i < ncpairs; i++) {
		struct client *c = &clients[cpairs[i].client];

		if (c->np++ == 0)
			c->p0 = i;
	}
	for (i = 0; i < nrpairs; i++) {
		struct requester *q;

		if (rpairs[i].req < 0)
			continue;
		q = &reqs[rpairs[i].req];
		if (q->np++ == 0)
			q->p0 = i;
	}
}

static void
addplace(struct hmap *h, struct place **v, size_t *n, const char *k,
    const char *name, long long dl, long long bytes)
{
	int64_t *slot;
	int isnew;
	struct place *p;

	slot = hmap_get(h, k, strlen(k), 1, (int64_t)*n, &isnew);
	if (isnew) {
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		p = &(*v)[(*n)++];
		memset(p, 0, sizeof(*p));
		p->key = xstrdup(k);
		p->name = xstrdup(*k != '\0' ? name : "Unknown");
	}
	p = &(*v)[*slot];
	p->dl += dl;
	p->bytes += bytes;
	p->clients++;
}

static int
cmpplace(const void *a, const void *b)
{
	const struct place *x = a, *y = b;

	if (x->dl != y->dl)
		return (x->dl < y->dl) - (x->dl > y->dl);
	return strcmp(x->key, y->key);
}

/*
 * Every downloader's country and network, looked up here, at report time,
 * in the local databases: the addresses never leave the machine, and only
 * the sums per country and per network are published.  Every downloader
 * with downloads, also with -H, so that the home page is the same.
 */
static void
loadgeo(void)
{
	struct hmap *hc = hmap_new(), *hn = hmap_new();
	struct geo_info gi;
	char k[32];
	PGresult *r;
	int i, n;

	r = query("report_cli", "SELECT host(c.ip), r.downloads, r.bytes_sent"
	    " FROM report_cli r JOIN clients c USING (client_id)"
	    " WHERE r.downloads > 0", 0, NULL);
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		geo_lookup(geo, val(r, i, 0), &gi);
		addplace(hc, &countries, &ncountries, gi.cc, gi.country,
		    num(r, i, 1), num(r, i, 2));
		if (gi.asn != 0)
			snprintf(k, sizeof(k), "AS%lu", gi.asn);
		else
			k[0] = '\0';
		addplace(hn, &networks, &nnetworks, k, gi.org[0] ? gi.org :
		    k, num(r, i, 1), num(r, i, 2));
	}
	PQclear(r);
	hmap_free(hc);
	hmap_free(hn);
	if (countries != NULL)
		qsort(countries, ncountries, sizeof(*countries), cmpplace);
	if (networks != NULL)
		qsort(networks, nnetworks, sizeof(*networks), cmpplace);
	vlog("%zu countries, %zu networks", ncountries, nnetworks);
}

/* Known places (not the "Unknown" row). */
static size_t
nknown(const struct place *v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += v[i].key[0] != '\0';
	return k;
}

/* ENCODE metadata: optional, from encodefetch's tables when present. */
struct meta {
	const char *name, *title, *extra, *assay, *lab, *award;
};
static struct meta *dsmeta, *labmeta, *awmeta;
static size_t	 ndsmeta, nlabmeta, nawmeta;

static int
cmpmeta(const void *a, const void *b)
{
	return strcmp(((const struct meta *)a)->name,
	    ((const struct meta *)b)->name);
}

static struct meta *
findmeta(struct meta *m, size_t n, const char *name)
{
	struct meta k;

	if (name == NULL || n == 0)
		return NULL;
	k.name = name;
	return bsearch(&k, m, n, sizeof(*m), cmpmeta);
}

/* SELECT name, title, extra, assay, lab, award FROM table: into m. */
static struct meta *
loadmeta(const char *table, const char *const *namec,
    const char *const *titlec, const char *const *extrac,
    const char *const *assayc, const char *const *labc,
    const char *const *awardc, size_t *np)
{
	char sql[1024], c[6][128];
	struct meta *m;
	PGresult *r;
	size_t i, k;

	*np = 0;
	if (!relexists(table))
		return NULL;
	pickcol(table, "t", namec, c[0], sizeof(c[0]));
	if (strcmp(c[0], "NULL::text") == 0)
		return NULL;
	pickcol(table, "t", titlec, c[1], sizeof(c[1]));
	pickcol(table, "t", extrac, c[2], sizeof(c[2]));
	pickcol(table, "t", assayc, c[3], sizeof(c[3]));
	pickcol(table, "t", labc, c[4], sizeof(c[4]));
	pickcol(table, "t", awardc, c[5], sizeof(c[5]));
	/* table is one of our constants, checked by relexists(). */
	snprintf(sql, sizeof(sql), "SELECT %s, %s, %s, %s, %s, %s FROM %s t"
	    " WHERE %s IS NOT NULL", c[0], c[1], c[2], c[3], c[4], c[5], table,
	    c[0]);
	r = kept(query(table, sql, 0, NULL));
	m = xcalloc((size_t)PQntuples(r) + 1, sizeof(*m));
	for (i = k = 0; i < (size_t)PQntuples(r); i++) {
		m[k].name = val(r, (int)i, 0);
		m[k].title = val(r, (int)i, 1);
		m[k].extra = val(r, (int)i, 2);
		m[k].assay = val(r, (int)i, 3);
		m[k].lab = val(r, (int)i, 4);
		m[k].award = val(r, (int)i, 5);
		k++;
	}
	qsort(m, k, sizeof(*m), cmpmeta);
	*np = k;
	return m;
}

static const char *const c_acc[] = { "accession", "file_accession", NULL };
static const char *const c_dsacc[] = { "dataset_accession", "dataset",
    "experiment", NULL };
static const char *const c_assay[] = { "assay_title", "assay_term_name",
    NULL };
static const char *const c_lab[] = { "lab_name", "lab", NULL };
static const char *const c_award[] = { "award_name", "award", NULL };
static const char *const c_format[] = { "file_format", "file_type", NULL };
static const char *const c_otype[] = { "output_type", NULL };
static const char *const c_name[] = { "name", NULL };
static const char *const c_title[] = { "title", NULL };
static const char *const c_desc[] = { "biosample_summary", "description",
    NULL };
static const char *const c_bios[] = { "target_label",
    "biosample_term_name", NULL };
static const char *const c_inst[] = { "institute_label", "institute_name",
    NULL };
static const char *const c_proj[] = { "project", "rfa", NULL };
static const char *const c_none[] = { NULL };

static void
loadencode(void)
{
	char sql[1024], c[7][128];
	PGresult *r;
	struct obj *o;
	struct meta *m;
	int i, n;

	dsmeta = loadmeta("datasets", c_acc, c_desc, c_bios, c_assay, c_lab,
	    c_award, &ndsmeta);
	labmeta = loadmeta("labs", c_name, c_title, c_inst, c_none, c_none,
	    c_none, &nlabmeta);
	awmeta = loadmeta("awards", c_name, c_title, c_proj, c_none, c_none,
	    c_none, &nawmeta);
	if (!relexists("object_files")) {
		vlog("no object_files view: files shown by key only");
		return;
	}
	if (relexists("object_metadata")) {
		/*
		 * encodefetch's own join: lab and award of the dataset (a
		 * processed file's own lab is the pipeline's), assay too.
		 */
		snprintf(sql, sizeof(sql), "SELECT object_id,"
		    " file_accession::text, dataset_accession::text,"
		    " assay_title::text, lab_name::text, award_name::text,"
		    " file_format::text, output_type::text"
		    " FROM object_metadata");
	} else if (relexists("files") && strcmp(pickcol("files", "f", c_acc, c[0],
	    sizeof(c[0])), "NULL::text") != 0) {
		pickcol("files", "f", c_dsacc, c[1], sizeof(c[1]));
		pickcol("files", "f", c_assay, c[2], sizeof(c[2]));
		pickcol("files", "f", c_lab, c[3], sizeof(c[3]));
		pickcol("files", "f", c_award, c[4], sizeof(c[4]));
		pickcol("files", "f", c_format, c[5], sizeof(c[5]));
		pickcol("files", "f", c_otype, c[6], sizeof(c[6]));
		snprintf(sql, sizeof(sql), "SELECT x.object_id,"
		    " x.file_accession::text, %s, %s, %s, %s, %s, %s"
		    " FROM object_files x LEFT JOIN files f ON %s ="
		    " x.file_accession::text", c[1], c[2], c[3], c[4], c[5],
		    c[6], c[0]);
	} else
		snprintf(sql, sizeof(sql), "SELECT x.object_id,"
		    " x.file_accession::text, NULL, NULL, NULL, NULL, NULL,"
		    " NULL FROM object_files x");
	r = kept(query("object_files", sql, 0, NULL));
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		if ((o = findobj((int)num(r, i, 0))) == NULL || o->acc != NULL)
			continue;
		o->acc = val(r, i, 1);
		o->exp = val(r, i, 2);
		/* "/experiments/ENCSR000AAA/" -> "ENCSR000AAA" */
		if (o->exp != NULL && o->exp[0] == '/') {
			const char *s = o->exp + strlen(o->exp);
			char *t;

			while (s > o->exp && s[-1] == '/')
				s--;
			while (s > o->exp && s[-1] != '/')
				s--;
			t = xstrdup(s);
			t[strcspn(t, "/")] = '\0';
			o->exp = o->expbuf = t;
		}
		o->assay = val(r, i, 3);
		o->lab = val(r, i, 4);
		o->award = val(r, i, 5);
		o->format = val(r, i, 6);
		o->otype = val(r, i, 7);
		if ((m = findmeta(dsmeta, ndsmeta, o->exp)) != NULL) {
			if (o->assay == NULL)
				o->assay = m->assay;
			if (o->lab == NULL)
				o->lab = m->lab;
			if (o->award == NULL)
				o->award = m->award;
		}
	}
}

/* ---- Days, bins and periods ---------------------------------------- */

static void
civil(int days, int *y, int *m, int *d)
{
	time_t t = (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

static size_t
binof(int day)
{
	int y, m, d, y0, m0;

	if (!monthly)
		return (size_t)(day - dmin);
	civil(day, &y, &m, &d);
	civil(dmin, &y0, &m0, &d);
	return (size_t)((y * 12 + m) - (y0 * 12 + m0));
}

static void
loadtotals(void)
{
	PGresult *r;
	size_t i;
	int n, y, m, d;
	char lab[48];

	r = query("daily_total", "SELECT day - DATE '1970-01-01', downloads"
	    " FROM daily_total ORDER BY day", 0, NULL);
	n = PQntuples(r);
	if (n == 0) {
		dmin = dmax = (int)(time(NULL) / 86400);
	} else {
		dmin = (int)num(r, 0, 0);
		dmax = (int)num(r, n - 1, 0);
	}
	ndays = (size_t)(dmax - dmin + 1);
	monthly = ndays > 120;
	nbins = binof(dmax) + 1;
	binlabel = xcalloc(nbins, sizeof(*binlabel));
	for (i = 0; i < nbins; i++) {
		if (monthly) {
			civil(dmin, &y, &m, &d);
			m += (int)i - 1;
			snprintf(lab, sizeof(lab), "%04d-%02d", y + m / 12,
			    m % 12 + 1);
		} else {
			civil(dmin + (int)i, &y, &m, &d);
			snprintf(lab, sizeof(lab), "%04d-%02d-%02d", y, m, d);
		}
		binlabel[i] = xstrdup(lab);
	}
	tot_dl = xcalloc(ndays, sizeof(*tot_dl));
	for (i = 0; i < (size_t)n; i++)
		tot_dl[num(r, (int)i, 0) - dmin] = num(r, (int)i, 1);
	PQclear(r);
}

/*
 * All time, exactly: the distinct counts the fold keeps (sql/030) instead
 * of the union of the days' HyperLogLog sets.  Reads one row per file,
 * downloader and requester.
 */
static void
exactall(struct period *q)
{
	PGresult *r;

	r = query("report_obj", "SELECT"
	    " (SELECT count(*) FROM report_obj WHERE downloads > 0),"
	    " (SELECT coalesce(sum(downloaders), 0) FROM report_obj),"
	    " (SELECT avg(o.size) FROM report_obj r JOIN objects o"
	    "  USING (object_id) WHERE r.downloads > 0),"
	    " (SELECT count(*) FROM report_cli WHERE downloads > 0),"
	    " (SELECT count(*) FROM report_req WHERE requester_id <> 0)",
	    0, NULL);
	q->nfiles = num(r, 0, 0);
	q->updl = dbl(r, 0, 1);
	q->avgsize = dbl(r, 0, 2);
	q->uclients = dbl(r, 0, 3);
	q->ureqs = dbl(r, 0, 4);
	q->approx = 0;
	PQclear(r);
}

/*
 * An estimate never contradicts the exact numbers beside it: a period has
 * at least as many unique downloads as files and downloaders, and at most
 * as many as downloads.
 */
static void
clampperiod(struct period *q)
{
	if (!q->approx)
		return;
	if (q->updl < (double)q->nfiles)
		q->updl = (double)q->nfiles;
	if (q->updl < q->uclients)
		q->updl = q->uclients;
	if (q->updl > (double)q->dl)
		q->updl = (double)q->dl;
	if (q->uclients > q->updl)
		q->uclients = q->updl;
	if (q->uclients < 1 && q->dl > 0)
		q->uclients = 1;
}

static void
loadperiods(void)
{
	static const char *fmt[] = { "\"all\"", "YYYY", "YYYY-MM" };
	PGresult *r, *a, *q2;
	size_t f, i, j;
	const char *p[1];

	for (f = 0; f < (Hflag ? 1u : 3u); f++) {
		p[0] = fmt[f];
		r = kept(query("daily_total", f == 0 ?
		    "SELECT to_char(day, $1) AS p,"
		    " sum(requests), sum(downloads), sum(bytes_sent), sum(errors)"
		    " FROM daily_total GROUP BY 1 ORDER BY 1" :
		    "SELECT to_char(day, $1) AS p,"
		    " sum(requests), sum(downloads), sum(bytes_sent), sum(errors),"
		    " hll_cardinality(hll_union_agg(downloaders)),"
		    " hll_cardinality(hll_union_agg(objects)),"
		    " hll_cardinality(hll_union_agg(requesters)),"
		    " hll_cardinality(hll_union_agg(object_downloaders))"
		    " FROM daily_total GROUP BY 1 ORDER BY 1", 1, p));
		if (f == 0) {
			/* All time: exactall(), below. */
			periods = xreallocarray(periods, nperiods + 1,
			    sizeof(*periods));
			for (i = 0; i < (size_t)PQntuples(r); i++) {
				memset(&periods[nperiods], 0, sizeof(*periods));
				periods[nperiods].name = val(r, (int)i, 0);
				periods[nperiods].requests = num(r, (int)i, 1);
				periods[nperiods].dl = num(r, (int)i, 2);
				periods[nperiods].bytes = num(r, (int)i, 3);
				periods[nperiods++].errors = num(r, (int)i, 4);
			}
			continue;
		}
		a = query("objects", "SELECT d.p, avg(o.size), count(*)"
		    " FROM (SELECT DISTINCT to_char(day, $1) AS p, object_id"
		    "  FROM daily_object WHERE downloads > 0) d"
		    " JOIN objects o USING (object_id) GROUP BY 1 ORDER BY 1",
		    1, p);
		/*
		 * Requesters exactly, without "anonymous" (id 0), which the
		 * hll column of daily_total counts: days x requesters rows.
		 */
		q2 = query("daily_requester", "SELECT to_char(day, $1),"
		    " count(DISTINCT requester_id) FROM daily_requester"
		    " WHERE downloads > 0 AND requester_id <> 0"
		    " GROUP BY 1 ORDER BY 1", 1, p);
		periods = xreallocarray(periods, nperiods + PQntuples(r) + 1,
		    sizeof(*periods));
		for (i = 0; i < (size_t)PQntuples(r); i++) {
			struct period *q = &periods[nperiods++];

			memset(q, 0, sizeof(*q));
			q->name = val(r, (int)i, 0);
			q->requests = num(r, (int)i, 1);
			q->dl = num(r, (int)i, 2);
			q->bytes = num(r, (int)i, 3);
			q->errors = num(r, (int)i, 4);
			q->uclients = dbl(r, (int)i, 5);
			q->uobjs = dbl(r, (int)i, 6);
			q->ureqs = dbl(r, (int)i, 7);
			q->updl = dbl(r, (int)i, 8);
			q->approx = 1;
			for (j = 0; j < (size_t)PQntuples(a); j++)
				if (strcmp(PQgetvalue(a, (int)j, 0), q->name) == 0) {
					q->avgsize = dbl(a, (int)j, 1);
					q->nfiles = num(a, (int)j, 2);
				}
			q->ureqs = 0;
			for (j = 0; j < (size_t)PQntuples(q2); j++)
				if (strcmp(PQgetvalue(q2, (int)j, 0), q->name) == 0)
					q->ureqs = dbl(q2, (int)j, 1);
		}
		PQclear(a);
		PQclear(q2);
	}
	if (nperiods > 0 && strcmp(periods[0].name, "all") == 0)
		exactall(&periods[0]);
	for (i = 0; i < nperiods; i++)
		clampperiod(&periods[i]);
	if (nperiods == 0) {
		periods = xcalloc(1, sizeof(*periods));
		periods[0].name = "all";
		nperiods = 1;
	}
}

/* ---- Groups of files: experiments, labgs, awards --------------------- */

struct gkey {
	const char *name;
	size_t	 obj;
};

static int
cmpgkey(const void *a, const void *b)
{
	const struct gkey *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->obj > y->obj) - (x->obj < y->obj);
}

static int
cmpgroupdl(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->dl != y->dl)
		return (x->dl < y->dl) - (x->dl > y->dl);
	return strcmp(x->name, y->name);
}

/*
 * Distinct downloaders of each group: the union of its files' daily hll
 * sets, in one query (days x files rows).  The (file, group) mapping goes
 * in as two array parameters.
 */
static void
groupuniq(struct group *g, size_t ng)
{
	struct html_buf ids = { 0 }, gs = { 0 };
	const char *p[2];
	PGresult *r;
	size_t i, j;

	if (ng == 0)
		return;
	html_puts(&ids, "{");
	html_puts(&gs, "{");
	for (i = 0; i < ng; i++)
		for (j = 0; j < g[i].nobj; j++) {
			html_printf(&ids, "%s%d", ids.n > 1 ? "," : "",
			    objs[g[i].objs[j]].id);
			html_printf(&gs, "%s%zu", gs.n > 1 ? "," : "", i);
		}
	html_puts(&ids, "}");
	html_puts(&gs, "}");
	p[0] = ids.p;
	p[1] = gs.p;
	r = query("daily_object", "SELECT m.g, hll_cardinality(hll_union_agg("
	    "d.downloaders)) FROM unnest($1::int[], $2::int[]) AS m(object_id, g)"
	    " JOIN daily_object d USING (object_id) GROUP BY m.g", 2, p);
	for (i = 0; i < (size_t)PQntuples(r); i++) {
		j = (size_t)num(r, (int)i, 0);
		if (j < ng)
			g[j].clients = dbl(r, (int)i, 1);
	}
	PQclear(r);
	html_free(&ids);
	html_free(&gs);
}

static struct group *
buildgroups(size_t field, struct meta *m, size_t nm, size_t *np)
{
	struct gkey *k;
	struct group *g = NULL;
	struct meta *mm;
	size_t i, j, n = 0, ng = 0, x;

	k = xcalloc(nobjs + 1, sizeof(*k));
	for (i = 0; i < nobjs; i++) {
		const char *s = field == 0 ? objs[i].exp : field == 1 ?
		    objs[i].lab : objs[i].award;

		if (s != NULL && *s != '\0') {
			k[n].name = s;
			k[n++].obj = i;
		}
	}
	qsort(k, n, sizeof(*k), cmpgkey);
	for (i = 0; i < n; i = j) {
		struct group *q;

		for (j = i; j < n && strcmp(k[j].name, k[i].name) == 0; j++)
			;
		g = xreallocarray(g, ng + 1, sizeof(*g));
		q = &g[ng++];
		memset(q, 0, sizeof(*q));
		q->name = k[i].name;
		safename(q->name, q->page, sizeof(q->page));
		if ((mm = findmeta(m, nm, q->name)) != NULL) {
			q->title = mm->title;
			q->extra = mm->extra;
			q->assay = mm->assay;
		}
		q->objs = xcalloc(j - i, sizeof(*q->objs));
		for (x = i; x < j; x++) {
			struct obj *o = &objs[k[x].obj];

			q->objs[q->nobj++] = k[x].obj;
			q->dl += o->dl;
			q->bytes += o->bytes;
		}
	}
	free(k);
	groupuniq(g, ng);
	/*
	 * The union's estimate, within what the exact numbers allow: at
	 * least the files' own largest count, at most the downloads.
	 */
	for (i = 0; i < ng; i++) {
		for (x = 0; x < g[i].nobj; x++)
			if (g[i].clients < objs[g[i].objs[x]].uniq)
				g[i].clients = objs[g[i].objs[x]].uniq;
		if (g[i].clients > (double)g[i].dl)
			g[i].clients = (double)g[i].dl;
	}
	if (g != NULL)
		qsort(g, ng, sizeof(*g), cmpgroupdl);
	*np = ng;
	return g;
}

static struct group *
findgroup(struct group *g, size_t n, const char *name)
{
	size_t i;

	/* Linear, but only called for a page's handful of links. */
	for (i = 0; name != NULL && i < n; i++)
		if (strcmp(g[i].name, name) == 0)
			return &g[i];
	return NULL;
}

/* ---- Page pieces ----------------------------------------------------- */

static const char *root;	/* "" for top-level pages, "../" below */

static void
begin(const char *title, const char *sub, int depth)
{
	root = depth ? "../" : "";
	html_reset(&pg);
	html_begin(&pg, root, title, sub);
}

static void
finish(const char *rel)
{
	html_end(&pg, root, note);
	put(rel, &pg);
}

static void
tile(const char *label, const char *fmt, ...)
{
	va_list ap;
	char v[64];

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	html_puts(&pg, "<div class=\"tile\"><div class=\"v\">");
	html_esc(&pg, v);
	html_puts(&pg, "</div><div class=\"l\">");
	html_esc(&pg, label);
	html_puts(&pg, "</div></div>\n");
}

static void
tilenum(const char *label, long long n)
{
	struct html_buf b = { 0 };

	html_num(&b, n);
	tile(label, "%s", b.p);
	html_free(&b);
}

/* A count, marked "≈" when it is an estimate. */
static void
tileest(const char *label, double v, int approx)
{
	struct html_buf b = { 0 };

	html_num(&b, (long long)(v + 0.5));
	tile(label, "%s%s", approx ? "\xe2\x89\x88\xc2\xa0" : "", b.p);
	html_free(&b);
}

static void
tilebytes(const char *label, double n)
{
	struct html_buf b = { 0 };

	html_bytes(&b, n);
	tile(label, "%s", b.p);
	html_free(&b);
}

static const char *tabtsv;	/* TSV file of the open table */
static int	 tabcols;

/* cols: "name" or "#name" for a numeric column. */
static void
tab_begin(const char *h2, const char *tsvrel, ...)
{
	va_list ap;
	const char *c;
	int first = 1;

	if (h2 != NULL) {
		html_puts(&pg, "<h2>");
		html_esc(&pg, h2);
		html_puts(&pg, "</h2>\n");
	}
	html_puts(&pg, "<div class=\"tw\"><table>\n<thead><tr>");
	html_reset(&tsv);
	tabtsv = tsvrel;
	tabcols = 0;
	va_start(ap, tsvrel);
	while ((c = va_arg(ap, const char *)) != NULL) {
		int n = c[0] == '#';

		html_printf(&pg, "<th%s>", n ? " class=\"n\"" : "");
		html_esc(&pg, c + n);
		html_puts(&pg, "</th>");
		if (!first)
			html_puts(&tsv, "\t");
		html_puts(&tsv, c + n);
		first = 0;
		tabcols++;
	}
	va_end(ap);
	html_puts(&pg, "</tr></thead>\n<tbody>\n");
	html_puts(&tsv, "\n");
}

static int	 cellno;

static void
row_begin(void)
{
	html_puts(&pg, "<tr>");
	cellno = 0;
}

static void
row_end(void)
{
	html_puts(&pg, "</tr>\n");
	html_puts(&tsv, "\n");
}

static void
tsvsep(void)
{
	if (cellno++ > 0)
		html_puts(&tsv, "\t");
}

/* A cell with text (escaped), linked when href is not NULL. */
static void
cell_link(const char *text, const char *href)
{
	tsvsep();
	html_tsv(&tsv, text);
	html_puts(&pg, "<td class=\"k\">");
	if (href != NULL) {
		html_puts(&pg, "<a href=\"");
		html_esc(&pg, href);
		html_puts(&pg, "\">");
	}
	html_esc(&pg, text ? text : "");
	if (href != NULL)
		html_puts(&pg, "</a>");
	html_puts(&pg, "</td>");
}

static void
cell_text(const char *text)
{
	cell_link(text, NULL);
}

static void
cell_num(long long n)
{
	tsvsep();
	html_printf(&tsv, "%lld", n);
	html_puts(&pg, "<td class=\"n\">");
	html_num(&pg, n);
	html_puts(&pg, "</td>");
}

static void
cell_bytes(long long n)
{
	tsvsep();
	html_printf(&tsv, "%lld", n);
	html_puts(&pg, "<td class=\"n\">");
	html_bytes(&pg, (double)n);
	html_puts(&pg, "</td>");
}

static void cell_link(const char *, const char *);
static void cell_num(long long);
static void cell_bytes(long long);
static void row_begin(void);
static void row_end(void);

static void
placetable_rows(const struct place *v, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		row_begin();
		cell_num((long long)i + 1);
		if (v[i].key[0] == 'A' && v[i].key[1] == 'S') {
			cell_link(v[i].key, NULL);
			cell_link(v[i].name, NULL);
		} else {
			cell_link(v[i].name, NULL);
			cell_link(v[i].key[0] ? v[i].key : NULL, NULL);
		}
		cell_num(v[i].dl);
		cell_num(v[i].clients);
		cell_bytes(v[i].bytes);
		row_end();
	}
}

static void
tab_end(size_t shown, size_t total)
{
	const char *name;

	if (shown == 0)
		html_printf(&pg, "<tr><td colspan=\"%d\" class=\"small\">"
		    "none</td></tr>\n", tabcols);
	html_puts(&pg, "</tbody></table></div>\n<p class=\"dl\">");
	if (shown < total)
		html_printf(&pg, "First %zu of %zu rows. ", shown, total);
	name = strrchr(tabtsv, '/');
	name = name ? name + 1 : tabtsv;
	html_puts(&pg, "<a href=\"");
	html_esc(&pg, name);
	html_puts(&pg, "\" type=\"text/tab-separated-values\">");
	html_puts(&pg, shown < total ? "All rows as TSV" : "As TSV");
	html_puts(&pg, "</a></p>\n");
	put(tabtsv, &tsv);
}

/* Relative links; hrefs are ids or safe names, see safename(). */
static char linkbuf[8][128];
static int linkn;

static const char *
rlink(const char *fmt, ...)
{
	va_list ap;
	char *b = linkbuf[linkn++ % 8];
	int n;

	n = snprintf(b, 128, "%s", root);
	va_start(ap, fmt);
	vsnprintf(b + n, 128 - (size_t)n, fmt, ap);
	va_end(ap);
	return b;
}

/* A file's one label: its accession when the portal knows it. */
static const char *
objlabel(const struct obj *o)
{
	return o->acc != NULL && *o->acc != '\0' ? o->acc : o->base;
}

static const char *
objlink(const struct obj *o)
{
	return rlink("f/%d.html", o->id);
}

static const char *
clientlink(const struct client *c)
{
	return rlink("d/%d.html", c->id);
}

static const char *
reqlink(const struct requester *q)
{
	return rlink("r/%d.html", q->id);
}

static const char *
grouplink(const char *dir, struct group *g, size_t ng, const char *name)
{
	struct group *q = findgroup(g, ng, name);

	return q ? rlink("%s/%s.html", dir, q->page) : NULL;
}

/* A daily series (odays/cdays/rdays slice) as a chart over all days. */
static void
chart(const char *title, const struct day *d, size_t n, const long long *all)
{
	double *v;
	size_t i;

	v = xcalloc(nbins, sizeof(*v));
	if (all != NULL)
		for (i = 0; i < ndays; i++)
			v[binof(dmin + (int)i)] += (double)all[i];
	for (i = 0; i < n; i++)
		if (d[i].day >= dmin && d[i].day <= dmax)
			v[binof(d[i].day)] += (double)d[i].v;
	html_puts(&pg, "<h2>");
	html_esc(&pg, title);
	html_puts(&pg, monthly ? " (per month)" : " (per day)");
	html_puts(&pg, "</h2>\n<div class=\"card chart\">");
	svg_series(&pg, nbins, (const char *const *)binlabel, v, title);
	html_puts(&pg, "</div>\n");
	free(v);
}

/* Top files as a horizontal bar chart; vals NULL: all-time downloads. */
static void
objchart(const char *title, size_t *idx, const long long *vals, size_t n)
{
	const char **lab, **href;
	double *v;
	size_t i;

	if (n == 0)
		return;
	lab = xcalloc(n, sizeof(*lab));
	href = xcalloc(n, sizeof(*href));
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++) {
		struct obj *o = &objs[idx ? idx[i] : i];

		lab[i] = objlabel(o);
		href[i] = xstrdup(objlink(o));
		v[i] = (double)(vals ? vals[i] : o->dl);
	}
	html_puts(&pg, "<h2>");
	html_esc(&pg, title);
	html_puts(&pg, "</h2>\n<div class=\"card chart\">");
	svg_hbar(&pg, n, lab, v, href, title);
	html_puts(&pg, "</div>\n");
	for (i = 0; i < n; i++)
		free((char *)href[i]);
	free(lab);
	free(href);
	free(v);
}

static void
objrow(size_t rank, const struct obj *o)
{
	row_begin();
	cell_num((long long)rank);
	cell_link(objlabel(o), objlink(o));
	cell_link(o->exp, grouplink("e", exps, nexps, o->exp));
	cell_text(o->assay);
	cell_num(o->dl);
	cell_num((long long)(o->uniq + 0.5));
	cell_bytes(o->bytes);
	row_end();
}

#define OBJCOLS	"#Rank", "File", "Experiment", "Assay", "#Downloads", \
	"#Unique downloaders", "#Bytes sent"

/* A table of files given by index (idx NULL: objs in order). */
static void
objtable(const char *h2, const char *tsvrel, size_t *idx, size_t n,
    size_t max)
{
	size_t i;

	tab_begin(h2, tsvrel, OBJCOLS, NULL);
	for (i = 0; i < n; i++) {
		if (i == max) {
			/* The rest goes to the TSV only. */
			struct html_buf save = pg;

			pg = (struct html_buf){ 0 };
			for (; i < n; i++)
				objrow(i + 1, &objs[idx ? idx[i] : i]);
			html_free(&pg);
			pg = save;
			break;
		}
		objrow(i + 1, &objs[idx ? idx[i] : i]);
	}
	tab_end(n < max ? n : max, n);
}

static void
clientrow(size_t rank, const struct client *c)
{
	row_begin();
	cell_num((long long)rank);
	cell_link(c->name, clientlink(c));
	cell_num(c->dl);
	cell_num((long long)(c->files + 0.5));
	cell_bytes(c->bytes);
	row_end();
}

static void
clienttable(const char *h2, const char *tsvrel, size_t n, size_t max)
{
	size_t i;

	tab_begin(h2, tsvrel, "#Rank", "Downloader", "#Downloads", "#Files",
	    "#Bytes sent", NULL);
	for (i = 0; i < n; i++) {
		if (i == max) {
			struct html_buf save = pg;

			pg = (struct html_buf){ 0 };
			for (; i < n; i++)
				clientrow(i + 1, &clients[i]);
			html_free(&pg);
			pg = save;
			break;
		}
		clientrow(i + 1, &clients[i]);
	}
	tab_end(n < max ? n : max, n);
}

static void
reqrow(size_t rank, const struct requester *q)
{
	row_begin();
	cell_num((long long)rank);
	cell_link(q->name, reqlink(q));
	cell_num(q->dl);
	cell_num((long long)(q->clients + 0.5));
	cell_num((long long)(q->files + 0.5));
	cell_bytes(q->bytes);
	row_end();
}

static void
reqtable(const char *h2, const char *tsvrel, size_t n)
{
	size_t i;

	tab_begin(h2, tsvrel, "#Rank", "Requester", "#Downloads",
	    "#Downloaders", "#Files", "#Bytes sent", NULL);
	for (i = 0; i < n; i++)
		reqrow(i + 1, &reqs[i]);
	tab_end(n, n);
}

/* ---- Pages ------------------------------------------------------------- */

static void
info_begin(const char *h2)
{
	html_puts(&pg, "<h2>");
	html_esc(&pg, h2);
	html_puts(&pg, "</h2>\n<div class=\"card\"><dl class=\"info\">\n");
}

/* One line of a <dl>; value escaped, linked when href; ext: portal link. */
static void
info(const char *label, const char *value, const char *href, const char *ext)
{
	html_puts(&pg, "<dt>");
	html_esc(&pg, label);
	html_puts(&pg, "</dt><dd>");
	if (value == NULL) {
		html_puts(&pg, "<span class=\"small\">unknown</span></dd>\n");
		return;
	}
	if (href != NULL) {
		html_puts(&pg, "<a href=\"");
		html_esc(&pg, href);
		html_puts(&pg, "\">");
	}
	html_esc(&pg, value);
	if (href != NULL)
		html_puts(&pg, "</a>");
	if (ext != NULL) {
		html_puts(&pg, " <a class=\"small\" rel=\"external noopener\" href=\"");
		html_esc(&pg, ext);
		html_puts(&pg, "\">ENCODE portal \xe2\x86\x97</a>");
	}
	html_puts(&pg, "</dd>\n");
}

static void
info_end(void)
{
	html_puts(&pg, "</dl></div>\n");
}

static char *
portal(const char *kind, const char *name)
{
	struct html_buf b = { 0 };

	if (name == NULL)
		return NULL;
	html_printf(&b, "%s/%s/", PORTAL, kind);
	html_url(&b, name, 0);
	html_puts(&b, "/");
	return b.p;
}

/* Countries or networks: a table (and its TSV), max rows on the page. */
static void
placetable(const char *h2, const char *tsvrel, int net, size_t max)
{
	size_t n = net ? nnetworks : ncountries;
	const struct place *v = net ? networks : countries;

	tab_begin(h2, tsvrel, "#Rank", net ? "Network" : "Country",
	    net ? "Organisation" : "Code", "#Downloads", "#Downloaders",
	    "#Bytes sent", NULL);
	placetable_rows(v, 0, n < max ? n : max);
	if (n > max) {
		/* The rest goes to the TSV only. */
		struct html_buf save = pg;

		pg = (struct html_buf){ 0 };
		placetable_rows(v, max, n);
		html_free(&pg);
		pg = save;
	}
	tab_end(n < max ? n : max, n);
}

/* Downloads by country, as a chart of the top ten. */
static void
countrychart(void)
{
	const char *lab[10], *href[10];
	double v[10];
	size_t i, n = ncountries < 10 ? ncountries : 10;

	for (i = 0; i < n; i++) {
		lab[i] = countries[i].name;
		href[i] = "countries.html";
		v[i] = (double)countries[i].dl;
	}
	html_puts(&pg, "<h2>Downloads by country</h2>\n<div class=\"card chart\">");
	svg_hbar(&pg, n, lab, v, href, "Downloads by country");
	html_puts(&pg, "</div>\n<p><a href=\"countries.html\">All countries "
	    "\xe2\x86\x92</a> \xc2\xb7 <a href=\"networks.html\">All networks "
	    "\xe2\x86\x92</a></p>\n");
}

static void
homepage(void)
{
	struct period *a = &periods[0];
	size_t n = nobjs < (size_t)topn ? nobjs : (size_t)topn;

	begin("Downloads dashboard", note, 0);
	html_puts(&pg, "<div class=\"tiles\">\n");
	tilenum("Total downloads", a->dl);
	tileest("Unique downloads", a->updl, a->approx);
	tilebytes("Average file size", a->avgsize);
	tileest("Unique downloaders", a->uclients, a->approx);
	tilenum("Unique files", a->nfiles);
	tilenum("Unique requesters", (long long)(a->ureqs + 0.5));
	if (geo != NULL) {
		tilenum("Countries", (long long)nknown(countries, ncountries));
		tilenum("Networks", (long long)nknown(networks, nnetworks));
	}
	html_puts(&pg, "</div>\n<p class=\"dl\"><a href=\"summary.tsv\" "
	    "type=\"text/tab-separated-values\">These numbers as TSV</a></p>\n");
	/* The tiles as TSV: exact values, for scripts and for the tests. */
	html_reset(&tsv);
	html_printf(&tsv, "measure\tvalue\n"
	    "downloads\t%lld\n"
	    "unique_downloads\t%.0f\n"
	    "average_file_size\t%.0f\n"
	    "unique_downloaders\t%.0f\n"
	    "unique_files\t%lld\n"
	    "unique_requesters\t%.0f\n"
	    "requests\t%lld\n"
	    "bytes_sent\t%lld\n"
	    "errors\t%lld\n", a->dl, a->updl, a->avgsize, a->uclients,
	    a->nfiles, a->ureqs, a->requests, a->bytes, a->errors);
	if (geo != NULL)
		html_printf(&tsv, "countries\t%zu\nnetworks\t%zu\n",
		    nknown(countries, ncountries), nknown(networks, nnetworks));
	put("summary.tsv", &tsv);
	chart("Downloads over time", NULL, 0, tot_dl);
	if (geo != NULL)
		countrychart();
	objchart("Top files by downloads", NULL, NULL, n < 15 ? n : 15);
	objtable("Most downloaded files", "top-files.tsv", NULL, n, n);
	html_printf(&pg, "<p><a href=\"files.html\">All %lld files \xe2\x86\x92</a></p>\n",
	    a->nfiles);
	clienttable("Most active downloaders", "top-downloaders.tsv",
	    nclients < (size_t)topn ? nclients : (size_t)topn, (size_t)topn);
	html_puts(&pg, "<p><a href=\"downloaders.html\">All downloaders "
	    "\xe2\x86\x92</a></p>\n");
	reqtable("Requesters", "top-requesters.tsv",
	    nreqs < 10 ? nreqs : 10);
	finish("index.html");
}

/* "Top 100 downloaders" when the list was cut, else just the title. */
static void
toptitle(char *buf, size_t sz, const char *what, size_t shown, double total)
{
	if (shown >= PAIRMAX && total > shown)
		snprintf(buf, sz, "Top %zu %s", shown, what);
	else
		snprintf(buf, sz, "%c%s", what[0] - 'a' + 'A', what + 1);
}

static void
filepages(void)
{
	char rel[64], h2[64];
	size_t i, p;
	char *e1, *e2;

	for (i = 0; i < nobjs; i++) {
		struct obj *o = &objs[i];
		struct html_buf sub = { 0 };

		html_puts(&sub, "s3://");
		html_puts(&sub, o->bucket ? o->bucket : "");
		html_puts(&sub, "/");
		html_puts(&sub, o->key);
		begin(objlabel(o), sub.p, 1);
		html_free(&sub);
		html_puts(&pg, "<div class=\"tiles\">\n");
		tilenum("Downloads", o->dl);
		tilenum("Unique downloaders", (long long)(o->uniq + 0.5));
		tilenum("Full downloads", o->full);
		tilenum("Partial downloads", o->partial);
		tilebytes("Bytes sent", (double)o->bytes);
		tilenum("Errors", o->errors);
		html_puts(&pg, "</div>\n");
		chart("Downloads over time", odays + o->d0, o->nd, NULL);
		info_begin("General information");
		info("File", o->acc ? o->acc : o->base, NULL,
		    e1 = portal("files", o->acc));
		info("Key", o->key, NULL, NULL);
		info("Bucket", o->bucket, NULL, NULL);
		if (o->size > 0) {
			struct html_buf b = { 0 };

			html_bytes(&b, (double)o->size);
			html_printf(&b, " (%lld bytes)", o->size);
			info("Size", b.p, NULL, NULL);
			html_free(&b);
		} else
			info("Size", NULL, NULL, NULL);
		info("Experiment", o->exp, grouplink("e", exps, nexps, o->exp),
		    e2 = portal("experiments", o->exp));
		free(e1);
		free(e2);
		info("Assay", o->assay, NULL, NULL);
		info("Lab", o->lab, grouplink("l", labgs, nlabs, o->lab), NULL);
		info("Award", o->award, grouplink("a", awards, nawards,
		    o->award), NULL);
		info("Format", o->format, NULL, NULL);
		info("Output type", o->otype, NULL, NULL);
		info_end();

		snprintf(rel, sizeof(rel), "f/%d.tsv", o->id);
		toptitle(h2, sizeof(h2), "downloaders", o->np, o->uniq);
		if (tie)
			tab_begin(h2, rel, "#Rank", "Downloader", "Requester",
			    "#Downloads", "#Bytes sent", NULL);
		else
			tab_begin(h2, rel, "#Rank", "Downloader", "#Downloads",
			    "#Bytes sent", NULL);
		for (p = o->p0; p < o->p0 + o->np; p++) {
			struct pair *x = &opairs[p];
			struct client *c = &clients[x->client];
			struct requester *q = x->req >= 0 ? &reqs[x->req] : NULL;

			row_begin();
			cell_num((long long)(p - o->p0 + 1));
			cell_link(c->name, clientlink(c));
			if (tie)
				cell_link(q ? q->name : "anonymous",
				    q ? reqlink(q) : NULL);
			cell_num(x->dl);
			cell_bytes(x->bytes);
			row_end();
		}
		tab_end(o->np, o->np);
		snprintf(rel, sizeof(rel), "f/%d.html", o->id);
		finish(rel);
	}
}

static void
clientpages(void)
{
	char rel[64], h2[64];
	size_t i, p;

	for (i = 0; i < nclients; i++) {
		struct client *c = &clients[i];

		begin(c->name, aflag ? "Downloader (raw address: internal use "
		    "only)" : nflag ? "Downloader in this network" :
		    "Downloader, shown by a keyed pseudonym of its address", 1);
		html_puts(&pg, "<div class=\"tiles\">\n");
		tilenum("Downloads", c->dl);
		tilenum("Files", (long long)(c->files + 0.5));
		tilebytes("Bytes sent", (double)c->bytes);
		html_puts(&pg, "</div>\n");
		chart("Downloads over time", cdays + c->d0, c->nd, NULL);
		if (geo != NULL) {
			struct geo_info gi;
			char b[160];

			geo_lookup(geo, c->ip, &gi);
			info_begin("Where");
			if (gi.cc[0] != '\0')
				snprintf(b, sizeof(b), "%s (%s)", gi.country,
				    gi.cc);
			info("Country", gi.cc[0] ? b : NULL, NULL, NULL);
			if (gi.asn != 0)
				snprintf(b, sizeof(b), "AS%lu%s%s", gi.asn,
				    gi.org[0] ? " " : "", gi.org);
			info("Network", gi.asn ? b : NULL, NULL, NULL);
			info_end();
		}
		snprintf(rel, sizeof(rel), "d/%d.tsv", c->id);
		toptitle(h2, sizeof(h2), "files downloaded", c->np, c->files);
		if (tie)
			tab_begin(h2, rel, "#Rank", "File", "Experiment",
			    "Requester", "#Downloads", "#Bytes sent", NULL);
		else
			tab_begin(h2, rel, "#Rank", "File", "Experiment",
			    "#Downloads", "#Bytes sent", NULL);
		for (p = c->p0; p < c->p0 + c->np; p++) {
			struct pair *x = &cpairs[p];
			struct obj *o = &objs[x->obj];
			struct requester *q = x->req >= 0 ? &reqs[x->req] : NULL;

			row_begin();
			cell_num((long long)(p - c->p0 + 1));
			cell_link(objlabel(o), objlink(o));
			cell_link(o->exp, grouplink("e", exps, nexps, o->exp));
			if (tie)
				cell_link(q ? q->name : "anonymous",
				    q ? reqlink(q) : NULL);
			cell_num(x->dl);
			cell_bytes(x->bytes);
			row_end();
		}
		tab_end(c->np, c->np);
		snprintf(rel, sizeof(rel), "d/%d.html", c->id);
		finish(rel);
	}
}

static void
reqpages(void)
{
	char rel[64], h2[64];
	size_t i, p;

	for (i = 0; i < nreqs; i++) {
		struct requester *q = &reqs[i];

		begin(q->name, q->name == q->pname ? "Requester, shown by a "
		    "keyed pseudonym of its identity" : "Requester (the "
		    "authenticated identity of the requests; anonymous when "
		    "unsigned)", 1);
		html_puts(&pg, "<div class=\"tiles\">\n");
		tilenum("Downloads", q->dl);
		tilenum("Downloaders", (long long)(q->clients + 0.5));
		tilenum("Files", (long long)(q->files + 0.5));
		tilebytes("Bytes sent", (double)q->bytes);
		html_puts(&pg, "</div>\n");
		chart("Downloads over time", rdays + q->d0, q->nd, NULL);
		snprintf(rel, sizeof(rel), "r/%d.tsv", q->id);
		toptitle(h2, sizeof(h2), "downloads by file and downloader",
		    q->np, (double)q->dl);
		if (tie)
			tab_begin(h2, rel, "#Rank", "File", "Experiment",
			    "Downloader", "#Downloads", "#Bytes sent", NULL);
		else
			tab_begin(h2, rel, "#Rank", "File", "Experiment",
			    "#Downloads", "#Bytes sent", NULL);
		for (p = q->p0; p < q->p0 + q->np; p++) {
			struct pair *x = &rpairs[p];
			struct obj *o = &objs[x->obj];
			struct client *c = &clients[x->client];

			row_begin();
			cell_num((long long)(p - q->p0 + 1));
			cell_link(objlabel(o), objlink(o));
			cell_link(o->exp, grouplink("e", exps, nexps, o->exp));
			if (tie)
				cell_link(c->name, clientlink(c));
			cell_num(x->dl);
			cell_bytes(x->bytes);
			row_end();
		}
		tab_end(q->np, q->np);
		snprintf(rel, sizeof(rel), "r/%d.html", q->id);
		finish(rel);
	}
}

static void
grouppages(const char *dir, const char *what, const char *kind,
    struct group *g, size_t ng)
{
	char rel[128];
	size_t i, j;
	struct day *d;
	size_t nd;
	char *ext;

	for (i = 0; i < ng; i++) {
		struct group *q = &g[i];

		{
			/* "Experiment: TF ChIP-seq, K562, ARID3A" */
			struct html_buf sub = { 0 };

			html_puts(&sub, what);
			if (q->assay != NULL || q->title != NULL) {
				html_puts(&sub, ": ");
				if (q->assay != NULL)
					html_printf(&sub, "%s%s", q->assay,
					    q->title ? ", " : "");
				if (q->title != NULL)
					html_puts(&sub, q->title);
				if (q->extra != NULL && q->assay != NULL)
					html_printf(&sub, ", %s", q->extra);
			}
			begin(q->name, sub.p, 1);
			html_free(&sub);
		}
		html_puts(&pg, "<div class=\"tiles\">\n");
		tilenum("Downloads", q->dl);
		tileest("Unique downloaders", q->clients, 1);
		tilenum("Files downloaded", (long long)q->nobj);
		tilebytes("Bytes sent", (double)q->bytes);
		html_puts(&pg, "</div>\n");
		for (j = nd = 0; j < q->nobj; j++)
			nd += objs[q->objs[j]].nd;
		d = xcalloc(nd + 1, sizeof(*d));
		for (j = nd = 0; j < q->nobj; j++) {
			struct obj *o = &objs[q->objs[j]];

			memcpy(d + nd, odays + o->d0, o->nd * sizeof(*d));
			nd += o->nd;
		}
		chart("Downloads over time", d, nd, NULL);
		free(d);
		info_begin("General information");
		info(what, q->name, NULL, ext = portal(kind, q->name));
		free(ext);
		if (q->title != NULL)
			info("Title", q->title, NULL, NULL);
		if (q->extra != NULL)
			info("Details", q->extra, NULL, NULL);
		info_end();
		snprintf(rel, sizeof(rel), "%s/%s.tsv", dir, q->page);
		objtable("Files", rel, q->objs, q->nobj, LISTMAX);
		snprintf(rel, sizeof(rel), "%s/%s.html", dir, q->page);
		finish(rel);
	}
}

static void
grouplist(const char *rel, const char *title, const char *dir,
    const char *what, struct group *g, size_t ng)
{
	char tsvrel[64];
	size_t i;

	begin(title, ng == 0 ? "No ENCODE metadata loaded (encodefetch "
	    "files | pgload -t files): files are shown by key only." : NULL, 0);
	snprintf(tsvrel, sizeof(tsvrel), "%.*s.tsv",
	    (int)(strlen(rel) - 5), rel);
	tab_begin(NULL, tsvrel, "#Rank", what, "Title", "#Files",
	    "#Downloads", "#\xe2\x89\x88 Unique downloaders", "#Bytes sent",
	    NULL);
	root = "";
	for (i = 0; i < ng; i++) {
		row_begin();
		cell_num((long long)i + 1);
		cell_link(g[i].name, rlink("%s/%s.html", dir, g[i].page));
		cell_text(g[i].title);
		cell_num((long long)g[i].nobj);
		cell_num(g[i].dl);
		cell_num((long long)(g[i].clients + 0.5));
		cell_bytes(g[i].bytes);
		row_end();
	}
	tab_end(ng, ng);
	finish(rel);
}

/* Top files and downloaders of every year and month, ranked in SQL. */
static PGresult *ptop_obj[3], *ptop_cli[3];

static void
periodpage(struct period *q, int kind, PGresult *to, PGresult *tc)
{
	char rel[64], sub[128];
	size_t i, *idx, n, ntc;
	long long *pdl;
	struct day *d;
	int y, m, dd;

	snprintf(sub, sizeof(sub), "All downloads of %s", q->name);
	begin(q->name, sub, 1);
	html_puts(&pg, "<div class=\"tiles\">\n");
	tilenum("Total downloads", q->dl);
	tileest("Unique downloads", q->updl, q->approx);
	tilebytes("Average file size", q->avgsize);
	tileest("Unique downloaders", q->uclients, q->approx);
	tilenum("Unique files", q->nfiles);
	tilenum("Unique requesters", (long long)(q->ureqs + 0.5));
	html_puts(&pg, "</div>\n");
	d = xcalloc(ndays + 1, sizeof(*d));
	for (i = n = 0; i < ndays; i++) {
		char p[48];

		civil(dmin + (int)i, &y, &m, &dd);
		if (kind == 1)
			snprintf(p, sizeof(p), "%04d", y);
		else
			snprintf(p, sizeof(p), "%04d-%02d", y, m);
		if (strcmp(p, q->name) == 0) {
			d[n].day = dmin + (int)i;
			d[n++].v = tot_dl[i];
		}
	}
	/* Within a period: by day for a month, by month for a year. */
	{
		int savem = monthly, savemin = dmin, savemax = dmax;
		size_t saven = nbins, savend = ndays;
		char **savel = binlabel;
		char lab[48];

		if (n > 0) {
			dmin = d[0].day;
			dmax = d[n - 1].day;
			ndays = (size_t)(dmax - dmin + 1);
			monthly = kind == 1;
			nbins = binof(dmax) + 1;
			binlabel = xcalloc(nbins, sizeof(*binlabel));
			for (i = 0; i < nbins; i++) {
				civil(dmin, &y, &m, &dd);
				if (monthly)
					snprintf(lab, sizeof(lab), "%04d-%02d",
					    y, m + (int)i);
				else {
					civil(dmin + (int)i, &y, &m, &dd);
					snprintf(lab, sizeof(lab), "%04d-%02d-%02d",
					    y, m, dd);
				}
				binlabel[i] = xstrdup(lab);
			}
			chart("Downloads over time", d, n, NULL);
			for (i = 0; i < nbins; i++)
				free(binlabel[i]);
			free(binlabel);
		}
		monthly = savem;
		dmin = savemin;
		dmax = savemax;
		nbins = saven;
		ndays = savend;
		binlabel = savel;
	}
	free(d);
	idx = xcalloc((size_t)PQntuples(to) + 1, sizeof(*idx));
	pdl = xcalloc((size_t)PQntuples(to) + 1, sizeof(*pdl));
	for (i = n = 0; i < (size_t)PQntuples(to); i++) {
		struct obj *o;

		if (strcmp(PQgetvalue(to, (int)i, 0), q->name) == 0 &&
		    (o = findobj((int)num(to, (int)i, 1))) != NULL) {
			pdl[n] = num(to, (int)i, 2);
			idx[n++] = (size_t)(o - objs);
		}
	}
	snprintf(rel, sizeof(rel), "p/%s-files.tsv", q->name);
	objchart("Top files by downloads", idx, pdl, n < 15 ? n : 15);
	tab_begin("Most downloaded files", rel, "#Rank", "File",
	    "Experiment", "Assay", "#Downloads in period", NULL);
	for (i = ntc = 0; i < (size_t)PQntuples(to); i++) {
		struct obj *o;

		if (strcmp(PQgetvalue(to, (int)i, 0), q->name) != 0 ||
		    (o = findobj((int)num(to, (int)i, 1))) == NULL)
			continue;
		row_begin();
		cell_num((long long)++ntc);
		cell_link(objlabel(o), objlink(o));
		cell_link(o->exp, grouplink("e", exps, nexps, o->exp));
		cell_text(o->assay);
		cell_num(num(to, (int)i, 2));
		row_end();
	}
	tab_end(ntc, ntc);
	free(idx);
	free(pdl);
	snprintf(rel, sizeof(rel), "p/%s-downloaders.tsv", q->name);
	tab_begin("Most active downloaders", rel, "#Rank", "Downloader",
	    "#Downloads in period", "#Bytes sent", NULL);
	for (i = ntc = 0; i < (size_t)PQntuples(tc); i++) {
		struct client *c;

		if (strcmp(PQgetvalue(tc, (int)i, 0), q->name) != 0 ||
		    (c = findclient((int)num(tc, (int)i, 1))) == NULL)
			continue;
		row_begin();
		cell_num((long long)++ntc);
		cell_link(c->name, clientlink(c));
		cell_num(num(tc, (int)i, 2));
		cell_bytes(num(tc, (int)i, 3));
		row_end();
	}
	tab_end(ntc, ntc);
	snprintf(rel, sizeof(rel), "p/%s.html", q->name);
	finish(rel);
}

static void
periodpages(void)
{
	static const char *fmt[] = { "YYYY", "YYYY-MM" };
	char top[32];
	const char *p[2];
	size_t i, k;

	snprintf(top, sizeof(top), "%lld", topn);
	for (k = 0; k < 2; k++) {
		p[0] = fmt[k];
		p[1] = top;
		ptop_obj[k] = query("daily_object", "SELECT p, object_id, dl"
		    " FROM (SELECT to_char(day, $1) AS p, object_id,"
		    "  sum(downloads) AS dl, row_number() OVER (PARTITION BY"
		    "  to_char(day, $1) ORDER BY sum(downloads) DESC, object_id)"
		    "  AS rn FROM daily_object WHERE downloads > 0 GROUP BY 1, 2) t"
		    " WHERE rn <= $2::int ORDER BY p, rn", 2, p);
		ptop_cli[k] = query("daily_client", "SELECT p, client_id, dl, b"
		    " FROM (SELECT to_char(day, $1) AS p, client_id,"
		    "  sum(downloads) AS dl, sum(bytes_sent) AS b,"
		    "  row_number() OVER (PARTITION BY to_char(day, $1)"
		    "  ORDER BY sum(downloads) DESC, client_id) AS rn"
		    "  FROM daily_client WHERE downloads > 0 GROUP BY 1, 2) t"
		    " WHERE rn <= $2::int ORDER BY p, rn", 2, p);
	}
	for (i = 1; i < nperiods; i++) {
		k = strlen(periods[i].name) == 4 ? 0 : 1;
		periodpage(&periods[i], (int)k + 1, ptop_obj[k], ptop_cli[k]);
	}
	begin("Periods", "Downloads per year and per month", 0);
	tab_begin(NULL, "periods.tsv", "Period", "#Downloads",
	    "#\xe2\x89\x88 Unique downloads", "#\xe2\x89\x88 Unique downloaders",
	    "#Unique files",
	    "#Unique requesters", "#Bytes sent", NULL);
	for (i = 1; i < nperiods; i++) {
		struct period *q = &periods[i];

		row_begin();
		cell_link(q->name, rlink("p/%s.html", q->name));
		cell_num(q->dl);
		cell_num((long long)(q->updl + 0.5));
		cell_num((long long)(q->uclients + 0.5));
		cell_num(q->nfiles);
		cell_num((long long)(q->ureqs + 0.5));
		cell_bytes(q->bytes);
		row_end();
	}
	tab_end(nperiods - 1, nperiods - 1);
	finish("periods.html");
	for (k = 0; k < 2; k++) {
		PQclear(ptop_obj[k]);
		PQclear(ptop_cli[k]);
	}
}

static void
listpages(void)
{
	begin("Files", "Every file downloaded at least once, most downloaded "
	    "first", 0);
	objtable(NULL, "files.tsv", NULL, nobjs, LISTMAX);
	finish("files.html");
	begin("Downloaders", aflag ? "Raw client addresses (internal use "
	    "only)" : nflag ? "Clients by truncated network (/24, IPv6 /48)" :
	    "Clients by keyed pseudonym: stable across runs, not reversible "
	    "without the key", 0);
	clienttable(NULL, "downloaders.tsv", nclients, LISTMAX);
	finish("downloaders.html");
	begin("Requesters", Rflag ? "Authenticated identities (anonymous: "
	    "unsigned requests)" : "Authenticated identities by keyed "
	    "pseudonym; anonymous (unsigned requests) and AWS services by "
	    "name", 0);
	reqtable(NULL, "requesters.tsv", nreqs);
	finish("requesters.html");
	if (geo != NULL) {
		begin("Countries", "Downloads and downloaders by country, "
		    "from the local GeoIP databases", 0);
		placetable(NULL, "countries.tsv", 0, LISTMAX);
		finish("countries.html");
		begin("Networks", "Downloads and downloaders by network "
		    "(autonomous system and its owner), from the local GeoIP "
		    "databases", 0);
		placetable(NULL, "networks.tsv", 1, LISTMAX);
		finish("networks.html");
	}
	grouplist("experiments.html", "Experiments", "e", "Experiment", exps,
	    nexps);
	grouplist("labs.html", "Labs", "l", "Lab", labgs, nlabs);
	grouplist("awards.html", "Awards", "a", "Award", awards, nawards);
}

/* ---- main ---------------------------------------------------------------- */

static void
cleanup(void)
{
	size_t i;

	for (i = 0; i < nobjs; i++) {
		free(objs[i].key);
		free(objs[i].expbuf);
	}
	for (i = 0; i < nkeep; i++)
		PQclear(keep[i]);
	for (i = 0; i < nbins; i++)
		free(binlabel[i]);
	free(binlabel);
	for (i = 0; i < nexps; i++)
		free(exps[i].objs);
	for (i = 0; i < nlabs; i++)
		free(labgs[i].objs);
	for (i = 0; i < nawards; i++)
		free(awards[i].objs);
	free(exps);
	free(labgs);
	free(awards);
	free(dsmeta);
	free(labmeta);
	free(awmeta);
	free(objs);
	free(objbyid);
	free(clients);
	free(clibyid);
	free(reqs);
	free(reqbyid);
	free(odays);
	free(cdays);
	free(rdays);
	free(opairs);
	free(cpairs);
	free(rpairs);
	free(periods);
	free(tot_dl);
	for (i = 0; i < ncountries; i++) {
		free(countries[i].key);
		free(countries[i].name);
	}
	for (i = 0; i < nnetworks; i++) {
		free(networks[i].key);
		free(networks[i].name);
	}
	free(countries);
	free(networks);
	geo_free(geo);
	free(key);
	html_free(&pg);
	html_free(&tsv);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "raw-addresses", no_argument, NULL, 'a' },
		{ "networks", no_argument, NULL, 'n' },
		{ "show-requesters", no_argument, NULL, 'R' },
		{ "geoip-database", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conninfo = "", *keyfile = NULL;
	char err[SITE_ERRSZ], d0[48], d1[48];
	int ch, removed, y, m, d, fold;
	PGresult *r;

	switch (std_option(argc, argv)) {
	case 'h':
		fputs(help, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	case 'V':
		printf("report %s\n", s3logs_version);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	out_init();
	while ((ch = getopt_long(argc, argv, "HRad:k:no:t:v", longopts,
	    NULL)) != -1)
		switch (ch) {
		case 'H':
			Hflag = 1;
			break;
		case 'R':
			Rflag = 1;
			break;
		case 'g':
			if (ngeodb == GEOMAX)
				errx(2, "--geoip-database: at most %d", GEOMAX);
			geodb[ngeodb++] = optarg;
			break;
		case 'a':
			aflag = 1;
			break;
		case 'd':
			conninfo = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 't':
			if (parse_num(optarg, 1, 100000, &topn) == -1)
				errx(2, "-t %s: not a number in 1..100000",
				    optarg);
			break;
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	argc -= optind;
	if (argc != 0 || outdir == NULL || *outdir == '\0')
		usage();
	if (aflag && nflag)
		errx(2, "-a and -n exclude each other");
	if (ngeodb > 0 && (geo = geo_open(geodb, ngeodb, err)) == NULL)
		errx(2, "--geoip-database %s", err);
	if (Hflag) {
		snprintf(limitbuf, sizeof(limitbuf), "%lld", topn);
		limitp[0] = limitbuf;
	}

	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		char *msg = PQerrorMessage(db);

		msg[strcspn(msg, "\n")] = '\0';
		errx(1, "database: %s", msg);
	}
	/*
	 * Many short queries: JIT compilation would cost more than it saves
	 * (about 0.7 s per query measured); the few sorts fit in 64 MB.
	 */
	PQclear(query("settings", "SET jit = off", 0, NULL));
	PQclear(query("settings", "SET work_mem = '64MB'", 0, NULL));
	/*
	 * Fold what pgload has queued (sql/022-fold.sql): the sums of batches
	 * a killed pgload left, and the (file, downloader, requester) totals,
	 * which loads queue and only this program reads.  Each fold is its
	 * own transaction, before the snapshot the pages are made from.
	 */
	r = query("catalog", "SELECT to_regproc('report_pairs_fold') IS NOT NULL",
	    0, NULL);
	fold = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	if (fold) {
		PQclear(query("folding the rollup queue", "SELECT pgload_fold()",
		    0, NULL));
		PQclear(query("folding report_pairs_queue",
		    "SELECT report_pairs_fold()", 0, NULL));
	}
	/* One snapshot: a concurrent pgload cannot tear the numbers. */
	PQclear(query("begin", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	    0, NULL));
	tie = !Rflag || aflag;
	if ((!aflag && !nflag) || !Rflag)
		loadkey(keyfile);
	if (!relexists("report_obj"))
		errx(1, "table report_obj is missing: apply "
		    "sql/030-report-exact.sql (pgload does)");
	signal(SIGINT, onsignal);
	signal(SIGTERM, onsignal);
	signal(SIGHUP, onsignal);
	if ((site = site_open(outdir, err)) == NULL)
		errx(1, "%s", err);

	loadtotals();
	loadperiods();
	loadobjects();
	loadclients();
	loadrequesters();
	if (geo != NULL)
		loadgeo();
	if (!Hflag)
		loadpairs();
	loadencode();
	exps = buildgroups(0, dsmeta, ndsmeta, &nexps);
	labgs = buildgroups(1, labmeta, nlabmeta, &nlabs);
	awards = buildgroups(2, awmeta, nawmeta, &nawards);
	vlog("%zu days, %zu files, %zu downloaders, %zu requesters, %zu "
	    "top pairs, %zu experiments", ndays, nobjs, nclients, nreqs,
	    nopairs + ncpairs + nrpairs, nexps);

	civil(dmin, &y, &m, &d);
	snprintf(d0, sizeof(d0), "%04d-%02d-%02d", y, m, d);
	civil(dmax, &y, &m, &d);
	snprintf(d1, sizeof(d1), "%04d-%02d-%02d", y, m, d);
	snprintf(note, sizeof(note), "Downloads from %s to %s (UTC), from S3 "
	    "server access logs. %s%s", d0, d1, aflag ? "Raw client addresses: "
	    "internal use only." : nflag ? "Downloaders are shown by "
	    "network (/24, /48)." : "Downloaders are shown by keyed "
	    "pseudonyms.", Rflag ? "" : " Requesters are shown by keyed "
	    "pseudonyms.");

	homepage();
	if (!Hflag) {
		filepages();
		clientpages();
		reqpages();
		grouppages("e", "Experiment", "experiments", exps, nexps);
		grouppages("l", "Lab", "labs", labgs, nlabs);
		grouppages("a", "Award", "awards", awards, nawards);
		periodpages();
		listpages();
	}
	PQclear(query("commit", "COMMIT", 0, NULL));
	PQfinish(db);

	/* -H keeps the manifest: the other pages are still the site's. */
	if (Hflag)
		removed = 0;
	else if ((removed = site_finish(site, err)) == -1) {
		warnx("%s", err);
		failed = 1;
	}
	vlog("%zu files, %zu written, %d removed", site_count(site),
	    site_written(site), removed < 0 ? 0 : removed);
	site_free(site);
	cleanup();
	out_close();
	return failed;
}
