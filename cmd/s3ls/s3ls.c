/* See LICENSE file for copyright and license details. */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "day.h"
#include "hmap.h"
#include "out.h"
#include "s3.h"
#include "s3list.h"
#include "s3xml.h"
#include "sigv4.h"
#include "state.h"
#include "util.h"

static int	 lflag, zflag, vflag;
static char	 sep = '\n';
static struct s3_client cl;
static struct s3_config cfg;
static const char *maxkeys;	/* S3LOGS_MAX_KEYS, for paging tests */

/*
 * --since last: the keys already handed out (committed state, value 0)
 * and those printed by this run (value 1), each stored with its NUL; and
 * the greatest key printed when the layout gives no window.
 */
static struct hmap *handed;
static char	*lastkey;
static void	 remember(const char *);
static unsigned long long nlisted, nrefused;

/* The look-back window of --since last (--window), in seconds. */
static long long window = 2 * 86400;

/* --help: the synopsis and one line per option, on stdout. */
static const char help[] =
	"usage: s3ls [-0Alv] [--commit] [--since when] [--window days] url ...\n"
	"  -0                  end each record with a NUL byte\n"
	"  -A                  anonymous: unsigned requests\n"
	"  -l                  long format: size, last-modified time, ETag\n"
	"  -v                  trace the endpoint, credential source and requests\n"
	"  --since when        list only part of the prefix\n"
	"  --window days       look-back window of --since last (default 2)\n"
	"  --commit            promote the pending state\n"
	"  --help              print this and exit\n"
	"  --version           print the version and exit\n";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: s3ls [-0Alv] [--commit] [--since when] "
	    "[--window days] url ...\n");
	exit(2);
}

/*
 * Whether key can go out in newline mode: a newline or carriage return
 * would split it into two records (another URL, an option-like line), and
 * other control characters reach terminals raw; with -l a TAB would shift
 * the columns.  -0 prints any key.
 */
static int
printable(const char *key)
{
	const unsigned char *p;

	if (zflag)
		return 1;
	for (p = (const unsigned char *)key; *p != '\0'; p++)
		if ((*p < 0x20 && (*p != '\t' || lflag)) || *p == 0x7f)
			return 0;
	return 1;
}

/* key for a message: control characters and '%' as %XX. */
static char *
escaped(const char *key)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char *e, *q;

	q = e = xmalloc(3 * strlen(key) + 1);
	for (p = (const unsigned char *)key; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '%') {
			*q++ = '%';
			*q++ = hex[*p >> 4];
			*q++ = hex[*p & 15];
		} else
			*q++ = (char)*p;
	*q = '\0';
	return e;
}

/* Print one listed object, unless already handed out or not printable. */
static void
emit(const char *bucket, const struct s3xml_object *o)
{
	size_t klen = strlen(o->key) + 1;
	char *e;

	/* Handed out before (--since last): not again. */
	if (handed != NULL && hmap_get(handed, o->key, klen, 0, 0, NULL) != NULL)
		return;
	if (!printable(o->key)) {
		/* Not handed out either, so -0 still lists it. */
		e = escaped(o->key);
		warnx("s3://%s/%s: a control character in the key: not "
		    "printed (use -0)", bucket, e);
		free(e);
		nrefused++;
		return;
	}
	out_puts("s3://");
	out_puts(bucket);
	out_putc('/');
	out_puts(o->key);
	if (lflag)
		out_printf("\t%lld\t%s\t%s", o->size, o->lastmod, o->etag);
	out_putc(sep);
	if (handed != NULL)
		remember(o->key);
	/* A flat cursor must not pass a key refused above. */
	if (nrefused == 0 && (lastkey == NULL || strcmp(o->key, lastkey) > 0)) {
		free(lastkey);
		lastkey = xstrdup(o->key);
	}
	nlisted++;
}

