/* See LICENSE file for copyright and license details. */
/*
 * The dictionaries (buckets, objects, clients, ...): logs holds their ids.
 * The reader looks up each batch's values as it reads them (scanrow), has
 * the missing ones made on a connection of its own (resolve, dconn) and
 * hands the loader a batch with every id known, so the loader's
 * connection never waits for that.  Everything here is the reader's,
 * except dconn while the opener thread makes it (dictopen()).
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
#include "pgload.h"

#define DICTMAX		(1 << 18)	/* cached ids per dictionary */

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
static struct buf kb;			/* a cache key being built, in kb.p */
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
static pthread_t dopener;		/* dictopen()'s, until dictconn() */
static int	 dopening;

static PGconn	*dictconn(void);

/* The column a kind's value comes from, for messages. */
static const int dictcol[ND] = {
	[D_BUCKET] = C(LL_BUCKET), [D_OBJECT] = C(LL_KEY),
	[D_CLIENT] = C(LL_REMOTE_IP), [D_REQUESTER] = C(LL_REQUESTER),
	[D_OPERATION] = C(LL_OPERATION), [D_UA] = C(LL_USER_AGENT),
	[D_ENDPOINT] = C(LL_HOST_HEADER), [D_URI] = C(LL_REQUEST_URI),
};

/*
 * The form of a row's request_uri (what uri_form holds): the text
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
	enum { BK = C(LL_BUCKET), KEY = C(LL_KEY), URI = C(LL_REQUEST_URI) };
	const char *k;

	if (isnull(f[BK], n[BK]) || isnull(f[KEY], n[KEY]) ||
	    isnull(f[URI], n[URI]) || n[KEY] == 0 ||
	    memchr(f[KEY], '\\', n[KEY]) != NULL ||
	    (k = memmem(f[URI], n[URI], f[KEY], n[KEY])) == NULL)
		return 0;
	*a = f[URI];
	*na = k - f[URI];
	*b = k + n[KEY];
	*nb = f[URI] + n[URI] - *b;
	if (memchr(*a, '\\', *na) != NULL || memchr(*a, '?', *na) != NULL ||
	    memchr(*b, '?', *nb) != NULL)
		return 0;
	return 1;
}

/*
 * The cache key of a row's dictionary value of kind k into kb.p, its
 * length in *len; 0 if the value is NULL (no id).  Keys are the COPY
 * text of the fields (two spellings of one value are two keys with the
 * same id, which is harmless).
 */
static int
dictkey(int k, const char **f, const size_t *n, size_t *len)
{
	/* An endpoint is signature_version ... tls_version: columns a to e. */
	enum { BK = C(LL_BUCKET), KEY = C(LL_KEY),
	    EP0 = C(LL_SIGNATURE_VERSION), EP4 = C(LL_TLS_VERSION) };
	const char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, i;

	switch (k) {
	case D_BUCKET:
		a = f[BK], na = n[BK];
		b = f[C(LL_BUCKET_OWNER)], nb = n[C(LL_BUCKET_OWNER)];
		break;
	case D_OBJECT:
		if (isnull(f[BK], n[BK]) || isnull(f[KEY], n[KEY]))
			return 0;
		a = f[BK], na = n[BK], b = f[KEY], nb = n[KEY];
		break;
	case D_CLIENT:
		a = f[C(LL_REMOTE_IP)], na = n[C(LL_REMOTE_IP)];
		break;
	case D_REQUESTER:
		a = f[C(LL_REQUESTER)], na = n[C(LL_REQUESTER)];
		break;
	case D_OPERATION:
		a = f[C(LL_OPERATION)], na = n[C(LL_OPERATION)];
		break;
	case D_UA:
		a = f[C(LL_USER_AGENT)], na = n[C(LL_USER_AGENT)];
		break;
	case D_ENDPOINT:
		for (i = EP0; i <= EP4 && isnull(f[i], n[i]); i++)
			;
		if (i > EP4)
			return 0;
		for (i = EP0, nb = 0; i <= EP4; i++)
			nb += n[i] + 1;
		buf_grow(&kb, nb, 0);
		for (i = EP0, *len = 0; i <= EP4; i++) {
			if (i > EP0)
				kb.p[(*len)++] = '\t';
			memcpy(kb.p + *len, f[i], n[i]);
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
	buf_grow(&kb, na + nb + 1, 0);
	memcpy(kb.p, a, na);
	*len = na;
	if (b != NULL) {
		kb.p[na] = '\t';
		memcpy(kb.p + na + 1, b, nb);
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
	bput(&mkeys, &mkeyslen, &mkeyssize, kb.p, klen);
	l = snprintf(num, sizeof(num), "%d\t%zu\t", k, nmiss);
	bput(&mbuf, &mlen, &msize, num, l);
	/*
	 * kb.p is the COPY text of columns a, or a and b, or a to e (the
	 * values never hold a raw tab); the others are NULL.
	 */
	bput(&mbuf, &mlen, &msize, kb.p, klen);
	for (ncol = 1, tab = kb.p; (tab = memchr(tab, '\t', kb.p + klen -
	    tab)) != NULL; tab++)
		ncol++;
	for (; ncol < 5; ncol++)
		bput(&mbuf, &mlen, &msize, "\t\\N", 3);
	bput(&mbuf, &mlen, &msize, "\n", 1);
	nmiss++;
}

/* The fields of a line, from the offsets fields() found when it was read. */

/* Forget the memo: a new batch. */
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
void
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
		    memcmp(memo[k].key, kb.p, klen) == 0) {
			id[k] = memo[k].id;
			continue;
		}
		v = hmap_get(dict[k], kb.p, klen, 1, -2 - (int64_t)nmiss,
		    &isnew);
		id[k] = *v;
		if (isnew)
			addmiss(k, klen);
		memo[k].len = 0;
		bput(&memo[k].key, &memo[k].len, &memo[k].size, kb.p, klen);
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
				    b->lines[i], logline_columns[dictcol[k]]);
		}
	}
	nmiss = mlen = mkeyslen = 0;
	return 0;
}

/* A new batch to scan: the caches are bounded, the memo is the batch's. */
void
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
void
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
 * The reader's connection for dictionary values (resolve()), whose lock
 * waits end well before deadlock_timeout (its lock_timeout; see
 * pgload_dict_wait()).
 * Like the summer's and the folder's, it is opened by a thread of its own
 * while the reader reads the first batch, so that the first line need
 * not wait for three connections made one after the other.
 */
static void *
dictopen(void *arg)
{
	char e[PG_ERRLEN];

	(void)arg;
	dconn = sideconn("dict");
	if (pg_exec(dconn, "SET lock_timeout = '100ms'; "
	    "SELECT pgload_fast_prepare()", e, sizeof(e)) == -1)
		errx(1, "%s", e);
	return NULL;
}

/* Start opening dconn. */
void
dict_open(void)
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

/* The caches, empty. */
void
dict_setup(void)
{
	int k;

	for (k = 1; k < ND; k++)
		dict[k] = hmap_new();
}

/* Close dconn (once it is open). */
void
dict_close(void)
{
	PQfinish(dictconn());
	dconn = NULL;
}

/* Everything of this file's, at the end of the run. */
void
dict_free(void)
{
	int k;

	for (k = 1; k < ND; k++) {
		hmap_free(dict[k]);
		free(memo[k].key);
	}
	free(ordid);
	free(mbuf);
	free(mkind);
	free(mkey);
	free(mkeys);
	buf_free(&kb);
}
