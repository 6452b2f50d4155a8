/* See LICENSE file for copyright and license details. */
/*
 * The entities of the site from the database: files, downloaders,
 * requesters, their daily downloads and their top pairs.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "pseudo.h"
#include "report.h"
#include "util.h"

/* The entities sorted by id, for lookups; rep's arrays keep rank order. */
static struct obj **objbyid;
static struct client **clibyid;
static struct requester **reqbyid;

/* By id, through pointers: for the *byid arrays. */
static int
cmpobjp(const void *a, const void *b)
{
	const struct obj *x = *(struct obj *const *)a;
	const struct obj *y = *(struct obj *const *)b;

	return (x->id > y->id) - (x->id < y->id);
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

/* The entity of that id, or NULL when it has no downloads. */
struct obj *
findobj(int id)
{
	struct obj k, *kp = &k, **r;

	k.id = id;
	r = bsearch(&kp, objbyid, rep.nobjs, sizeof(*objbyid), cmpobjp);
	return r ? *r : NULL;
}

struct client *
findclient(int id)
{
	struct client k, *kp = &k, **r;

	k.id = id;
	r = bsearch(&kp, clibyid, rep.nclients, sizeof(*clibyid), cmpclip);
	return r ? *r : NULL;
}

static struct requester *
findreq(int id)
{
	struct requester k, *kp = &k, **r;

	k.id = id;
	r = bsearch(&kp, reqbyid, rep.nreqs, sizeof(*reqbyid), cmpreqp);
	return r ? *r : NULL;
}

/*
 * Days of one kind of entity, from rows (id, day, downloads) ordered by
 * id and day, into *np days; spanof(id) names the entity's slice of them
 * (NULL: an entity not loaded).
 */
static struct day *
loaddays(const char *what, const char *sql, size_t *np,
    struct span *(*spanof)(int))
{
	PGresult *r;
	struct day *d;
	struct span *sp;
	int i, j, n, id;

	r = query(what, sql, 0, NULL);
	n = pg_nrows(r);
	d = xreallocarray(NULL, (size_t)n + 1, sizeof(*d));
	for (i = 0; i < n; i = j) {
		id = (int)pg_int(r, i, 0);
		for (j = i; j < n && pg_int(r, j, 0) == id; j++) {
			d[j].day = (int)pg_int(r, j, 1);
			d[j].v = pg_int(r, j, 2);
		}
		if ((sp = spanof(id)) != NULL) {
			sp->off = (size_t)i;
			sp->n = (size_t)(j - i);
		}
	}
	pg_clear(r);
	*np = (size_t)n;
	return d;
}

/* Each entity's slice of its days, for loaddays(). */
static struct span *
objdays(int id)
{
	struct obj *o = findobj(id);

	return o ? &o->days : NULL;
}

static struct span *
clientdays(int id)
{
	struct client *c = findclient(id);

	return c ? &c->days : NULL;
}

static struct span *
reqdays(int id)
{
	struct requester *q = findreq(id);

	return q ? &q->days : NULL;
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

/* The files with downloads, most downloaded first, and their days. */
void
loadobjects(void)
{
	char lim[24];
	const char *limp[1] = { lim };
	PGresult *r;
	size_t i;
	int n;

	/*
	 * Downloads, bytes and distinct downloaders, exact and all-time, from
	 * report_obj: with -H, the top files through its rank index,
	 * whatever the number of days or log rows; the site adds each
	 * file's other sums, of the files with downloads in the rollups.
	 */
	snprintf(lim, sizeof(lim), "%lld", rep.topn);
	if (rep.Hflag)
		r = kept(query("objects", "SELECT o.object_id, o.bucket, o.key,"
		    " o.size, 0, r.downloads, 0, 0, r.bytes_sent, 0,"
		    " r.downloaders FROM report_obj r JOIN objects o"
		    " USING (object_id) WHERE r.downloads > 0"
		    " ORDER BY r.downloads DESC, r.object_id LIMIT $1::bigint",
		    1, limp));
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
	n = pg_nrows(r);
	rep.nobjs = (size_t)n;
	rep.objs = xcalloc(rep.nobjs + 1, sizeof(*rep.objs));
	objbyid = xcalloc(rep.nobjs + 1, sizeof(*objbyid));
	for (i = 0; i < rep.nobjs; i++) {
		struct obj *o = &rep.objs[i];
		const char *s;

		o->id = (int)pg_int(r, (int)i, 0);
		o->bucket = pg_value(r, (int)i, 1);
		s = pg_value(r, (int)i, 2);
		o->key = keydecode(s != NULL ? s : "");
		o->base = (s = strrchr(o->key, '/')) != NULL && s[1] != '\0' ?
		    s + 1 : o->key;
		o->size = pg_int(r, (int)i, 3);
		o->requests = pg_int(r, (int)i, 4);
		o->dl = pg_int(r, (int)i, 5);
		o->full = pg_int(r, (int)i, 6);
		o->partial = pg_int(r, (int)i, 7);
		o->bytes = pg_int(r, (int)i, 8);
		o->errors = pg_int(r, (int)i, 9);
		o->uniq = pg_double(r, (int)i, 10);
		objbyid[i] = o;
	}
	qsort(objbyid, rep.nobjs, sizeof(*objbyid), cmpobjp);
	if (rep.Hflag)
		return;

	rep.odays = loaddays("daily_object", "SELECT object_id,"
	    " day - DATE '1970-01-01', downloads FROM daily_object"
	    " WHERE downloads > 0 ORDER BY object_id, day", &rep.nodays,
	    objdays);
}

/* The downloaders with downloads, each named as the options say. */
void
loadclients(void)
{
	char lim[24];
	const char *limp[1] = { lim };
	PGresult *r;
	size_t i;

	/* As loadobjects(), from report_cli. */
	snprintf(lim, sizeof(lim), "%lld", rep.topn);
	if (rep.Hflag)
		r = kept(query("clients", "SELECT c.client_id, host(c.ip),"
		    " r.downloads, r.bytes_sent, r.objects FROM report_cli r"
		    " JOIN clients c USING (client_id) WHERE r.downloads > 0"
		    " ORDER BY r.downloads DESC, r.client_id LIMIT $1::bigint",
		    1, limp));
	else
		r = kept(query("clients", "SELECT c.client_id, host(c.ip),"
		    " r.downloads, r.bytes_sent, r.objects"
		    " FROM (SELECT client_id FROM daily_client GROUP BY 1"
		    "  HAVING sum(downloads) > 0) t"
		    " JOIN report_cli r USING (client_id)"
		    " JOIN clients c USING (client_id)"
		    " ORDER BY r.downloads DESC, r.client_id", 0, NULL));
	rep.nclients = (size_t)pg_nrows(r);
	rep.clients = xcalloc(rep.nclients + 1, sizeof(*rep.clients));
	clibyid = xcalloc(rep.nclients + 1, sizeof(*clibyid));
	for (i = 0; i < rep.nclients; i++) {
		struct client *c = &rep.clients[i];

		c->id = (int)pg_int(r, (int)i, 0);
		c->ip = pg_value(r, (int)i, 1);
		c->dl = pg_int(r, (int)i, 2);
		c->bytes = pg_int(r, (int)i, 3);
		c->files = pg_double(r, (int)i, 4);
		if (rep.aflag)
			snprintf(c->name, sizeof(c->name), "%s",
			    c->ip ? c->ip : "unknown");
		else if (rep.nflag)
			pseudo_network(c->ip, c->name);
		else
			pseudo_name(rep.key, rep.keylen, c->ip, c->name);
		clibyid[i] = c;
	}
	qsort(clibyid, rep.nclients, sizeof(*clibyid), cmpclip);
	if (rep.Hflag)
		return;

	rep.cdays = loaddays("daily_client", "SELECT client_id,"
	    " day - DATE '1970-01-01', downloads FROM daily_client"
	    " WHERE downloads > 0 ORDER BY client_id, day", &rep.ncdays,
	    clientdays);
}

/*
 * The requesters with downloads: anonymous and AWS services by name, the
 * others by keyed pseudonym unless -R.
 */
void
loadrequesters(void)
{
	PGresult *r;
	size_t i;

	r = kept(query("requesters",
	    "SELECT t.requester_id, r.requester, t.dl, t.bytes,"
	    " coalesce(x.clients, 0), coalesce(x.objects, 0)"
	    " FROM (SELECT requester_id, sum(downloads) AS dl,"
	    "  sum(bytes_sent) AS bytes"
	    "  FROM daily_requester GROUP BY requester_id) t"
	    " LEFT JOIN requesters r USING (requester_id)"
	    " LEFT JOIN report_req x USING (requester_id)"
	    " WHERE t.dl > 0 ORDER BY t.dl DESC, t.requester_id", 0, NULL));
	rep.nreqs = (size_t)pg_nrows(r);
	rep.reqs = xcalloc(rep.nreqs + 1, sizeof(*rep.reqs));
	reqbyid = xcalloc(rep.nreqs + 1, sizeof(*reqbyid));
	for (i = 0; i < rep.nreqs; i++) {
		struct requester *q = &rep.reqs[i];

		q->id = (int)pg_int(r, (int)i, 0);
		q->name = pg_value(r, (int)i, 1);
		if (q->name == NULL || q->id == 0 || strcmp(q->name, "-") == 0)
			q->name = "anonymous";
		else if (!rep.Rflag && !pseudo_public_requester(q->name)) {
			pseudo_requester(rep.key, rep.keylen, q->name,
			    q->pname);
			q->name = q->pname;
		}
		q->dl = pg_int(r, (int)i, 2);
		q->bytes = pg_int(r, (int)i, 3);
		q->clients = pg_double(r, (int)i, 4);
		q->files = pg_double(r, (int)i, 5);
		reqbyid[i] = q;
	}
	qsort(reqbyid, rep.nreqs, sizeof(*reqbyid), cmpreqp);
	if (rep.Hflag)
		return;

	rep.rdays = loaddays("daily_requester", "SELECT requester_id,"
	    " day - DATE '1970-01-01', downloads FROM daily_requester"
	    " WHERE downloads > 0 ORDER BY requester_id, day", &rep.nrdays,
	    reqdays);
}

/*
 * The top PAIRMAX (file, downloader, requester) rows of each file, each
 * downloader and each requester, from report_pairs through its
 * (x, downloads DESC, ...) indexes: the cost is pages times PAIRMAX, not
 * one row per download.  The index order is total, so pages are stable.
 * The queries take x's ids in order from its report_ table's primary key
 * and sort by that column of the outer side, so that the server only
 * sorts within each id (an incremental sort), never all the rows.
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
	n = (size_t)pg_nrows(r);
	v = xcalloc(n + 1, sizeof(*v));
	for (i = k = 0; i < n; i++) {
		if ((o = findobj((int)pg_int(r, (int)i, 0))) == NULL ||
		    (c = findclient((int)pg_int(r, (int)i, 1))) == NULL)
			continue;
		q = findreq((int)pg_int(r, (int)i, 2));
		v[k].obj = (int)(o - rep.objs);
		v[k].client = (int)(c - rep.clients);
		v[k].req = q ? (int)(q - rep.reqs) : -1;
		v[k].dl = pg_int(r, (int)i, 3);
		v[k].bytes = pg_int(r, (int)i, 4);
		k++;
	}
	pg_clear(r);
	*np = k;
	return v;
}

/* The top pairs of every file, downloader and requester. */
void
loadpairs(void)
{
	size_t i;

	if (!relexists("report_pairs"))
		errx(1, "table report_pairs is missing: pgload creates it");
	rep.opairs = toppairs("report_pairs", "SELECT o.object_id, p.client_id,"
	    " p.requester_id, p.downloads, p.bytes_sent"
	    " FROM (SELECT object_id FROM report_obj WHERE downloads > 0"
	    "  ORDER BY object_id) o"
	    " CROSS JOIN LATERAL (SELECT * FROM report_pairs x"
	    "  WHERE x.object_id = o.object_id ORDER BY x.downloads DESC,"
	    "  x.client_id, x.requester_id LIMIT $1::int) p"
	    " ORDER BY o.object_id, p.downloads DESC, p.client_id,"
	    " p.requester_id", &rep.nopairs);
	rep.cpairs = toppairs("report_pairs", "SELECT p.object_id, c.client_id,"
	    " p.requester_id, p.downloads, p.bytes_sent"
	    " FROM (SELECT client_id FROM report_cli WHERE downloads > 0"
	    "  ORDER BY client_id) c"
	    " CROSS JOIN LATERAL (SELECT * FROM report_pairs x"
	    "  WHERE x.client_id = c.client_id ORDER BY x.downloads DESC,"
	    "  x.object_id, x.requester_id LIMIT $1::int) p"
	    " ORDER BY c.client_id, p.downloads DESC, p.object_id,"
	    " p.requester_id", &rep.ncpairs);
	rep.rpairs = toppairs("report_pairs", "SELECT p.object_id, p.client_id,"
	    " r.requester_id, p.downloads, p.bytes_sent"
	    " FROM (SELECT requester_id FROM report_req ORDER BY 1) r"
	    " CROSS JOIN LATERAL (SELECT * FROM report_pairs x"
	    "  WHERE x.requester_id = r.requester_id ORDER BY x.downloads DESC,"
	    "  x.object_id, x.client_id LIMIT $1::int) p"
	    " ORDER BY r.requester_id, p.downloads DESC, p.object_id,"
	    " p.client_id", &rep.nrpairs);
	for (i = 0; i < rep.nopairs; i++) {
		struct obj *o = &rep.objs[rep.opairs[i].obj];

		if (o->pairs.n++ == 0)
			o->pairs.off = i;
	}
	for (i = 0; i < rep.ncpairs; i++) {
		struct client *c = &rep.clients[rep.cpairs[i].client];

		if (c->pairs.n++ == 0)
			c->pairs.off = i;
	}
	for (i = 0; i < rep.nrpairs; i++) {
		struct requester *q;

		if (rep.rpairs[i].req < 0)
			continue;
		q = &rep.reqs[rep.rpairs[i].req];
		if (q->pairs.n++ == 0)
			q->pairs.off = i;
	}
}

void
load_free(void)
{
	size_t i;

	for (i = 0; i < rep.nobjs; i++) {
		free(rep.objs[i].key);
		free(rep.objs[i].expbuf);
	}
	free(rep.objs);
	free(objbyid);
	free(rep.clients);
	free(clibyid);
	free(rep.reqs);
	free(reqbyid);
	free(rep.odays);
	free(rep.cdays);
	free(rep.rdays);
	free(rep.opairs);
	free(rep.cpairs);
	free(rep.rpairs);
}
