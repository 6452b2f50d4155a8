/* See LICENSE file for copyright and license details. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <yajl/yajl_parse.h>

#include "encode.h"
#include "retry.h"
#include "utf8.h"
#include "util.h"

/*
 * Deeper nesting than this in a search answer is not something the portal
 * sends; refusing it keeps the per-depth state in fixed arrays.
 */
#define MAXDEPTH	64

/* The default cap on one JSON value (enc_setlimits). */
#define MAXVALUE	(4 * 1024 * 1024)

enum topkey { K_OTHER, K_GRAPH, K_TOTAL };

struct encode {
	CURL		*curl;
	struct curl_slist *hdrs;
	char		*base;
	char		*userpwd;
	double		 interval;	/* seconds between request starts */
	long		 timeout;	/* seconds per request, 0 = none */
	size_t		 maxvalue;	/* bytes of one JSON token */
	struct timespec	 last;
	int		 have_last;
	char		 cerr[CURL_ERROR_SIZE];
};

/* Parser state for one request. */
struct jctx {
	struct encode	*e;
	const struct enc_sink *sink;
	yajl_handle	 yh;
	long		 code;		/* HTTP status, known at the first byte */
	int		 parsing;	/* body is JSON we parse (200, 404) */
	int		 begun;
	int		 jsonerr;	/* yajl refused a byte */
	int		 sinkerr;
	int		 toodeep;
	int		 toobig;	/* a token longer than maxvalue */
	int		 depth;
	char		 ctype[MAXDEPTH + 1];	/* 'm' map, 'a' array */
	size_t		 plen[MAXDEPTH + 1];	/* path length at container start */
	int		 graph;		/* depth of the @graph array while inside it */
	enum topkey	 topkey;
	char		*path;
	size_t		 len, cap;
	long long	 total;
	int		 have_total;
	long long	 hits;
	unsigned long long nbytes;	/* body bytes received */
	/*
	 * Body bytes not handed to yajl yet: its lexer starts a token that
	 * spans two yajl_parse() calls over from the token's first byte, so
	 * a string arriving in n pieces would be scanned n times (quadratic).
	 * The body is handed over only up to the last byte that ends no
	 * token inside it (whitespace or punctuation outside a string), so
	 * no token is ever split, and the bytes held back, one token at
	 * most, are capped at maxvalue.
	 */
	char		*pend;
	size_t		 npend, pendcap;
	size_t		 maxvalue;
	int		 instr, esc;	/* inside a string, after its backslash */
	char		*fix;		/* a string's repaired copy (cb_string) */
	size_t		 fixcap;
	char		*err;
	size_t		 errlen;
};

/* The dotted path: cut back to at bytes, then append key k. */
static void
path_set(struct jctx *j, size_t at, const unsigned char *k, size_t klen)
{
	size_t need;

	need = at + 1 + klen + 1;
	if (need > j->cap) {
		j->cap = need * 2;
		j->path = xrealloc(j->path, j->cap);
	}
	j->len = at;
	if (at > 0)
		j->path[j->len++] = '.';
	memcpy(j->path + j->len, k, klen);
	j->len += klen;
	j->path[j->len] = '\0';
}

/* Whether the parser is inside one hit of the @graph array. */
static int
in_hit(const struct jctx *j)
{
	return j->graph > 0 && j->depth > j->graph;
}

/* A scalar value: the total, or a leaf of a hit for the sink. */
static int
scalar(struct jctx *j, enum enc_kind kind, const char *v, size_t n)
{
	char num[32];
	int inarray;

	if (j->depth == 1 && j->topkey == K_TOTAL) {
		if (kind != ENC_NUMBER || n == 0 || n >= sizeof(num))
			return 1;	/* a total we cannot read = no total */
		memcpy(num, v, n);
		num[n] = '\0';
		j->total = strtoll(num, NULL, 10);
		j->have_total = 1;
		return 1;
	}
	if (!in_hit(j))
		return 1;
	inarray = j->ctype[j->depth] == 'a';
	if (inarray) {
		/* Elements take their array's path: cut back to it. */
		j->len = j->plen[j->depth];
		if (j->path != NULL)
			j->path[j->len] = '\0';
	}
	if (j->path == NULL)
		return 1;	/* a scalar with no key: not in a hit map */
	if (j->sink->leaf(j->sink->arg, j->path, inarray, kind, v, n) == -1) {
		j->sinkerr = 1;
		return 0;
	}
	return 1;
}