/* One walk of list(): what to do with each page. */
struct walk {
	const char	*bucket, *prefix;
	int		 emit_obj;	/* print the objects */
	long		 limit, seen;	/* stop after limit objects (> 0) */
	char		***pfx;		/* common prefixes appended here */
	size_t		*npfx;
	char		**firstkey;	/* the first key, if not NULL */
};

/* A page of list(); a key outside the prefix is an error. */
static int
page(struct s3xml_list *l, void *arg, char *err, size_t errlen)
{
	struct walk *w = arg;
	size_t i, plen = strlen(w->prefix);

	for (i = 0; i < l->nobj; i++)
		if (strncmp(l->obj[i].key, w->prefix, plen) != 0) {
			snprintf(err, errlen, "the server listed key %.200s, "
			    "outside the prefix", l->obj[i].key);
			return -1;
		}
	for (i = 0; i < l->nobj && (w->limit <= 0 || w->seen < w->limit);
	    i++) {
		w->seen++;
		if (w->emit_obj)
			emit(w->bucket, &l->obj[i]);
		if (w->firstkey != NULL && *w->firstkey == NULL)
			*w->firstkey = xstrdup(l->obj[i].key);
	}
	for (i = 0; i < l->nprefix && w->pfx != NULL; i++) {
		*w->pfx = xreallocarray(*w->pfx, *w->npfx + 1,
		    sizeof(**w->pfx));
		(*w->pfx)[(*w->npfx)++] = l->prefix[i];
		l->prefix[i] = NULL;
	}
	return w->limit > 0 && w->seen >= w->limit;
}

/*
 * List prefix (see s3_list) from start_after.  Objects are printed when
 * emit_obj (at most limit of them if limit > 0, then stop); common
 * prefixes are appended to *pfx; the first key goes to *firstkey_out.
 * Returns 0 or -1 with err set.
 */
static int
list(const char *bucket, const char *prefix, const char *start_after,
    const char *delim, int emit_obj, long limit, char ***pfx, size_t *npfx,
    char **firstkey_out, char *err, size_t errlen)
{
	struct s3_listing l = { 0 };
	struct walk w = { 0 };
	char mk[32];

	l.bucket = bucket;
	l.prefix = prefix;
	l.delimiter = delim;
	l.start_after = start_after;
	if (limit > 0 && limit < 1000) {
		snprintf(mk, sizeof(mk), "%ld", limit);
		l.max_keys = mk;
	} else
		l.max_keys = maxkeys;
	w.bucket = bucket;
	w.prefix = prefix;
	w.emit_obj = emit_obj;
	w.limit = limit;
	w.pfx = pfx;
	w.npfx = npfx;
	w.firstkey = firstkey_out;
	return s3_list(&cl, &l, page, &w, err, errlen);
}

/* Free n strings and their array. */
static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * --since DATE: YYYY-MM-DD[THH[:MM[:SS]]], split into its numeric fields.
 * Returns the number of fields given (3..6), or 0 if s is not a date.
 */
static int
parse_date(const char *s, char f[6][5])
{
	static const int width[6] = { 4, 2, 2, 2, 2, 2 };
	static const char seps[6] = { 0, '-', '-', 'T', ':', ':' };
	int i, j;

	for (i = 0; i < 6; i++) {
		if (i > 0) {
			if (*s == '\0' && i >= 3)
				return i;
			if (*s != seps[i] && !(i == 3 && *s == ' '))
				return 0;
			s++;
		}
		for (j = 0; j < width[i]; j++) {
			if (!isdigit((unsigned char)s[j]))
				return 0;
			f[i][j] = s[j];
		}
		f[i][j] = '\0';
		s += width[i];
	}
	return *s == '\0' || strcmp(s, "Z") == 0 ? 6 : 0;
}

/*
 * The two S3 access-log key layouts, below the prefix:
 *   simple       YYYY-mm-DD-HH-MM-SS-UNIQUE
 *   partitioned  ACCOUNT/REGION/BUCKET/YYYY/MM/DD/YYYY-mm-DD-HH-MM-SS-UNIQUE
 * (EventTime zeroes the time of day in the name; DeliveryTime keeps it).
 * A partitioned prefix may stop at any level above the date path: depth
 * is the number of path segments between the prefix and the date path,
 * walked with a "/" delimiter.  Keys of any other shape are "flat".
 */
