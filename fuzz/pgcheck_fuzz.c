/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer target for pgload's line checks (run it with
 * fuzz/run-pgcheck.sh): checkline() decides which input lines reach the
 * server, so a line it passes that the server refuses fails a whole batch
 * (and, before issue 18, the nightly load).  pgload's files are included
 * whole (its main renamed), so that the checks are fuzzed as pgload runs
 * them, the -t column types (table.c's statics) set here.
 *
 * Input: byte 0 picks logs mode (29 columns) or -t mode, and in -t mode
 * the number of columns; bytes 1-8 pick each -t column's type and NOT
 * NULL; the rest is the line.  Beyond "no crash, no UB, no leak" it checks
 * every line checkline() accepts:
 *  - it has the mode's number of fields, and every field decodes (COPY
 *    text, by this file's own decoder) to valid UTF-8 with no NUL: what
 *    the server's text input needs;
 *  - tbtext(), which sends logs rows' text by binary COPY, decodes every
 *    field to the same bytes as that decoder;
 *  - in -t mode, every typed field decodes to a value of its type (by
 *    strtoll, sscanf and strptime here, not by lib/pgval.c), and no NULL
 *    sits in a NOT NULL column;
 * and that a refused line names a column in range (or the whole line).
 */
#define main pgload_main
#include "../cmd/pgload/main.c"
#undef main
#include "../cmd/pgload/batch.c"
#include "../cmd/pgload/check.c"
#include "../cmd/pgload/copybin.c"
#include "../cmd/pgload/dict.c"
#include "../cmd/pgload/fold.c"
#include "../cmd/pgload/reader.c"
#include "../cmd/pgload/sums.c"
#include "../cmd/pgload/table.c"
#include "../cmd/pgload/txn.c"

#include <ctype.h>
#include "oracle.h"

#define check(ok)	do {						\
	if (!(ok)) {							\
		fprintf(stderr, "pgcheck_fuzz.c:%d: check failed: %s\n", \
		    __LINE__, #ok);					\
		abort();						\
	}								\
} while (0)

#define TCOLS	8

static int types[TCOLS];
static char notnull[TCOLS];
static char *names[TCOLS] = { "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7" };

/* COPY text decoding, written apart from pgload's; returns the length. */
static size_t
decode(const char *s, size_t n, unsigned char *out)
{
	size_t i = 0, o = 0;
	int c, v, k;

	while (i < n) {
		if (s[i] != '\\') {
			out[o++] = (unsigned char)s[i++];
			continue;
		}
		check(i + 1 < n);	/* checkline refuses a lone backslash */
		c = (unsigned char)s[i + 1];
		i += 2;
		if (c >= '0' && c <= '7') {
			v = c - '0';
			for (k = 0; k < 2 && i < n && s[i] >= '0' && s[i] <= '7'; k++)
				v = v * 8 + s[i++] - '0';
			c = v & 0xff;
		} else if (c == 'x' && i < n && isxdigit((unsigned char)s[i])) {
			v = 0;
			for (k = 0; k < 2 && i < n && isxdigit((unsigned char)s[i]); k++) {
				char h[2] = { s[i++], 0 };

				v = v * 16 + (int)strtol(h, NULL, 16);
			}
			c = v;
		} else {
			const char *from = "bfnrtv", *to = "\b\f\n\r\t\v", *p;

			if ((p = strchr(from, c)) != NULL && c != 0)
				c = to[p - from];
		}
		out[o++] = (unsigned char)c;
	}
	return o;
}

/* The decoded value v (NUL-terminated) is one of its type. */
static void
checktype(int type, const char *v, size_t n)
{
	struct tm tm;
	char *end;
	long long x;
	int a, b, c, d, used;

	check(strlen(v) == n);
	switch (type) {
	case T_INT2:
	case T_INT4:
	case T_INT8:
		errno = 0;
		x = strtoll(v, &end, 10);
		check(n > 0 && *end == '\0' && errno == 0 && v[0] != '+' &&
		    v[0] != ' ');
		check(type != T_INT2 || (x >= INT16_MIN && x <= INT16_MAX));
		check(type != T_INT4 || (x >= INT32_MIN && x <= INT32_MAX));
		break;
	case T_DATE:
	case T_TIME:
		memset(&tm, 0, sizeof(tm));
		end = strptime(v, "%Y-%m-%d", &tm);
		check(end != NULL && end - v == 10);
		/* strptime takes 31 Feb: normalise and compare. */
		a = tm.tm_mday;
		b = tm.tm_mon;
		tm.tm_hour = 12;
		check(timegm(&tm) != -1 && tm.tm_mday == a && tm.tm_mon == b);
		check(type == T_TIME || n == 10);
		if (n > 10) {
			check(v[10] == 'T' || v[10] == ' ');
			used = 0;
			check(sscanf(v + 11, "%2d:%2d%n", &c, &d, &used) == 2 &&
			    used == 5 && c <= 23 && d <= 59);
		}
		break;
	case T_BOOL:
		check(strchr("tTfFyYnNoO01", v[0]) != NULL);
		break;
	case T_UUID:
		check(n == 32 || n == 36);
		for (a = 0; a < (int)n; a++)
			check(isxdigit((unsigned char)v[a]) || (n == 36 && v[a] == '-'));
		break;
	case T_INTARR:
		check(n >= 2 && v[0] == '{' && v[n - 1] == '}');
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[NLOGCOLS], *why;
	size_t fn[NLOGCOLS], col, len, i, k;
	unsigned char *dec;
	char *line;
	struct cbuf o = { 0 };

	if (size < 9)
		return 0;
	pl.logsmode = data[0] & 1;
	if (pl.logsmode)
		pl.ncols = NLOGCOLS;
	else {
		pl.ncols = 1 + (data[0] >> 1) % TCOLS;
		for (i = 0; i < TCOLS; i++) {
			types[i] = data[1 + i] % (T_INTARR + 1);
			notnull[i] = data[1 + i] >> 7;
		}
		coltype = types;
		colnotnull = notnull;
		pl.colnames = names;
		if (tf == NULL) {
			tf = xreallocarray(NULL, TCOLS, sizeof(*tf));
			tn = xreallocarray(NULL, TCOLS, sizeof(*tn));
		}
	}
	len = size - 9;
	line = xmalloc(len ? len : 1);
	memcpy(line, data + 9, len);
	why = checkline(line, len, &col, f, fn);
	check(col <= pl.ncols);
	if (why != NULL) {
		check(*why != '\0');
		free(line);
		return 0;
	}
	dec = xmalloc(len + 1);
	k = fields(line, len, NULL, NULL, 0);
	check(k == pl.ncols);
	for (i = 0; i < pl.ncols; i++) {
		const char *p = pl.logsmode ? f[i] : tf[i];
		size_t n = pl.logsmode ? fn[i] : tn[i], m;

		check(p >= line && p + n <= line + len);
		if (isnull(p, n)) {
			check(pl.logsmode || !notnull[i]);
			continue;
		}
		m = decode(p, n, dec);
		check(oracle_utf8(dec, m));
		o.len = 0;
		tbtext(&o, p, n);
		check(o.len == m + 4 && memcmp(o.b + 4, dec, m) == 0);
		dec[m] = '\0';
		if (!pl.logsmode)
			checktype(types[i], (char *)dec, m);
	}
	free(o.b);
	free(dec);
	free(line);
	return 0;
}
