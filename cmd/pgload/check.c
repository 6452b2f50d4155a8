/* See LICENSE file for copyright and license details. */
/*
 * Whether an input line is one well-formed row, so that a bad line is set
 * aside with its line number and a reason before it reaches the server
 * (which would fail the whole batch for it).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "day.h"
#include "pgload.h"
#include "utf8.h"

static char	*ubuf;			/* a field or line COPY-unescaped */
static size_t	 ubufsize;

/* An unsigned decimal no greater than max, or \N. */
static const char *
checknum(const char *f, size_t n, unsigned long long max)
{
	unsigned long long v = 0;
	size_t i;

	if (isnull(f, n))
		return NULL;
	if (n == 0 || n > 20)
		return "not a number";
	for (i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9')
			return "not a number";
		if (v > (max - (f[i] - '0')) / 10)
			return "number out of range";
		v = v * 10 + (f[i] - '0');
	}
	return NULL;
}

/* 2024-01-05T02:56:06Z, optionally with fractional seconds. */
static const char *
checktime(const char *f, size_t n)
{
	int y, mo, d, h, mi, s;
	size_t i;

	if (isnull(f, n))
		return "missing";
	if (n < 20 || f[4] != '-' || f[7] != '-' || f[10] != 'T' ||
	    f[13] != ':' || f[16] != ':' || f[n - 1] != 'Z' ||
	    !digits(f, 4, &y) || !digits(f + 5, 2, &mo) ||
	    !digits(f + 8, 2, &d) || !digits(f + 11, 2, &h) ||
	    !digits(f + 14, 2, &mi) || !digits(f + 17, 2, &s))
		return "not a time like 2024-01-05T02:56:06Z";
	if (n > 20) {
		if (f[19] != '.' || n == 21)
			return "not a time like 2024-01-05T02:56:06Z";
		for (i = 20; i < n - 1; i++)
			if (f[i] < '0' || f[i] > '9')
				return "not a time like 2024-01-05T02:56:06Z";
	}
	if (!day_valid(y, mo, d) || h > 23 || mi > 59 || s > 60)
		return "time out of range";
	return NULL;
}

/* An IPv4 or IPv6 address, or \N. */
static const char *
checkip(const char *f, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char a[16];

	if (isnull(f, n))
		return NULL;
	if (n >= sizeof(buf))
		return "not an IP address";
	memcpy(buf, f, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, a) != 1 && inet_pton(AF_INET6, buf, a) != 1)
		return "not an IP address";
	return NULL;
}

/* A line_hash: 32 hex digits. */
static const char *
checkhash(const char *f, size_t n)
{
	/*
	 * 1 for a hex digit.  A table, not comparisons: the digits of a hash
	 * are random, so branches on them would be mispredicted.
	 */
	static const unsigned char hex[256] = {
	    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1,
	    ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['A'] = 1, ['B'] = 1,
	    ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1
	};
	unsigned ok = 1;
	size_t i;

	if (n != 32)
		return "not 32 hex digits";
	for (i = 0; i < n; i++)
		ok &= hex[(unsigned char)f[i]];
	return ok ? NULL : "not 32 hex digits";
}

/*
 * A logs field against what its column in logs takes; the text columns
 * take anything valid.
 */
static const char *
checkfield(size_t col, const char *f, size_t n)
{
	switch (col) {
	case C_HASH:
		return checkhash(f, n);
	case C(LL_TIME):
		return checktime(f, n);
	case C(LL_REMOTE_IP):
		return checkip(f, n);
	case C(LL_HTTP_STATUS):
		return checknum(f, n, 32767);
	case C(LL_BYTES_SENT):
	case C(LL_OBJECT_SIZE):
		return checknum(f, n, INT64_MAX);
	case C(LL_TOTAL_TIME):
	case C(LL_TURNAROUND_TIME):
		return checknum(f, n, INT32_MAX);
	}
	return NULL;
}

/*
 * The fields of line in COPY text (a tab ends a field unless a backslash
 * escapes it, so "\<tab>" is data): the first max of them in f[] and n[];
 * returns how many there are.  memchr finds the tabs: a tab is data only
 * after an odd run of backslashes, which is rare.
 */
size_t
fields(const char *line, size_t len, const char **f, size_t *n, size_t max)
{
	const char *s = line, *end = line + len, *t, *b;
	size_t k = 0;

	for (;;) {
		for (t = s; (t = memchr(t, '\t', end - t)) != NULL; t++) {
			for (b = t; b > s && b[-1] == '\\'; b--)
				;
			if ((t - b) % 2 == 0)
				break;
		}
		if (t == NULL)
			t = end;
		if (k < max) {
			f[k] = s;
			n[k] = t - s;
		}
		k++;
		if (t == end)
			return k;
		s = t + 1;
	}
}