enum { L_NONE, L_FLAT, L_SIMPLE, L_PART };

#define SIMPLE_PAT	"dddd-dd-dd-dd-dd-dd-"
#define DAY_PAT		"dddd/dd/dd/"

/* Whether s begins with pat, 'd' standing for a digit.  Stops at s's NUL. */
static int
fits(const char *s, const char *pat)
{
	for (; *pat != '\0'; pat++, s++)
		if (*pat == 'd' ? !isdigit((unsigned char)*s) : *s != *pat)
			return 0;
	return 1;
}

/* The layout of rem, a key past the prefix; *depth for L_PART. */
static int
layout(const char *rem, int *depth)
{
	int k;

	*depth = 0;
	if (fits(rem, SIMPLE_PAT))
		return L_SIMPLE;
	for (k = 0; k <= 3; k++) {
		if (fits(rem, DAY_PAT)) {
			*depth = k;
			return L_PART;
		}
		if ((rem = strchr(rem, '/')) == NULL)
			break;
		rem++;
	}
	return L_FLAT;
}

/*
 * The part of key that sorts by time within its partition: past the
 * prefix, and for L_PART past depth segments (NULL if key has fewer).
 * key must begin with the prefix (list() checks what servers send).
 */
static const char *
tail(const char *key, size_t plen, int lay, int depth)
{
	const char *t;
	int k;

	if (strlen(key) < plen)
		return NULL;
	t = key + plen;
	if (lay == L_PART)
		for (k = 0; k < depth; k++) {
			if ((t = strchr(t, '/')) == NULL)
				return NULL;
			t++;
		}
	return t;
}

/*
 * The start of the look-back window before newest, a tail of the layout:
 * simple, newest's time minus the window, as YYYY-mm-DD-HH-MM-SS;
 * partitioned, the date path of newest's partition minus the window in
 * whole days (rounded up), as YYYY/MM/DD.  Every tail of the window
 * sorts after it.
 */
static void
window_start(const char *newest, int lay, char *buf, size_t len)
{
	long long t, z;
	char day[11];

	z = day_from_civil(atoi(newest), atoi(newest + 5), atoi(newest + 8));
	if (lay == L_SIMPLE) {
		t = z * 86400 + atoi(newest + 11) * 3600 +
		    atoi(newest + 14) * 60 + atoi(newest + 17) - window;
		z = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
		t -= z * 86400;
		day_format((long)z, day);
		snprintf(buf, len, "%s-%02d-%02d-%02d", day, (int)(t / 3600),
		    (int)(t / 60 % 60), (int)(t % 60));
	} else {
		day_format((long)(z - (window + 86399) / 86400), day);
		snprintf(buf, len, "%.4s/%.2s/%.2s", day, day + 5, day + 8);
	}
}

/*
 * Append to *pv the partitions (prefixes ending at the date path) below
 * prefix, depth levels down, walking each level with a "/" delimiter.
 */
static int
partitions(const char *bucket, const char *prefix, int depth, char ***pv,
    size_t *npv, char *err, size_t errlen)
{
	char **lv[4] = { 0 };
	size_t nlv[4] = { 0 }, i;
	int k, rc = -1;

	lv[0] = xmalloc(sizeof(char *));
	lv[0][0] = xstrdup(prefix);
	nlv[0] = 1;
	for (k = 0; k < depth; k++)
		for (i = 0; i < nlv[k]; i++)
			if (list(bucket, lv[k][i], NULL, "/", 0, 0, &lv[k + 1],
			    &nlv[k + 1], NULL, err, errlen) == -1)
				goto out;
	*pv = lv[depth];
	*npv = nlv[depth];
	lv[depth] = NULL;
	nlv[depth] = 0;
	rc = 0;
out:
	for (k = 0; k < 4; k++)
		free_strv(lv[k], nlv[k]);
	return rc;
}