static int
cb_null(void *ctx)
{
	return scalar(ctx, ENC_NULL, "", 0);
}

static int
cb_boolean(void *ctx, int b)
{
	return scalar(ctx, ENC_BOOL, b ? "t" : "f", 1);
}

static int
cb_number(void *ctx, const char *s, size_t n)
{
	return scalar(ctx, ENC_NUMBER, s, n);
}

/*
 * yajl checks the raw bytes of a string, but decodes a \u escape of a
 * lone surrogate (\ude00) into bytes that are not UTF-8, which
 * PostgreSQL would refuse, failing a whole load: each invalid byte
 * becomes U+FFFD, so that sinks get the UTF-8 enc_kind promises.
 */
static int
cb_string(void *ctx, const unsigned char *s, size_t n)
{
	struct jctx *j = ctx;
	size_t i, k, o;

	for (i = 0; i < n && (k = utf8_len(s + i, n - i)) > 0; i += k)
		;
	if (i == n)
		return scalar(j, ENC_STRING, (const char *)s, n);
	if (n > (SIZE_MAX - 1) / 3)
		return 0;
	if (3 * n > j->fixcap) {
		j->fixcap = 3 * n;
		j->fix = xrealloc(j->fix, j->fixcap);
	}
	memcpy(j->fix, s, i);
	for (o = i; i < n; ) {
		if ((k = utf8_len(s + i, n - i)) > 0) {
			memcpy(j->fix + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(j->fix + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	return scalar(j, ENC_STRING, j->fix, o);
}

/* Enter a map or an array; 0 (stop) past MAXDEPTH. */
static int
open_container(struct jctx *j, char type)
{
	if (j->depth >= MAXDEPTH) {
		j->toodeep = 1;
		return 0;
	}
	/* A container inside an array takes the array's path, as scalars do. */
	if (j->depth > 0 && j->ctype[j->depth] == 'a') {
		j->len = j->plen[j->depth];
		if (j->path != NULL)
			j->path[j->len] = '\0';
	}
	j->depth++;
	j->ctype[j->depth] = type;
	j->plen[j->depth] = j->len;
	return 1;
}

static int
cb_start_map(void *ctx)
{
	struct jctx *j = ctx;

	if (!open_container(j, 'm'))
		return 0;
	if (j->graph > 0 && j->depth == j->graph + 1) {
		/* A new hit: paths restart from it. */
		j->len = 0;
		j->plen[j->depth] = 0;
		if (j->path != NULL)
			j->path[0] = '\0';
	}
	return 1;
}

static int
cb_map_key(void *ctx, const unsigned char *k, size_t n)
{
	struct jctx *j = ctx;

	if (j->depth == 1) {
		if (n == 6 && memcmp(k, "@graph", 6) == 0)
			j->topkey = K_GRAPH;
		else if (n == 5 && memcmp(k, "total", 5) == 0)
			j->topkey = K_TOTAL;
		else
			j->topkey = K_OTHER;
	} else if (in_hit(j))
		path_set(j, j->plen[j->depth], k, n);
	return 1;
}

static int
cb_end_map(void *ctx)
{
	struct jctx *j = ctx;

	if (j->graph > 0 && j->depth == j->graph + 1) {
		j->hits++;
		if (j->sink->hit(j->sink->arg) == -1) {
			j->sinkerr = 1;
			return 0;
		}
	}
	j->depth--;
	return 1;
}

static int
cb_start_array(void *ctx)
{
	struct jctx *j = ctx;

	if (!open_container(j, 'a'))
		return 0;
	if (j->depth == 2 && j->topkey == K_GRAPH && j->ctype[1] == 'm')
		j->graph = j->depth;
	return 1;
}

static int
cb_end_array(void *ctx)
{
	struct jctx *j = ctx;

	if (j->depth == j->graph)
		j->graph = 0;
	j->depth--;
	return 1;
}

static const yajl_callbacks callbacks = {
	cb_null, cb_boolean, NULL, NULL, cb_number, cb_string,
	cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array
};

/* The first body byte: the status is known; a JSON answer begins. */
static int
begin(struct jctx *j)
{
	j->begun = 1;
	j->parsing = j->code == 200 || j->code == 404;
	if (j->parsing && j->sink->begin(j->sink->arg) == -1) {
		j->sinkerr = 1;
		return -1;
	}
	return 0;
}

/*
 * Hand yajl the first n held-back bytes and keep the rest.  Returns -1
 * when yajl refuses them (or a callback stopped it).
 */
static int
handover(struct jctx *j, size_t n)
{
	yajl_status ys = yajl_status_ok;

	if (n == 0)
		return 0;
	ys = yajl_parse(j->yh, (const unsigned char *)j->pend, n);
	memmove(j->pend, j->pend + n, j->npend - n);
	j->npend -= n;
	if (ys != yajl_status_ok) {
		if (!j->sinkerr)
			j->jsonerr = 1;
		return -1;
	}
	return 0;
}

/* n more body bytes: 0, or -1 to stop (an error is noted in j). */
static int
feed(struct jctx *j, const char *p, size_t n)
{
	size_t i, cut = 0;

	j->nbytes += n;
	if (!j->parsing || n == 0)
		return 0;	/* an error page: its status says enough */
	if (j->npend + n > j->pendcap) {
		j->pendcap = j->npend + n > 2 * j->pendcap ?
		    j->npend + n : 2 * j->pendcap;
		j->pend = xrealloc(j->pend, j->pendcap);
	}
	memcpy(j->pend + j->npend, p, n);
	/* Only the new bytes are scanned: the rest were, and hold no cut. */
	for (i = j->npend, j->npend += n; i < j->npend; i++) {
		unsigned char c = j->pend[i];

		if (j->esc)
			j->esc = 0;
		else if (j->instr) {
			if (c == '\\')
				j->esc = 1;
			else if (c == '"')
				j->instr = 0;
		} else if (c == '"')
			j->instr = 1;
		else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == ',' || c == ':' || c == '[' || c == ']' || c == '{' ||
		    c == '}')
			cut = i + 1;
		/* Checked here, not per piece, so that pieces do not matter. */
		if (i + 1 - cut > j->maxvalue) {
			j->toobig = 1;
			return -1;
		}
	}
	if (cut > 0 && handover(j, cut) == -1)
		return -1;
	return 0;
}

/* curl write callback: the body, straight into the JSON parser. */
static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct jctx *j = arg;
	size_t n = size * nmemb;

	if (!j->begun) {
		curl_easy_getinfo(j->e->curl, CURLINFO_RESPONSE_CODE, &j->code);
		if (begin(j) == -1)
			return 0;
	}
	return feed(j, p, n) == -1 ? 0 : n;
}

/* Sleep until the next request may start (maxrate). */
static void
ratelimit(struct encode *e)
{
	struct timespec now, ts;
	double wait;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (e->have_last) {
		wait = e->interval - ((now.tv_sec - e->last.tv_sec) +
		    (now.tv_nsec - e->last.tv_nsec) / 1e9);
		if (wait > 0) {
			ts.tv_sec = (time_t)wait;
			ts.tv_nsec = (long)((wait - ts.tv_sec) * 1e9);
			while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
				;
			clock_gettime(CLOCK_MONOTONIC, &now);
		}
	}
	e->last = now;
	e->have_last = 1;
}

/* err gets yajl's reason for refusing the body, and how far it got. */
static void
json_reason(struct jctx *j, const char *what)
{
	unsigned char *m;
	char *nl;

	m = yajl_get_error(j->yh, 0, NULL, 0);
	if (m != NULL && (nl = strchr((char *)m, '\n')) != NULL)
		*nl = '\0';
	snprintf(j->err, j->errlen, "HTTP %ld: %s after %llu bytes (%s)",
	    j->code, what, j->nbytes, m != NULL ? (char *)m : "parse error");
	if (m != NULL)
		yajl_free_error(j->yh, m);
}

struct encode *
enc_open(const char *base, double maxrate, const char *user, const char *pass,
    char *err, size_t errlen)
{
	struct encode *e;
	size_t n;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "curl_global_init failed");
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	if ((e->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		free(e);
		curl_global_cleanup();
		return NULL;
	}
	e->base = xstrdup(base);
	n = strlen(e->base);
	while (n > 0 && e->base[n - 1] == '/')
		e->base[--n] = '\0';
	e->interval = maxrate > 0 ? 1.0 / maxrate : 0;
	e->maxvalue = MAXVALUE;
	e->hdrs = curl_slist_append(NULL, "Accept: application/json");
	if (user != NULL) {
		n = strlen(user) + 1 + (pass != NULL ? strlen(pass) : 0) + 1;
		e->userpwd = xmalloc(n);
		snprintf(e->userpwd, n, "%s:%s", user, pass != NULL ? pass : "");
	}
	return e;
}

void
enc_close(struct encode *e)
{
	if (e == NULL)
		return;
	curl_easy_cleanup(e->curl);
	curl_slist_free_all(e->hdrs);
	if (e->userpwd != NULL) {
		/* Credentials do not outlive their use in freed memory. */
		explicit_bzero(e->userpwd, strlen(e->userpwd));
		free(e->userpwd);
	}
	free(e->base);
	free(e);
	curl_global_cleanup();
}

/* Options of one request on the handle: URL, headers, limits, callbacks. */
static void
setup(struct encode *e, const char *url, struct jctx *j)
{
	CURL *c = e->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "s3logs-encodefetch/1");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, e->cerr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
	/* http:// and the bare host are 301-redirected to https://www. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/*
	 * A stall, less than 1 byte/s for 120 s (ES scans start slowly),
	 * aborts the attempt; so does the whole request taking longer than
	 * the timeout, generous since a limit=all month can legitimately
	 * stream for minutes, but a server trickling a byte a second would
	 * otherwise hold the run for ever.
	 */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, e->timeout);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (e->userpwd != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, e->userpwd);
	}
}

