/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer target for lib/logline.c (run it with fuzz/run.sh).  Beyond "no crash,
 * no UB", it checks the output contract on every accepted line:
 *  - the COPY row fits LOGLINE_COPYMAX, has 29 columns, one "\n" at the
 *    end, no NUL, and is valid UTF-8 (so it always loads);
 *  - decoding the row (COPY unescaping, then U+10FF00+b -> byte b) gives
 *    back every field byte for byte: the escaping is lossless;
 *  - every field lies inside the input line (or is the formatted time).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "logline.h"
#include "oracle.h"

/* A failed invariant names its line, then aborts (a libFuzzer finding). */
#define check(ok)	do {						\
	if (!(ok)) {							\
		fprintf(stderr, "logline_fuzz.c:%d: check failed: %s\n", \
		    __LINE__, #ok);					\
		abort();						\
	}								\
} while (0)

/* Decode one COPY value [p, e) into out; returns its length, or -1 for \N. */
static long
decode(const unsigned char *p, const unsigned char *e, unsigned char *out)
{
	unsigned char *d = out;

	if (e - p == 2 && p[0] == '\\' && p[1] == 'N')
		return -1;
	while (p < e) {
		if (*p == '\\') {
			check(p + 1 < e);
			switch (p[1]) {
			case '\\': *d++ = '\\'; break;
			case 't': *d++ = '\t'; break;
			case 'n': *d++ = '\n'; break;
			case 'r': *d++ = '\r'; break;
			default: check(0);
			}
			p += 2;
		} else if (*p == 0xF4 && e - p >= 4 && p[1] == 0x8F &&
		    p[2] >= 0xBC) {
			*d++ = (unsigned char)(((p[2] - 0xBC) << 6) | (p[3] - 0x80));
			p += 4;
		} else {
			check(*p != '\t' && *p != '\n' && *p != '\r');
			*d++ = *p++;
		}
	}
	return d - out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logline ll;
	unsigned char *line, *row, *val, *p, *e, *t;
	size_t n, i;
	long vn;
	int rc, col;

	/* An exact-size copy, so that ASan sees any read past the end. */
	line = malloc(size ? size : 1);
	memcpy(line, data, size);
	rc = logline_parse(&ll, (const char *)line, size);
	check(rc >= 0 && rc < LOGLINE_NSTATUS);
	check(logline_strerror(rc) != NULL);
	if (rc != LOGLINE_OK) {
		free(line);
		return 0;
	}
	check(ll.nfields >= 18 && ll.nfields <= 28);
	row = malloc(LOGLINE_COPYMAX(size));
	val = malloc(size + 32);
	n = logline_copy((char *)row, &ll);
	check(n <= LOGLINE_COPYMAX(size));
	check(n > 0 && row[n - 1] == '\n');
	check(oracle_utf8(row, n));
	p = row;
	e = row + n - 1;
	for (col = 0; col < LOGLINE_NCOLUMNS; col++) {
		t = memchr(p, '\t', (size_t)(e - p));
		if (t == NULL)
			t = e;
		check(col + 1 < LOGLINE_NCOLUMNS ? t < e : t == e);
		if (col == 0)
			check(t - p == 32);
		else {
			const struct logline_span *s = col <= LOGLINE_NFIELDS ?
			    &ll.f[col - 1] : &ll.extra;

			vn = decode(p, t, val);
			if (s->p == NULL)
				check(vn == -1);
			else {
				check(vn >= 0 && (size_t)vn == s->n);
				check(memcmp(val, s->p, s->n) == 0);
				if (col - 1 != LL_TIME)
					check((const unsigned char *)s->p >= line &&
					    (const unsigned char *)s->p + s->n <=
					    line + size);
			}
		}
		p = t + 1;
	}
	for (i = 0; i < n - 1; i++)
		check(row[i] != '\n');
	free(val);
	free(row);
	free(line);
	return 0;
}