/*
 * --since DATE.  The first key tells the layout.  Simple keys sort by
 * time, so the date becomes a start-after.  Partitioned keys are
 * fixed-width under each partition: find the partitions with a delimiter
 * (few entries), then start each after its date path, so no day before
 * DATE is ever listed.
 */
static int
since_date(const char *bucket, const char *prefix, char f[6][5], int nf,
    char *err, size_t errlen)
{
	char *first = NULL, **pv = NULL, *after;
	size_t npv = 0, j, plen = strlen(prefix);
	char dstr[32], dpath[64];
	int rc = -1, lay, depth;

	snprintf(dstr, sizeof(dstr), "%s-%s-%s", f[0], f[1], f[2]);
	for (j = 3; j < (size_t)nf; j++) {
		strcat(dstr, "-");
		strcat(dstr, f[j]);
	}
	if (list(bucket, prefix, NULL, NULL, 0, 1, NULL, NULL, &first, err,
	    errlen) == -1)
		return -1;
	if (first == NULL)
		return 0;	/* nothing under the prefix */
	lay = layout(first + plen, &depth);
	if (lay == L_SIMPLE) {
		after = s3_fmt("%s%s", prefix, dstr);
		rc = list(bucket, prefix, after, NULL, 1, 0, NULL, NULL, NULL,
		    err, errlen);
		free(after);
		free(first);
		return rc;
	}
	if (lay != L_PART) {
		snprintf(err, errlen, "--since DATE: key %.200s fits neither "
		    "log key format", first);
		free(first);
		return -1;
	}
	free(first);
	if (nf == 3)
		snprintf(dpath, sizeof(dpath), "%s/%s/%s/", f[0], f[1], f[2]);
	else
		snprintf(dpath, sizeof(dpath), "%s/%s/%s/%s", f[0], f[1], f[2],
		    dstr);
	if (partitions(bucket, prefix, depth, &pv, &npv, err, errlen) == -1)
		return -1;
	for (j = 0; j < npv; j++) {
		after = s3_fmt("%s%s", pv[j], dpath);
		rc = list(bucket, pv[j], after, NULL, 1, 0, NULL, NULL, NULL,
		    err, errlen);
		free(after);
		if (rc == -1)
			goto out;
	}
	rc = 0;
out:
	free_strv(pv, npv);
	return rc;
}

/*
 * The state files for (endpoint, bucket, prefix): DIR/BUCKET.HASH.committed
 * and DIR/BUCKET.HASH.pending, HASH the first 16 hex digits of the SHA-256
 * of "ENDPOINT\nBUCKET\nPREFIX" (ENDPOINT as scheme://host[:port]).
 */
static int
cursor_paths(const char *bucket, const char *prefix, char **committed,
    char **pending)
{
	char *dir, *id, hex[65];
	size_t n;

	if ((dir = state_dir()) == NULL)
		return -1;
	n = strlen(cfg.scheme) + strlen(cfg.host) + strlen(bucket) +
	    strlen(prefix) + 8;
	id = xmalloc(n);
	snprintf(id, n, "%s://%s\n%s\n%s", cfg.scheme, cfg.host, bucket,
	    prefix);
	sigv4_sha256_hex(id, strlen(id), hex);
	free(id);
	hex[16] = '\0';
	n = strlen(dir) + strlen(bucket) + 40;
	*committed = xmalloc(n);
	*pending = xmalloc(n);
	snprintf(*committed, n, "%s/%s.%s.committed", dir, bucket, hex);
	snprintf(*pending, n, "%s/%s.%s.pending", dir, bucket, hex);
	free(dir);
	return 0;
}

/* --commit: promote the pending state of one URL. */
static int
do_commit(const char *url, const char *bucket, const char *prefix)
{
	char *c, *p;
	int rc = 0;

	if (cursor_paths(bucket, prefix, &c, &p) == -1) {
		warn("%s: state directory", url);
		return 1;
	}
	if (state_promote(p, c) == -1 && errno != ENOENT) {
		warn("%s: %s", url, p);
		rc = 1;
	} else if (vflag)
		warnx("%s: committed", url);
	free(c);
	free(p);
	return rc;
}