/* A parser for one answer: 0, or -1 after filling err. */
static int
jstart(struct jctx *j, const struct enc_sink *sink, size_t maxvalue,
    char *err, size_t errlen)
{
	memset(j, 0, sizeof(*j));
	j->sink = sink;
	j->err = err;
	j->errlen = errlen;
	j->maxvalue = maxvalue;
	err[0] = '\0';
	if ((j->yh = yajl_alloc(&callbacks, NULL, j)) == NULL) {
		snprintf(err, errlen, "yajl_alloc failed");
		return -1;
	}
	return 0;
}

/*
 * The outcome of an answer received whole or in part: rc is the
 * transfer's (CURLE_OK when it ended normally), cerr curl's detail.
 */
static enum enc_status
jfinish(struct jctx *j, CURLcode rc, const char *cerr, int expect_all,
    long long *total, long long *hits)
{
	enum enc_status st;
	char *err = j->err;
	size_t errlen = j->errlen, n;

	if (rc == CURLE_OK && !j->sinkerr && !j->jsonerr && !j->toobig &&
	    !j->toodeep && j->parsing)
		(void)handover(j, j->npend);	/* what follows the last token */
	if (j->sinkerr) {
		st = ENC_FAIL;		/* the sink wrote err */
	} else if (j->toodeep) {
		snprintf(err, errlen, "HTTP %ld: JSON nested deeper than %d", j->code, MAXDEPTH);
		st = ENC_FAIL;
	} else if (j->toobig) {
		snprintf(err, errlen, "HTTP %ld: a JSON value longer than %zu "
		    "bytes (see --max-value) after %llu bytes", j->code,
		    j->maxvalue, j->nbytes);
		st = ENC_FAIL;
	} else if (j->jsonerr) {
		json_reason(j, "invalid JSON");
		st = j->code == 200 ? ENC_RETRY : ENC_FAIL;
	} else if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s%s%s", curl_easy_strerror(rc),
		    cerr[0] != '\0' ? ": " : "", cerr);
		n = strlen(err);
		if (n > 0 && err[n - 1] == '\n')
			err[n - 1] = '\0';
		st = retry_curl(rc) ? ENC_RETRY : ENC_FAIL;
	} else if (j->code == 200 || j->code == 404) {
		if (yajl_complete_parse(j->yh) != yajl_status_ok) {
			json_reason(j, j->code == 200 ? "cut-off stream" : "invalid JSON");
			st = j->code == 200 ? ENC_RETRY : ENC_FAIL;
		} else if (!j->have_total) {
			snprintf(err, errlen, "HTTP %ld: no \"total\" in the answer", j->code);
			st = j->code == 200 ? ENC_RETRY : ENC_FAIL;
		} else if (j->code == 404) {
			if (j->total == 0 && j->hits == 0)
				st = ENC_EMPTY;
			else {
				snprintf(err, errlen, "HTTP 404 with %lld results", j->total);
				st = ENC_FAIL;
			}
		} else if (expect_all && j->hits != j->total) {
			snprintf(err, errlen, "incomplete: %lld of %lld results",
			    j->hits, j->total);
			st = ENC_RETRY;
		} else if (!expect_all && j->hits > j->total) {
			snprintf(err, errlen, "%lld results, more than the total %lld",
			    j->hits, j->total);
			st = ENC_RETRY;
		} else
			st = ENC_OK;
	} else if (retry_status(j->code)) {
		snprintf(err, errlen, "HTTP %ld", j->code);
		st = ENC_RETRY;
	} else {
		snprintf(err, errlen, "HTTP %ld", j->code);
		st = ENC_FAIL;
	}
	*total = j->total;
	*hits = j->hits;
	yajl_free(j->yh);
	free(j->path);
	free(j->pend);
	free(j->fix);
	return st;
}

