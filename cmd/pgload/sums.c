/* See LICENSE file for copyright and license details. */
/*
 * The summer: a thread that adds up the new rows of the batch being loaded
 * (sumrow), makes its sketches and formats the queue's rows, while the
 * loader thread encodes and sends the same rows to the COPY into logs; it
 * then commits them to the queue tables on a connection of its own, in a
 * transaction tagged with the loader's (pgload_fold() takes them when
 * that commits).  Everything in this file is the summer's from
 * kicksummer() until waitsummer() returns, the loader's (to reset it)
 * otherwise; smu guards the hand-over flags.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "day.h"
#include "hll.h"
#include "pgload.h"

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

static PGconn	*sconn;			/* the queue's rows go here */
static struct buf ekb;			/* a daily_error key being built */

static pthread_t summer;
static pthread_mutex_t smu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t scv = PTHREAD_COND_INITIALIZER;
static int	 sgo;			/* smu: a batch to sum, until done */
static int	 squit;			/* smu: no more batches */
static int	 sfail;			/* the last batch's queue failed: serr */
static char	 serr[PG_ERRLEN];

/* The index of key in an aggregate, a new one (*nrows) if it is new. */
static size_t
aggindex(struct hmap *m, const void *key, size_t len, size_t *nrows)
{
	int isnew;
	int64_t *v = hmap_get(m, key, len, 1, 0, &isnew);

	if (isnew)
		*v = (*nrows)++;
	return *v;
}

/* One row (a download or not, its status and bytes) into the counts c. */
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
 * An error row counted in aerr, by its pgload_queue_err text: day,
 * operation, status, error code.
 */
static void
sumerr(size_t row, int64_t day, int64_t status)
{
	enum { OP = C(LL_OPERATION), ERR = C(LL_ERROR_CODE) };
	const char *f[NLOGCOLS];
	size_t n[NLOGCOLS];
	int64_t *v;
	char *ekey;
	int l;

	rowfields(row, f, n);
	buf_grow(&ekb, n[OP] + n[ERR] + 64, 0);
	ekey = ekb.p;
	day_format(day, ekey);
	l = 10;
	ekey[l++] = '\t';
	if (isnull(f[OP], n[OP]))
		ekey[l++] = '-';
	else {
		memcpy(ekey + l, f[OP], n[OP]);
		l += n[OP];
	}
	l += snprintf(ekey + l, 32, "\t%lld\t",
	    (long long)(status < 0 ? 0 : status));
	if (isnull(f[ERR], n[ERR]))
		ekey[l++] = '-';
	else {
		memcpy(ekey + l, f[ERR], n[ERR]);
		l += n[ERR];
	}
	v = hmap_get(aerr, ekey, l, 1, 0, NULL);
	(*v)++;
}

/* A row's counts to the batch's sums. */
static void
sumrow(size_t row)
{
	const struct rowfact *rf = &pl.ld->fact[row];
	size_t x, xday, xobj = (size_t)-1;
	int64_t id[ND], day, status = rf->status, bytes = rf->bytes, size;
	struct dlkey dk;
	int dl = rf->dl;

	rowids(row, id);
	day = pl.ld->rowid[row * ND];
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
	if (rf->err)
		sumerr(row, day, status);
}

/*
 * The queue tables' rows of a batch, as COPY data, made while the server
 * still works through the batch's logs rows (see fastbatch()).  The big
 * ones (sums per object and per client, sizes, pairs) are binary: the
 * server reads them faster than it parses text, and they are cheaper to
 * make.
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

/*
 * The loading transaction's id, which the batch's queue rows carry
 * (pgload_fold() takes only those of committed batches); the loader sets
 * it before kicksummer().
 */
void
setqbatch(const char *xid)
{
	qsuffixlen = snprintf(qsuffix, sizeof(qsuffix), "\t%s\n", xid);
	qbatch = strtoull(xid, NULL, 10);
}

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

/* A HyperLogLog set field (hll). */
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
 * v in decimal at b (at most 20 bytes, no NUL); its length.  By hand: the
 * queue's rows are mostly numbers, and snprintf() showed in profiles.
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

/* qsort() order of aggent: by key. */
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

/* An id in decimal, NOID as \N; its length. */
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

/* A pgload_queue_obj row. */
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

/* A pgload_queue_day row. */
static int
fmtday(char *b, size_t sz, const void *key, size_t klen, int64_t v)
{
	int64_t k;
	int i, l;

	(void)klen;
	memcpy(&k, key, sizeof(k));
	day_format(k, b);
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
 * whose digit is the same for all skipped; qsort() by the whole pair cost
 * the summer much more.
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
 * clients, requesters, downloads and bytes as four arrays in step: far
 * fewer rows than one per pair, which the server stores that much faster.
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

/* A pgload_queue_client row. */
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
	day_format(k[0], b);
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

/* A pgload_queue_osize row: an object's largest size. */
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

/* The summer thread: each batch kicked, summed and queued. */
static void *
summermain(void *arg)
{
	size_t i;
	int j;

	(void)arg;
	sconn = sideconn("sums");
	pthread_mutex_lock(&smu);
	for (;;) {
		while (!sgo && !squit)
			pthread_cond_wait(&scv, &smu);
		if (!sgo)
			break;
		pthread_mutex_unlock(&smu);
		for (i = 0; i < pl.nbatch; i++)
			if (!pl.ld->dup[i])
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
	return NULL;
}

/* Start summing the batch being loaded. */
void
kicksummer(void)
{
	pthread_mutex_lock(&smu);
	sgo = 1;
	pthread_cond_broadcast(&scv);
	pthread_mutex_unlock(&smu);
}

/* Wait until the summer is done with the batch (queued or failed). */
void
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

/* Start the summer, with empty sums; it opens its connection itself. */
void
summer_start(void)
{
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
	if ((errno = pthread_create(&summer, NULL, summermain, NULL)) != 0)
		err(1, "pthread_create");
}

/*
 * After waitsummer(): 0 if the batch's sums are queued; else -1 with e
 * saying why (the loader then takes the batch the slow way).  A lost
 * connection ends the run.
 */
int
summerfail(char *e)
{
	if (!sfail)
		return 0;
	if (PQstatus(sconn) != CONNECTION_OK)
		dbdie(serr);
	snprintf(e, PG_ERRLEN, "queueing the sums: %.400s", serr);
	return -1;
}

/* Empty the sums for the next batch (the summer is idle). */
void
sums_reset(void)
{
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

/* End the summer thread (idle: the loader has ended) and its connection. */
void
summer_stop(void)
{
	pthread_mutex_lock(&smu);
	squit = 1;
	pthread_cond_broadcast(&scv);
	pthread_mutex_unlock(&smu);
	if ((errno = pthread_join(summer, NULL)) != 0)
		err(1, "pthread_join");
	PQfinish(sconn);
	sconn = NULL;
}

/* Everything of this file's, at the end of the run. */
void
sums_free(void)
{
	int k;

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
	buf_free(&ekb);
}