/*
 * The window while --since last lists: the layout, and the newest tail
 * seen so far (a copy) and its window's start.  Keys printed by this run
 * that fall out of the window as newer ones come are dropped as it goes,
 * so memory follows the window even on a first run over a whole bucket;
 * keys of the committed state stay until the end, since a later
 * partition may still list them.
 */
static struct {
	int	 lay, depth;
	size_t	 plen, kept;
	char	*newest;
	char	 wlo[32];
} win;

/* Drop from handed the keys of this run that left the window. */
static void
prune(void)
{
	struct hmap *h = hmap_new();
	size_t it = 0, len;
	const void *k;
	const char *t;
	int64_t *v;

	while (hmap_next(handed, &it, &k, &len, &v))
		if (*v == 0 || ((t = tail(k, win.plen, win.lay, win.depth)) !=
		    NULL && strcmp(t, win.wlo) > 0))
			hmap_get(h, k, len, 1, *v, NULL);
	hmap_free(handed);
	handed = h;
	win.kept = hmap_count(h);
}

/* Note key as handed out by this run (--since last). */
static void
remember(const char *key)
{
	const char *t;
	int depth, lay;

	if (win.lay == L_NONE || win.lay == L_FLAT) {
		lay = layout(key + win.plen, &depth);
		if (lay != L_SIMPLE && lay != L_PART) {
			/* Flat: the floor is enough, up to a refused key. */
			if (nrefused > 0)
				hmap_get(handed, key, strlen(key) + 1, 1, 1,
				    NULL);
			return;
		}
		win.lay = lay;
		win.depth = depth;
	}
	if ((t = tail(key, win.plen, win.lay, win.depth)) != NULL &&
	    fits(t, win.lay == L_SIMPLE ? SIMPLE_PAT : DAY_PAT) &&
	    (win.newest == NULL || strcmp(t, win.newest) > 0)) {
		free(win.newest);
		win.newest = xstrdup(t);
		window_start(t, win.lay, win.wlo, sizeof(win.wlo));
	}
	if (t == NULL || (win.newest != NULL && strcmp(t, win.wlo) <= 0))
		return;
	hmap_get(handed, key, strlen(key) + 1, 1, 1, NULL);
	if (hmap_count(handed) > 2 * win.kept + 1024)
		prune();
}

/*
 * The committed state of --since last.  Version 2: the line "s3ls-state
 * 2", then NUL-terminated records: the floor (a key; empty if none), then
 * every key already handed out that is still inside the window.  The old
 * format, a single key written raw, is read as a floor with no keys.
 */
#define STATE_MAGIC	"s3ls-state 2\n"

/* Read a committed state into handed and *floorp: 0, or -1 if it is not one. */
static int
state_parse(const char *p, size_t n, char **floorp)
{
	size_t ml = sizeof(STATE_MAGIC) - 1, i, start;
	int first = 1;

	*floorp = NULL;
	if (n < ml || memcmp(p, STATE_MAGIC, ml) != 0) {
		if (memchr(p, '\0', n) != NULL)
			return -1;
		if (n > 0)
			*floorp = xstrndup(p, n);
		return 0;
	}
	if (n == ml || p[n - 1] != '\0')
		return -1;
	for (i = start = ml; i < n; i++) {
		if (p[i] != '\0')
			continue;
		if (first) {
			if (i > start)
				*floorp = xstrdup(p + start);
			first = 0;
		} else
			hmap_get(handed, p + start, i - start + 1, 1, 0, NULL);
		start = i + 1;
	}
	return 0;
}

static int
strpcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The layout of the keys in the state (or, with none, of the floor):
 * the first that fits simple or partitioned decides.
 */