enum enc_status
enc_search(struct encode *e, const char *query, int expect_all,
    const struct enc_sink *sink, long long *total, long long *hits,
    char *err, size_t errlen)
{
	struct jctx j;
	CURLcode rc;
	char *url;
	size_t n;

	*total = *hits = 0;
	if (jstart(&j, sink, e->maxvalue, err, errlen) == -1)
		return ENC_FAIL;
	j.e = e;
	e->cerr[0] = '\0';
	n = strlen(e->base) + strlen(query) + sizeof("/search/?");
	url = xmalloc(n);
	snprintf(url, n, "%s/search/?%s", e->base, query);
	setup(e, url, &j);
	ratelimit(e);
	rc = curl_easy_perform(e->curl);
	if (!j.begun)
		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &j.code);
	free(url);
	return jfinish(&j, rc, e->cerr, expect_all, total, hits);
}

enum enc_status
enc_parse(const char *body, size_t len, size_t piece, size_t maxvalue,
    int expect_all, const struct enc_sink *sink, long long *total,
    long long *hits, char *err, size_t errlen)
{
	struct jctx j;
	size_t n;

	*total = *hits = 0;
	if (jstart(&j, sink, maxvalue > 0 ? maxvalue : MAXVALUE, err,
	    errlen) == -1)
		return ENC_FAIL;
	j.code = 200;
	if (piece == 0)
		piece = 1;
	if (begin(&j) == 0)
		for (; len > 0; body += n, len -= n) {
			n = len < piece ? len : piece;
			if (feed(&j, body, n) == -1)
				break;
		}
	return jfinish(&j, CURLE_OK, "", expect_all, total, hits);
}

void
enc_setlimits(struct encode *e, long timeout, size_t maxvalue)
{
	e->timeout = timeout;
	e->maxvalue = maxvalue > 0 ? maxvalue : MAXVALUE;
}

char *
enc_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char *out, *o;

	out = xreallocarray(NULL, strlen(s) + 1, 3);
	for (o = out, p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~:@", *p) != NULL)
			*o++ = *p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}
