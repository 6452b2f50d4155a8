/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer target for the ENCODE portal's JSON (run it with
 * fuzz/run-encode.sh): lib/encode.c's parser (enc_parse(), the yajl
 * callbacks and the piecewise hand-over to yajl) feeding encodefetch's own
 * sink, the code that turns hits into COPY rows.  encodefetch.c is
 * included whole (its main renamed), so that the sink and its checks are
 * fuzzed as the program runs them, without moving them.
 *
 * Input: byte 0 picks the type (files, datasets, labs, awards) and the
 * value cap, byte 1 the size of the pieces; the rest is the body.  Beyond
 * "no crash, no UB, no leak" it checks:
 *  - the body parsed whole and parsed in pieces gives the same outcome
 *    (complete or not) and, when complete, the same rows byte for byte;
 *  - every row has the type's number of fields, ends in one newline, is
 *    valid UTF-8 with no NUL and no raw CR;
 *  - bigint columns hold \N or an integer that fits int64, int[] columns
 *    elements that fit int32, date and timestamp columns \N or a value
 *    starting YYYY-MM-DD.
 */
#define main encodefetch_main
#include "../cmd/encodefetch/encodefetch.c"
#undef main

#include <limits.h>
#include "oracle.h"
#include <stdint.h>

#define check(ok)	do {						\
	if (!(ok)) {							\
		fprintf(stderr, "encode_fuzz.c:%d: check failed: %s\n", \
		    __LINE__, #ok);					\
		abort();						\
	}								\
} while (0)

static FILE *tmpf;

/* Parse body into rows; returns the status, *out the rows (caller frees). */
static enum enc_status
run(const struct type *t, const char *body, size_t len, size_t piece,
    size_t maxvalue, char **out, size_t *outlen)
{
	struct enc_sink sink;
	struct rows r;
	enum enc_status st;
	long long total, hits;
	char err[512];
	size_t i, n;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.tmp = tmpf;
	r.nv = t->ncols;
	r.v = xcalloc(r.nv, sizeof(*r.v));
	r.range = "(fuzz)";
	r.err = err;
	r.errlen = sizeof(err);
	sink.begin = sink_begin;
	sink.leaf = sink_leaf;
	sink.hit = sink_hit;
	sink.arg = &r;
	st = enc_parse(body, len, piece, maxvalue, 1, &sink, &total, &hits,
	    err, sizeof(err));
	check(st == ENC_OK || st == ENC_EMPTY || st == ENC_RETRY ||
	    st == ENC_FAIL);
	check(st == ENC_OK || err[0] != '\0');
	*out = NULL;
	*outlen = 0;
	if (st == ENC_OK) {
		check(fflush(tmpf) == 0);
		n = (size_t)ftell(tmpf);
		*out = xmalloc(n + 1);
		rewind(tmpf);
		check(fread(*out, 1, n, tmpf) == n);
		*outlen = n;
	}
	for (i = 0; i < r.nv; i++)
		buf_free(&r.v[i].b);
	free(r.v);
	buf_free(&r.id);
	buf_free(&r.line);
	return st;
}

/* One integer of [s, e) fits [min, max]. */
static void
checkint(const char *s, const char *e, long long min, long long max)
{
	char buf[32], *end;
	long long v;

	check(e > s && (size_t)(e - s) < sizeof(buf));
	memcpy(buf, s, e - s);
	buf[e - s] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	check(*end == '\0' && errno == 0 && v >= min && v <= max);
}

static void
checkrows(const struct type *t, const char *p, size_t n)
{
	const char *e = p + n, *nl, *f, *tab;
	size_t col;

	check(oracle_utf8((const unsigned char *)p, n));
	check(memchr(p, '\r', n) == NULL);
	check(n == 0 || p[n - 1] == '\n');
	for (; p < e; p = nl + 1) {
		nl = memchr(p, '\n', e - p);
		check(nl != NULL);
		for (col = 0, f = p; col < t->ncols; col++, f = tab + 1) {
			const struct col *c = &t->cols[col];

			tab = memchr(f, '\t', nl - f);
			if (tab == NULL)
				tab = nl;
			check(col + 1 < t->ncols ? tab < nl : tab == nl);
			if (tab - f == 2 && f[0] == '\\' && f[1] == 'N')
				continue;
			switch (c->kind) {
			case C_INT:
				checkint(f, tab, INT64_MIN, INT64_MAX);
				break;
			case C_INTARR: {
				const char *a = f + 1, *comma;

				check(tab - f >= 2 && f[0] == '{' && tab[-1] == '}');
				for (; a < tab - 1; a = comma + 1) {
					comma = memchr(a, ',', tab - 1 - a);
					if (comma == NULL)
						comma = tab - 1;
					checkint(a, comma, INT32_MIN, INT32_MAX);
				}
				break;
			}
			case C_TSTZ:
			case C_DATE:
				check(tab - f >= 10 && pgval_timestamp(f, tab - f));
				check(c->kind != C_DATE || tab - f == 10);
				break;
			default:
				break;
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct type *t;
	enum enc_status st1, st2;
	char *body, *o1, *o2;
	size_t n1, n2, piece, maxvalue, len;

	if (size < 2)
		return 0;
	if (tmpf == NULL && (tmpf = tmpfile()) == NULL)
		abort();
	t = &types[data[0] % NELEM(types)];
	maxvalue = 16 + (size_t)(data[0] >> 2) * 16;
	piece = 1 + data[1] % 64;
	/* An exact-size copy, so that ASan sees any read past the end. */
	len = size - 2;
	body = xmalloc(len ? len : 1);
	memcpy(body, data + 2, len);
	st1 = run(t, body, len, len, maxvalue, &o1, &n1);
	st2 = run(t, body, len, piece, maxvalue, &o2, &n2);
	check((st1 == ENC_OK) == (st2 == ENC_OK));
	check((st1 == ENC_EMPTY) == (st2 == ENC_EMPTY));
	if (st1 == ENC_OK) {
		check(n1 == n2 && memcmp(o1, o2, n1) == 0);
		checkrows(t, o1, n1);
	}
	free(o1);
	free(o2);
	free(body);
	return 0;
}