static int
state_layout(const char *prefix, const char *floor, int *depth)
{
	size_t it = 0, len, plen = strlen(prefix);
	const void *k;
	int64_t *v;
	int lay;

	*depth = 0;
	while (hmap_next(handed, &it, &k, &len, &v))
		if (strncmp(k, prefix, plen) == 0 &&
		    ((lay = layout((const char *)k + plen, depth)) == L_SIMPLE ||
		    lay == L_PART))
			return lay;
	if (floor == NULL)
		return L_NONE;
	if (strncmp(floor, prefix, plen) != 0)
		return L_FLAT;
	return layout(floor + plen, depth);
}

/* The greatest tail of the layout among the keys and the floor, or NULL. */
static const char *
newest_tail(const char *prefix, const char *floor, int lay, int depth)
{
	size_t it = 0, len, plen = strlen(prefix);
	const char *t, *best = NULL, *pat = lay == L_SIMPLE ? SIMPLE_PAT :
	    DAY_PAT;
	const void *k;
	int64_t *v;

	while (hmap_next(handed, &it, &k, &len, &v))
		if ((t = tail(k, plen, lay, depth)) != NULL && fits(t, pat) &&
		    (best == NULL || strcmp(t, best) > 0))
			best = t;
	if (floor != NULL && (t = tail(floor, plen, lay, depth)) != NULL &&
	    fits(t, pat) && (best == NULL || strcmp(t, best) > 0))
		best = t;
	return best;
}

/*
 * The state after this run: with a window, the keys handed out whose
 * tail is inside the window (the newest key always is) and the floor
 * while it is still inside it; without one (flat keys), the greatest key
 * handed out as the floor, as a plain cursor, and the keys handed out
 * past it (after a refused key).  A new string of *lenp bytes.
 */
static char *
state_next(const char *prefix, const char *floor, size_t *lenp)
{
	size_t it = 0, len, nk = 0, i, plen = strlen(prefix);
	const char *t, *nt, *fl = NULL;
	char wlo[32], **keys = NULL;
	const void *k;
	int64_t *v;
	struct buf b = { 0 };
	int lay, depth;

	lay = state_layout(prefix, floor, &depth);
	if ((lay == L_SIMPLE || lay == L_PART) &&
	    (nt = newest_tail(prefix, floor, lay, depth)) != NULL) {
		window_start(nt, lay, wlo, sizeof(wlo));
		keys = xreallocarray(NULL, hmap_count(handed) + 1,
		    sizeof(*keys));
		while (hmap_next(handed, &it, &k, &len, &v))
			if ((t = tail(k, plen, lay, depth)) != NULL &&
			    strcmp(t, wlo) > 0)
				keys[nk++] = (char *)k;
		if (floor != NULL && (t = tail(floor, plen, lay, depth)) !=
		    NULL && strcmp(t, wlo) > 0)
			fl = floor;
	} else {
		fl = floor;
		if (lastkey != NULL && (fl == NULL || strcmp(lastkey, fl) > 0))
			fl = lastkey;
		keys = xreallocarray(NULL, hmap_count(handed) + 1,
		    sizeof(*keys));
		while (hmap_next(handed, &it, &k, &len, &v))
			if (fl == NULL || strcmp(k, fl) > 0)
				keys[nk++] = (char *)k;
	}
	qsort(keys, nk, sizeof(*keys), strpcmp);
	buf_add(&b, STATE_MAGIC, sizeof(STATE_MAGIC) - 1);
	buf_add(&b, fl ? fl : "", fl ? strlen(fl) + 1 : 1);
	for (i = 0; i < nk; i++)
		buf_add(&b, keys[i], strlen(keys[i]) + 1);
	free(keys);
	*lenp = b.len;
	return b.p;
}

/*
 * --since last: list again the window before the newest key handed out,
 * print what was not handed out yet, and save the new state as pending.
 * Simple keys: one listing from the window's start.  Partitioned keys:
 * each partition from the window's first day.  Flat keys (neither
 * layout): after the floor, as a plain cursor.  No state: everything.
 */