/*
 * The byte that the escape after a backslash at s[*i] stands for, as the
 * server decodes COPY text (\NNN octal, \xHH, \b \f \n \r \t \v, and any
 * other character for itself); *i is left after the escape.
 */
int
copyesc(const char *s, size_t n, size_t *i)
{
	int c, v, k;

	c = (unsigned char)s[*i];
	(*i)++;
	switch (c) {
	case '0': case '1': case '2': case '3':
	case '4': case '5': case '6': case '7':
		v = c - '0';
		for (k = 0; k < 2 && *i < n && s[*i] >= '0' && s[*i] <= '7'; k++)
			v = v * 8 + (s[(*i)++] - '0');
		return v & 0xff;
	case 'x':
		if (*i < n && (v = hexval(s[*i])) >= 0) {
			(*i)++;
			if (*i < n && hexval(s[*i]) >= 0)
				v = v * 16 + hexval(s[(*i)++]);
			return v;
		}
		return c;
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'v': return '\v';
	}
	return c;
}

/*
 * s[0..n) COPY-unescaped (see copyesc()), as the server (and tbtext())
 * decodes it, into a buffer of this file's that *out then points to, valid
 * until the next call; returns its length.
 */
size_t
unescape(const char *s, size_t n, const char **out)
{
	size_t i, o = 0;

	if (n > ubufsize) {
		ubufsize = n > 2 * ubufsize ? n : 2 * ubufsize;
		ubuf = xrealloc(ubuf, ubufsize);
	}
	for (i = 0; i < n; ) {
		if (s[i] != '\\' || i + 1 == n) {
			ubuf[o++] = s[i++];
			continue;
		}
		i++;
		ubuf[o++] = (char)copyesc(s, n, &i);
	}
	*out = ubuf;
	return o;
}

/*
 * The raw bytes of a line are valid UTF-8, but an escape (\xff, \000)
 * can still make bytes the server refuses: a line with one is checked
 * again, unescaped.  Only \ followed by a digit or x makes such bytes.
 */
static int
escapesok(const char *line, size_t len)
{
	const char *p = line, *e = line + len, *u;
	size_t n;

	while ((p = memchr(p, '\\', e - p)) != NULL && p + 1 < e) {
		if ((p[1] >= '0' && p[1] <= '7') || p[1] == 'x') {
			n = unescape(line, len, &u);
			return utf8_valid(u, n);
		}
		p += 2;
	}
	return 1;
}

/* The message for a line of n fields, not pl.ncols. */
const char *
nfields(size_t n)
{
	static char why[64];

	snprintf(why, sizeof(why), "%zu fields, not %zu", n, pl.ncols);
	return why;
}

/*
 * Whether line is one row of pl.ncols COPY text fields, each well-formed
 * for its column (with -t, for its column's type: checktable()); in logs
 * mode f[] and n[] (NLOGCOLS) get the fields.  On failure *colp is the
 * 0-based column (pl.ncols when the count is wrong) and the reason is
 * returned.
 */
const char *
checkline(const char *line, size_t len, size_t *colp, const char **f,
    size_t *n)
{
	const char *w;
	size_t i, col;

	*colp = pl.ncols;
	if (!utf8_valid(line, len))
		return "not valid UTF-8 (or a NUL byte)";
	for (i = len; i > 0 && line[i - 1] == '\\'; i--)
		;
	if ((len - i) % 2 == 1)
		return "ends in a lone backslash";
	if (!escapesok(line, len))
		return "an escape makes invalid UTF-8 (or a NUL byte)";
	if (!pl.logsmode)
		return checktable(line, len, colp);
	/* Count first: a short line is reported as such, not as a bad value. */
	if ((col = fields(line, len, f, n, NLOGCOLS)) != NLOGCOLS)
		return nfields(col);
	/* The loader keeps its fields' offsets in 32 bits. */
	if (len >= UINT32_MAX)
		return "line longer than 4 GiB";
	for (col = 0; col < NLOGCOLS; col++)
		if ((w = checkfield(col, f[col], n[col])) != NULL) {
			*colp = col;
			return w;
		}
	return NULL;
}

/* The buffer unescape() uses, at the end of the run. */
void
check_free(void)
{
	free(ubuf);
}
