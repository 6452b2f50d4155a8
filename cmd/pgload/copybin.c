/* See LICENSE file for copyright and license details. */
/*
 * COPY data to the server.  The narrow logs rows (and the probe's) go in
 * COPY's binary format: the server then does not parse timestamps, uuids
 * and numbers, nor split and unescape text.  The loader's: everything here
 * runs on the main connection, but copyto(), which takes its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "day.h"
#include "pgload.h"

static struct cbuf lrow;		/* the logs or probe row being encoded */

/*
 * Send data to the COPY in progress through pl.obuf.  Returns 0, or -1 with
 * e filled (the COPY is then ended).
 */
int
emit(const void *s, size_t n, char *e)
{
	char col[64];
	unsigned long l;

	if (pl.olen + n > OBUFSIZE && pl.olen > 0) {
		if (pg_copy_put(pl.conn, pl.obuf, pl.olen, e, PG_ERRLEN) == -1)
			goto fail;
		pl.olen = 0;
	}
	if (n > OBUFSIZE) {
		if (pg_copy_put(pl.conn, s, n, e, PG_ERRLEN) == -1)
			goto fail;
		return 0;
	}
	memcpy(pl.obuf + pl.olen, s, n);
	pl.olen += n;
	return 0;
fail:
	pl.olen = 0;
	(void)pg_copy_end(pl.conn, NULL, &l, col, sizeof(col), e, PG_ERRLEN);
	return -1;
}

/* Finish the COPY in progress.  Returns 0, or -1 with e filled. */
int
copydone(char *e)
{
	char col[64];
	unsigned long l;

	if (pl.olen > 0 &&
	    pg_copy_put(pl.conn, pl.obuf, pl.olen, e, PG_ERRLEN) == -1) {
		pl.olen = 0;
		(void)pg_copy_end(pl.conn, NULL, &l, col, sizeof(col), e,
		    PG_ERRLEN);
		return -1;
	}
	pl.olen = 0;
	return pg_copy_end(pl.conn, NULL, &l, col, sizeof(col), e, PG_ERRLEN);
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

	(void)pg_copy_end(pl.conn, e, &ul, col, sizeof(col), ek, sizeof(ek));
	pl.olen = 0;
	return -1;
}

/*
 * COPY buf[0..len) with sql on c (a side connection: the dictionary's or
 * the summer's).  Returns 0, or -1 with e filled.
 */
int
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
	struct timeparts p;
	int64_t us = 0, t;
	size_t i, nd = 0;

	timeparts(f, &p);
	for (i = 20; i + 1 < n; i++, nd++)
		us = us * 10 + (f[i] - '0');
	if (nd > 6)
		return -1;
	for (; nd < 6; nd++)
		us *= 10;
	t = ((((int64_t)day_from_civil(p.y, p.mo, p.d) - 10957) * 24 + p.h) *
	    60 + p.mi) * 60 + p.s;
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
	    "a second", pl.linemap[row]);
	return copyabort(e);
}

/* Begin a binary COPY with q and send the file header.  0 or -1 (e). */
int
binbegin(const char *q, char *e)
{
	if (pg_copy_begin(pl.conn, q, e, PG_ERRLEN) == -1)
		return -1;
	/* Signature, flags, header extension length. */
	return emit("PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19, e);
}

/* A row's narrow logs row to the COPY.  0 or -1 (e). */
int
sendrow(size_t row, char *e)
{
	/* The text columns of COPY logs (...) in fastbatch(), in runs. */
	static const int texts[] = { C(LL_ERROR_CODE), C(LL_REQUEST_ID) };
	static const int texts1[] = { C(LL_REFERER), C(LL_VERSION_ID) };
	static const int texts2[] = { C(LL_ACCESS_POINT_ARN),
	    C(LL_ACL_REQUIRED), C(LL_SOURCE_REGION), C_EXTRA };
	enum { URI = C(LL_REQUEST_URI), HOST = C(LL_HOST_ID),
	    TIME = C(LL_TIME) };
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
	tbuuid(o, f[C_HASH]);
	if (tbrowtime(o, row, f[TIME], n[TIME], e) == -1)
		return -1;
	tbnum(o, f[C(LL_BYTES_SENT)], n[C(LL_BYTES_SENT)], 8);
	tbnum(o, f[C(LL_OBJECT_SIZE)], n[C(LL_OBJECT_SIZE)], 8);
	tbint(o, id[D_BUCKET], 4);
	tbint(o, id[D_OBJECT], 4);
	tbint(o, id[D_CLIENT], 4);
	tbint(o, id[D_REQUESTER], 4);
	tbint(o, id[D_UA], 4);
	tbnum(o, f[C(LL_TOTAL_TIME)], n[C(LL_TOTAL_TIME)], 4);
	tbnum(o, f[C(LL_TURNAROUND_TIME)], n[C(LL_TURNAROUND_TIME)], 4);
	tbint(o, id[D_OPERATION], 2);
	tbnum(o, f[C(LL_HTTP_STATUS)], n[C(LL_HTTP_STATUS)], 2);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		tbtext(o, f[texts[i]], n[texts[i]]);
	/* request_uri: NULL when its form has an id. */
	if (id[D_URI] != NOID)
		tbtext(o, "\\N", 2);
	else
		tbtext(o, f[URI], n[URI]);
	for (i = 0; i < sizeof(texts1) / sizeof(texts1[0]); i++)
		tbtext(o, f[texts1[i]], n[texts1[i]]);
	/* host_id: NULL when host_id_bytes (the last column) holds it. */
	nb = n[HOST] <= sizeof(hb) / 3 * 4 ? base64bytes(f[HOST], n[HOST], hb) :
	    -1;
	if (nb >= 0)
		tb32(o, -1);
	else
		tbtext(o, f[HOST], n[HOST]);
	tbint(o, id[D_ENDPOINT], 4);
	for (i = 0; i < sizeof(texts2) / sizeof(texts2[0]); i++)
		tbtext(o, f[texts2[i]], n[texts2[i]]);
	tbint(o, id[D_URI], 4);
	tb32(o, nb);		/* -1: NULL */
	if (nb > 0)
		tbput(o, hb, nb);
	return emit(o->b, o->len, e);
}

/* A row's pgload_probe row (ord, time, line_hash) to the COPY.  0 or -1. */
int
sendprobe(size_t row, char *e)
{
	struct cbuf *o = &lrow;
	const char *f[NLOGCOLS];
	size_t n[NLOGCOLS];

	rowfields(row, f, n);
	o->len = 0;
	tb16(o, 3);
	tbint(o, (int64_t)row, 4);
	if (tbrowtime(o, row, f[C(LL_TIME)], n[C(LL_TIME)], e) == -1)
		return -1;
	tbuuid(o, f[C_HASH]);
	return emit(o->b, o->len, e);
}

/* What this file allocated, at the end of the run. */
void
copybin_free(void)
{
	free(lrow.b);
}