static int
since_last(const char *url, const char *bucket, const char *prefix,
    char *err, size_t errlen)
{
	char *cur = NULL, *cpath = NULL, *ppath = NULL, *floor = NULL;
	char *after, *next, **pv = NULL, wlo[32];
	const char *nt, *ft, *from;
	size_t clen, plen = strlen(prefix), npv = 0, j;
	int rc = 1, lay, depth;

	if (cursor_paths(bucket, prefix, &cpath, &ppath) == -1) {
		warn("%s: state directory", url);
		return 1;
	}
	if ((cur = state_read(cpath, &clen)) == NULL && errno != ENOENT) {
		warn("%s: %s", url, cpath);
		goto out;
	}
	handed = hmap_new();
	if (cur != NULL && state_parse(cur, clen, &floor) == -1) {
		warnx("%s: %s: not a state file of s3ls", url, cpath);
		goto out;
	}
	lay = state_layout(prefix, floor, &depth);
	ft = floor ? tail(floor, plen, lay, depth) : NULL;
	from = ft ? ft : "";
	memset(&win, 0, sizeof(win));
	if ((lay == L_SIMPLE || lay == L_PART) &&
	    (nt = newest_tail(prefix, floor, lay, depth)) != NULL) {
		window_start(nt, lay, wlo, sizeof(wlo));
		if (strcmp(wlo, from) > 0)
			from = wlo;
		win.newest = xstrdup(nt);
		memcpy(win.wlo, wlo, sizeof(wlo));
	} else if (lay == L_PART || lay == L_SIMPLE)
		lay = L_FLAT;
	win.lay = lay;
	win.depth = depth;
	win.plen = plen;
	win.kept = hmap_count(handed);
	if (vflag)
		warnx("%s: %s, %zu keys handed out in the "
		    "window, listing after %s%s", url,
		    lay == L_SIMPLE ? "simple layout" : lay == L_PART ?
		    "partitioned layout" : lay == L_FLAT ? "flat keys" :
		    "no state", hmap_count(handed),
		    lay == L_PART ? "each partition's " : "",
		    lay == L_FLAT ? (floor ? floor : "") :
		    lay == L_NONE ? "nothing" : from);
	if (lay == L_PART) {
		if (partitions(bucket, prefix, depth, &pv, &npv, err,
		    errlen) == -1)
			goto fail;
		for (j = 0; j < npv; j++) {
			after = s3_fmt("%s%s", pv[j], from);
			rc = list(bucket, pv[j], after, NULL, 1, 0, NULL, NULL,
			    NULL, err, errlen);
			free(after);
			if (rc == -1)
				goto fail;
		}
	} else {
		after = lay == L_FLAT ? (floor ? xstrdup(floor) : NULL) :
		    lay == L_SIMPLE ?
		    s3_fmt("%s%s", prefix, from) : NULL;
		rc = list(bucket, prefix, after, NULL, 1, 0, NULL, NULL, NULL,
		    err, errlen);
		free(after);
		if (rc == -1)
			goto fail;
	}
	/*
	 * The pending state is written only once everything listed has
	 * left the process; s3ls --commit promotes it when the whole
	 * pipeline has succeeded.
	 */
	out_flush();
	next = state_next(prefix, floor, &clen);
	rc = 0;
	if (state_write(ppath, next, clen) == -1) {
		warn("%s: %s", url, ppath);
		rc = 1;
	}
	free(next);
	goto out;
fail:
	warnx("%s: %s", url, err);
	rc = 1;
out:
	free_strv(pv, npv);
	if (handed != NULL)
		hmap_free(handed);
	handed = NULL;
	free(win.newest);
	win.newest = NULL;
	free(floor);
	free(cur);
	free(cpath);
	free(ppath);
	return rc;
}

/* List one URL (the --since forms included): 0, or 1 after a warning. */
static int
do_list(const char *url, const char *bucket, const char *prefix,
    const char *since)
{
	char err[S3_ERRLEN], f[6][5];
	int nf, rc;

	free(lastkey);
	lastkey = NULL;
	nlisted = nrefused = 0;
	if (since != NULL && strcmp(since, "last") == 0)
		rc = since_last(url, bucket, prefix, err, sizeof(err));
	else {
		if (since != NULL && (nf = parse_date(since, f)) > 0)
			rc = since_date(bucket, prefix, f, nf, err,
			    sizeof(err));
		else
			rc = list(bucket, prefix, since, NULL, 1, 0, NULL,
			    NULL, NULL, err, sizeof(err));
		if (rc == -1) {
			warnx("%s: %s", url, err);
			rc = 1;
		}
	}
	if (nrefused > 0) {
		warnx("%s: %llu keys with control characters not printed",
		    url, nrefused);
		rc = 1;
	}
	return rc;
}

int
main(int argc, char *argv[])
{
	const char *ans;
	int cfgrc;
	static const struct option lopts[] = {
		{ "commit", no_argument, NULL, 'C' },
		{ "since", required_argument, NULL, 'S' },
		{ "window", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	char err[S3_ERRLEN], *bucket, *prefix;
	const char *since = NULL, *wopt = NULL;
	char *end;
	long long n;
	int ch, Aflag = 0, commit = 0, rc = 0, i;

	if ((ans = std_answer(argc, argv, "s3ls", help)) != NULL)
		return fputs(ans, stdout) == EOF || fflush(stdout) == EOF;
	out_init();
	while ((ch = getopt_long(argc, argv, "0Alv", lopts, NULL)) != -1)
		switch (ch) {
		case '0':
			zflag = 1;
			sep = '\0';
			break;
		case 'A':
			Aflag = 1;
			break;
		case 'C':
			commit = 1;
			break;
		case 'S':
			since = optarg;
			break;
		case 'W':
			wopt = optarg;
			break;
		case 'l':
			lflag = 1;
			break;
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc == 0 || (commit && since != NULL))
		usage();
	if (since != NULL && *since == '\0')
		errx(2, "--since: empty argument");
	if (wopt != NULL) {
		/* DAYS, or Nh / Nd; 1 hour to 10 years. */
		errno = 0;
		n = strtoll(wopt, &end, 10);
		if (n > 3650 * 24)
			n = -1;
		else if (*end == 'h' || *end == 'd')
			n *= *end++ == 'h' ? 3600 : 86400;
		else
			n *= 86400;
		if (!isdigit((unsigned char)*wopt) || *end != '\0' ||
		    errno != 0 || n < 3600 || n > 3650LL * 86400)
			errx(2, "--window %s: not a duration from 1h to 3650d",
			    wopt);
		if (since == NULL || strcmp(since, "last") != 0)
			errx(2, "--window: only with --since last");
		window = n;
	}
	if ((maxkeys = getenv("S3LOGS_MAX_KEYS")) != NULL && *maxkeys == '\0')
		maxkeys = NULL;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* --commit needs only the endpoint, which names the cursor. */
	/* -2: a credential source failed (exit 1); -1: configuration. */
	if ((cfgrc = s3_config_load(&cfg, Aflag || commit, err, sizeof(err))) != 0)
		errx(cfgrc == -2 ? 1 : 2, "%s", err);
	if (vflag) {
		cfg.trace = warnx;
		warnx("endpoint %s://%s, region %s, credentials from %s",
		    cfg.scheme, cfg.host, cfg.region, cfg.cred_source);
	}
	s3_client_init(&cl, &cfg);
	for (i = 0; i < argc; i++) {
		if (s3_url_split(argv[i], &bucket, &prefix) == -1) {
			warnx("%s: not an s3://bucket/prefix URL", argv[i]);
			rc = 1;
			continue;
		}
		if (commit ? do_commit(argv[i], bucket, prefix) :
		    do_list(argv[i], bucket, prefix, since))
			rc = 1;
		free(bucket);
		free(prefix);
	}
	free(lastkey);
	s3_client_free(&cl);
	s3_config_free(&cfg);
	curl_global_cleanup();
	out_close();
	return rc;
}
