/* See LICENSE file for copyright and license details. */
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Inlined: XXH3 on ~600-byte lines is then a handful of cycles per line. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "day.h"
#include "logline.h"
#include "utf8.h"

/*
 * How many Referer closing-quote candidates are tried before giving up:
 * each try scans the User-Agent again, so an unbounded number would make
 * a line full of '" "' quadratic.  Real lines need one.
 */
#define REFERER_TRIES	16

const char *const logline_columns[LOGLINE_NCOLUMNS] = {
	"line_hash", "bucket_owner", "bucket", "time", "remote_ip",
	"requester", "request_id", "operation", "key", "request_uri",
	"http_status", "error_code", "bytes_sent", "object_size", "total_time",
	"turnaround_time", "referer", "user_agent", "version_id", "host_id",
	"signature_version", "cipher_suite", "auth_type", "host_header",
	"tls_version", "access_point_arn", "acl_required", "source_region",
	"extra"
};

static const char *const reasons[LOGLINE_NSTATUS] = {
	[LOGLINE_OK] = "ok",
	[LOGLINE_EFEW] = "too few fields",
	[LOGLINE_ETIME] = "bad time",
	[LOGLINE_EOP] = "bad operation",
	[LOGLINE_EURI] = "bad request-uri",
	[LOGLINE_ESTATUS] = "bad http status",
	[LOGLINE_ENUM] = "bad number",
	[LOGLINE_EQUOTE] = "bad referer or user-agent quoting",
	[LOGLINE_ESHIFT] = "shifted fields",
	[LOGLINE_ESPLICE] = "two records spliced",
};

/* Internal: "this quote is not a closing candidate". */
#define NOTCAND	(-1)

const char *
logline_strerror(int status)
{
	if (status < 0 || status >= LOGLINE_NSTATUS)
		return "unknown";
	return reasons[status];
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

/* p past its spaces (up to e). */
static const char *
skipsp(const char *p, const char *e)
{
	while (p < e && *p == ' ')
		p++;
	return p;
}

/*
 * The end of the token at p: the next space, or e.  Most tokens are
 * shorter than 16 bytes, so an inline SSE2 compare beats a memchr call.
 */
static const char *
tokend(const char *p, const char *e)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(' ');
	int m;

	for (; e - p >= 16; p += 16) {
		m = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(
		    (const __m128i *)(const void *)p), sp));
		if (m != 0)
			return p + __builtin_ctz((unsigned)m);
	}
#endif
	while (p < e && *p != ' ')
		p++;
	return p;
}

/*
 * The first space or quote in [p, e), or e: the tail fields are scanned
 * for both at once, 16 bytes at a time where SSE2 is there.
 */
static const char *
spaceorquote(const char *p, const char *e)
{
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(' '), qu = _mm_set1_epi8('"');
	__m128i v;
	int m;

	for (; e - p >= 16; p += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, sp),
		    _mm_cmpeq_epi8(v, qu)));
		if (m != 0)
			return p + __builtin_ctz((unsigned)m);
	}
#endif
	while (p < e && *p != ' ' && *p != '"')
		p++;
	return p;
}

/* A bare field: "-" is absent. */
static void
setbare(struct logline *ll, int i, const char *p, const char *t)
{
	if (t - p == 1 && *p == '-')
		ll->f[i].p = NULL;
	else
		ll->f[i].p = p;
	ll->f[i].n = (size_t)(t - p);
}

/* The inside of a quoted field: "-" and "" are absent. */
static void
setquoted(struct logline *ll, int i, const char *p, const char *q)
{
	if (q == p || (q - p == 1 && *p == '-'))
		ll->f[i].p = NULL;
	else
		ll->f[i].p = p;
	ll->f[i].n = (size_t)(q - p);
}

/* Whether the token at p is a lone "-" (absent). */
static int
isdash(const char *p, const char *e)
{
	return p < e && *p == '-' && (p + 1 == e || p[1] == ' ');
}

/* digits < 2^63 (bigint), or "-" */
static int
isnum(const char *p, const char *t)
{
	size_t n = (size_t)(t - p), i;

	if (n == 1 && *p == '-')
		return 1;
	if (n == 0 || n > 19)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdig((unsigned char)p[i]))
			return 0;
	return n < 19 || memcmp(p, "9223372036854775807", 19) <= 0;
}

/* WORD.WORD[.WORD...], WORD = [A-Za-z0-9_]+: opaque, but never a stamp. */
static int
isop(const char *p, const char *t)
{
	int dots = 0, w = 0;

	for (; p < t; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.') {
			if (w == 0)
				return 0;
			dots++;
			w = 0;
		} else if (isdig(c) || c == '_' || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z'))
			w++;
		else
			return 0;
	}
	return dots > 0 && w > 0;
}

/* "-" or SigV<anything>: the anchor that catches shifted tails. */
static int
issigv(const char *p, const char *t)
{
	return (t - p == 1 && *p == '-') ||
	    (t - p > 4 && memcmp(p, "SigV", 4) == 0);
}

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* The month number (1..12) of the English abbreviation at p, or 0. */
static int
monthno(const char *p)
{
	int m;

	for (m = 0; m < 12; m++)
		if (memcmp(p, months + 3 * m, 3) == 0)
			return m + 1;
	return 0;
}

/* The two digits at p as a number, or -1. */
static int
num2(const char *p)
{
	if (!isdig((unsigned char)p[0]) || !isdig((unsigned char)p[1]))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* v (0..99) as two digits at d. */
static void
put2(char *d, int v)
{
	d[0] = (char)('0' + v / 10);
	d[1] = (char)('0' + v % 10);
}

/*
 * p: "[06/Feb/2019:00:00:38 +0000]" (28 bytes, checked by the caller).
 * Writes "2019-02-06T00:00:38Z" (converted to UTC) into out[21].
 */
static int
parsetime(char *out, const char *p)
{
	int d, m, y1, y2, hh, mi, ss, oh, om;
	long y, mins;

	if (p[3] != '/' || p[7] != '/' || p[12] != ':' || p[15] != ':' ||
	    p[18] != ':' || p[21] != ' ' || (p[22] != '+' && p[22] != '-'))
		return -1;
	if ((d = num2(p + 1)) < 1 || (m = monthno(p + 4)) == 0 ||
	    (y1 = num2(p + 8)) < 0 || (y2 = num2(p + 10)) < 0 ||
	    (hh = num2(p + 13)) < 0 || hh > 23 ||
	    (mi = num2(p + 16)) < 0 || mi > 59 ||
	    (ss = num2(p + 19)) < 0 || ss > 60 ||	/* PostgreSQL takes :60 */
	    (oh = num2(p + 23)) < 0 || oh > 23 ||
	    (om = num2(p + 25)) < 0 || om > 59)
		return -1;
	y = y1 * 100 + y2;
	if (y < 1 || d > day_mdays(y, m))
		return -1;
	if (oh != 0 || om != 0) {
		/* Not seen in real logs (always +0000), but not wrong either. */
		mins = day_from_civil(y, m, d) * 1440 + hh * 60 + mi;
		mins -= (p[22] == '+' ? 1 : -1) * (oh * 60 + om);
		day_to_civil(mins >= 0 ? mins / 1440 : -((-mins + 1439) / 1440),
		    &y, &m, &d);
		mins -= day_from_civil(y, m, d) * 1440;
		hh = (int)(mins / 60);
		mi = (int)(mins % 60);
		if (y < 1 || y > 9999)
			return -1;
	}
	put2(out, (int)(y / 100));
	put2(out + 2, (int)(y % 100));
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, hh);
	out[13] = ':';
	put2(out + 14, mi);
	out[16] = ':';
	put2(out + 17, ss);
	out[19] = 'Z';
	out[20] = '\0';
	return 0;
}

/* Whether p starts a "[dd/Mon/yyyy:HH:MM:SS " stamp (for splices). */
static int
isstamp(const char *p, const char *e)
{
	return e - p >= 22 && p[0] == '[' && isdig((unsigned char)p[1]) &&
	    isdig((unsigned char)p[2]) && p[3] == '/' && monthno(p + 4) &&
	    p[7] == '/' && num2(p + 8) >= 0 && num2(p + 10) >= 0 &&
	    p[12] == ':' && num2(p + 13) >= 0 && p[15] == ':' &&
	    num2(p + 16) >= 0 && p[18] == ':' && num2(p + 19) >= 0 &&
	    p[21] == ' ';
}

/* How many "[dd/Mon/yyyy:..." time stamps lie in [p, e). */
static int
nstamps(const char *p, const char *e)
{
	int n = 0;

	while ((p = memchr(p, '[', (size_t)(e - p))) != NULL) {
		if (isstamp(p, e))
			n++;
		p++;
	}
	return n;
}

/*
 * The six fields after the Request-URI: status error bytes size total
 * turnaround, then the start of the Referer.  p is just after the closing
 * quote (or the bare "-").  Returns LOGLINE_OK with *refp set, NOTCAND if
 * this cannot be the end of the Request-URI, or a reason.
 */
static int
midfields(struct logline *ll, const char *p, const char *e, const char **refp)
{
	const char *t;
	int i;

	if (p == e)
		return LOGLINE_EFEW;
	if (*p != ' ')
		return NOTCAND;
	p = skipsp(p, e);
	if (p == e)
		return LOGLINE_EFEW;
	if (e - p >= 4 && isdig((unsigned char)p[0]) &&
	    isdig((unsigned char)p[1]) && isdig((unsigned char)p[2]) &&
	    p[3] == ' ') {
		ll->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 +
		    (p[2] - '0');
		t = p + 3;
	} else if (e - p == 3 && isdig((unsigned char)p[0]) &&
	    isdig((unsigned char)p[1]) && isdig((unsigned char)p[2]))
		return LOGLINE_EFEW;
	else if (isdash(p, e)) {
		ll->status = -1;
		t = p + 1;
	} else
		return LOGLINE_ESTATUS;
	setbare(ll, LL_HTTP_STATUS, p, t);
	p = skipsp(t, e);
	if (p == e)
		return LOGLINE_EFEW;
	t = tokend(p, e);
	if (memchr(p, '"', (size_t)(t - p)) != NULL)
		return NOTCAND;
	setbare(ll, LL_ERROR_CODE, p, t);
	for (i = LL_BYTES_SENT; i <= LL_TURNAROUND_TIME; i++) {
		p = skipsp(t, e);
		if (p == e)
			return LOGLINE_EFEW;
		t = tokend(p, e);
		if (!isnum(p, t))
			return LOGLINE_ENUM;
		setbare(ll, i, p, t);
	}
	p = skipsp(t, e);
	if (p == e)
		return LOGLINE_EFEW;
	*refp = p;
	return LOGLINE_OK;
}

/*
 * Fields 18 (Version Id) to 27 and the extra: p is just after the
 * User-Agent.  They are bare tokens that never hold a quote, which is what
 * tells a real end of the User-Agent from a quote inside it.
 */
static int
tail(struct logline *ll, const char *p, const char *e)
{
	const char *ts[11], *te[11];
	int n, i, max = 10;

	if (p < e && *p != ' ')
		return NOTCAND;
	for (n = 0; n < max; n++) {
		p = skipsp(p, e);
		if (p == e)
			break;
		ts[n] = p;
		p = spaceorquote(p, e);
		if (p < e && *p == '"')
			return NOTCAND;
		te[n] = p;
		if (n == 3 && !issigv(ts[2], te[2])) {
			/*
			 * One token too many before the signature version
			 * (a real 2019 line): it belongs to the Host Id, as
			 * NCBI reads it.  Anything else is a shift.
			 */
			if (!issigv(ts[3], te[3]))
				return LOGLINE_ESHIFT;
			te[1] = te[2];
			ts[2] = ts[3];
			te[2] = te[3];
			n--;
		}
	}
	if (n == 0)
		return LOGLINE_EFEW;
	if (n == 3 && !issigv(ts[2], te[2]))
		return LOGLINE_ESHIFT;
	for (i = 0; i < n; i++)
		setbare(ll, LL_VERSION_ID + i, ts[i], te[i]);
	for (; i < 10; i++) {
		ll->f[LL_VERSION_ID + i].p = NULL;
		ll->f[LL_VERSION_ID + i].n = 0;
	}
	ll->nfields = LL_VERSION_ID + n;
	p = skipsp(p, e);
	if (p < e) {
		ll->extra.p = p;
		ll->extra.n = (size_t)(e - p);
		ll->nfields++;
	} else {
		ll->extra.p = NULL;
		ll->extra.n = 0;
	}
	return LOGLINE_OK;
}

/* The User-Agent and the tail; p is at the start of the User-Agent. */
static int
useragent(struct logline *ll, const char *p, const char *e)
{
	const char *q;
	int rc, best = LOGLINE_EQUOTE;

	if (isdash(p, e)) {
		ll->f[LL_USER_AGENT].p = NULL;
		ll->f[LL_USER_AGENT].n = 1;
		rc = tail(ll, p + 1, e);
		return rc == NOTCAND ? LOGLINE_EQUOTE : rc;
	}
	if (*p != '"')
		return LOGLINE_EQUOTE;
	for (q = p + 1; (q = memchr(q, '"', (size_t)(e - q))) != NULL; q++) {
		rc = tail(ll, q + 1, e);
		if (rc == LOGLINE_OK) {
			setquoted(ll, LL_USER_AGENT, p + 1, q);
			return rc;
		}
		if (rc != NOTCAND && best == LOGLINE_EQUOTE)
			best = rc;
	}
	return best;
}

/* Referer, User-Agent and the tail; p is at the start of the Referer. */
static int
referer(struct logline *ll, const char *p, const char *e)
{
	const char *q, *r;
	int rc, best = LOGLINE_EQUOTE, tries = 0;

	if (isdash(p, e)) {
		ll->f[LL_REFERER].p = NULL;
		ll->f[LL_REFERER].n = 1;
		p = skipsp(p + 1, e);
		if (p == e)
			return LOGLINE_EFEW;
		return useragent(ll, p, e);
	}
	if (*p != '"')
		return LOGLINE_EQUOTE;
	for (q = p + 1; (q = memchr(q, '"', (size_t)(e - q))) != NULL; q++) {
		if (q + 1 == e) {
			best = LOGLINE_EFEW;
			break;
		}
		if (q[1] != ' ')
			continue;
		r = skipsp(q + 1, e);
		if (r == e) {
			best = LOGLINE_EFEW;
			break;
		}
		if (*r != '"' && !isdash(r, e))
			continue;
		rc = useragent(ll, r, e);
		if (rc == LOGLINE_OK) {
			setquoted(ll, LL_REFERER, p + 1, q);
			return rc;
		}
		if (tries++ == 0)
			best = rc;
		if (tries == REFERER_TRIES)
			break;
	}
	return best;
}

/* The fields of one line into ll; *tpos gets where the time stamp is. */
static int
parse(struct logline *ll, const char *line, const char *e, const char **tpos)
{
	const char *p = line, *t, *q, *ref;
	int i, rc, best;

	for (i = LL_BUCKET_OWNER; i <= LL_BUCKET; i++) {
		p = skipsp(p, e);
		if (p == e)
			return LOGLINE_EFEW;
		t = tokend(p, e);
		setbare(ll, i, p, t);
		p = t;
	}
	p = skipsp(p, e);
	if (p == e)
		return LOGLINE_EFEW;
	*tpos = p;
	if (e - p < 28 || *p != '[' || p[27] != ']' ||
	    (e - p > 28 && p[28] != ' ') || parsetime(ll->time, p) == -1)
		return LOGLINE_ETIME;
	ll->f[LL_TIME].p = ll->time;
	ll->f[LL_TIME].n = 20;
	p += 28;
	for (i = LL_REMOTE_IP; i <= LL_KEY; i++) {
		p = skipsp(p, e);
		if (p == e)
			return LOGLINE_EFEW;
		t = tokend(p, e);
		if (i == LL_OPERATION && !isop(p, t))
			return LOGLINE_EOP;
		setbare(ll, i, p, t);
		p = t;
	}

	p = skipsp(p, e);
	if (p == e)
		return LOGLINE_EFEW;
	if (isdash(p, e)) {
		ll->f[LL_REQUEST_URI].p = NULL;
		ll->f[LL_REQUEST_URI].n = 1;
		rc = midfields(ll, p + 1, e, &ref);
		if (rc != LOGLINE_OK)
			return rc == NOTCAND ? LOGLINE_EURI : rc;
	} else if (*p == '"') {
		/*
		 * The first quote followed by a status and five plausible
		 * fields closes the Request-URI; earlier ones are inside it.
		 */
		best = LOGLINE_EURI;
		for (q = p + 1; (q = memchr(q, '"', (size_t)(e - q))) != NULL;
		    q++) {
			rc = midfields(ll, q + 1, e, &ref);
			if (rc == LOGLINE_OK)
				break;
			if (rc != NOTCAND && best == LOGLINE_EURI)
				best = rc;
		}
		if (q == NULL)
			return best;
		setquoted(ll, LL_REQUEST_URI, p + 1, q);
	} else
		return LOGLINE_EURI;
	return referer(ll, ref, e);
}

/*
 * Whether no byte of p needs escaping: no \\ TAB LF CR NUL, all ASCII.
 * This runs over every byte of every line, so it is vectorised: with
 * SSE2 (all x86-64), a signed "< 0x0E" flags both the control bytes and
 * the bytes >= 0x80 in one compare; elsewhere an 8-byte SWAR test.
 * Other control bytes (1-8, 11, 12) are flagged too: they only send the
 * line down the slower per-byte path, which copies them unchanged.
 */
static int
isclean(const char *p, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i lim = _mm_set1_epi8(0x0E), bs = _mm_set1_epi8('\\');
	__m128i acc = _mm_setzero_si128(), v;

	for (; i + 16 <= n; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		acc = _mm_or_si128(acc, _mm_or_si128(_mm_cmplt_epi8(v, lim),
		    _mm_cmpeq_epi8(v, bs)));
	}
	if (_mm_movemask_epi8(acc) != 0)
		return 0;
#else
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t v, x, acc = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		x = v ^ (ones * '\\');
		/* bytes < 0x0E, bytes >= 0x80, bytes == '\\' */
		acc |= ((v - ones * 0x0E) | v | ((x - ones) & ~x)) & highs;
	}
	if (acc != 0)
		return 0;
#endif
	for (; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x0E || c >= 0x80 || c == '\\')
			return 0;
	}
	return 1;
}

int
logline_parse(struct logline *ll, const char *line, size_t len)
{
	XXH128_hash_t h;
	XXH128_canonical_t c;
	const char *e, *tpos;
	int rc;

	/* CRLF: the CR belongs to the terminator, not to the line or hash. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	h = XXH3_128bits(line, len);
	XXH128_canonicalFromHash(&c, h);
	memcpy(ll->hash, c.digest, sizeof(ll->hash));
	e = line + len;
	while (e > line && e[-1] == ' ')
		e--;
	ll->clean = isclean(line, (size_t)(e - line));
	ll->status = -1;
	tpos = line;
	rc = parse(ll, line, e, &tpos);
	/*
	 * A second time stamp means two records on one line (a real NCBI
	 * line): say so, and never let one through, even if it happened to
	 * fit the field layout.
	 */
	if (tpos < e && nstamps(tpos + 1, e) > 0)
		rc = LOGLINE_ESPLICE;
	return rc;
}

/* U+10FF00 + b, in UTF-8: the escape for a byte that is not UTF-8. */
static char *
escbyte(char *d, unsigned char b)
{
	d[0] = (char)0xF4;
	d[1] = (char)0x8F;
	d[2] = (char)(0xBC + (b >> 6));
	d[3] = (char)(0x80 + (b & 0x3F));
	return d + 4;
}

size_t
logline_escape(char *buf, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *d = buf;
	size_t i, k;

	for (i = 0; i < n;) {
		unsigned char c = p[i];

		if (c < 0x80) {
			switch (c) {
			case '\\':
				*d++ = '\\';
				*d++ = '\\';
				break;
			case '\t':
				*d++ = '\\';
				*d++ = 't';
				break;
			case '\n':
				*d++ = '\\';
				*d++ = 'n';
				break;
			case '\r':
				*d++ = '\\';
				*d++ = 'r';
				break;
			case '\0':
				d = escbyte(d, c);
				break;
			default:
				*d++ = (char)c;
			}
			i++;
			continue;
		}
		k = utf8_len(p + i, n - i);
		if (k == 0) {
			d = escbyte(d, c);
			i++;
		} else if (k == 4 && c == 0xF4 && p[i + 1] == 0x8F &&
		    p[i + 2] >= 0xBC) {
			/* Our own escape range: escape it, so decoding is exact. */
			for (; k > 0; k--)
				d = escbyte(d, p[i++]);
		} else {
			memcpy(d, p + i, k);
			d += k;
			i += k;
		}
	}
	return (size_t)(d - buf);
}

size_t
logline_copy(char *buf, const struct logline *ll)
{
	static const char hex[] = "0123456789abcdef";
	char *d = buf;
	int i;

	for (i = 0; i < 16; i++) {
		*d++ = hex[ll->hash[i] >> 4];
		*d++ = hex[ll->hash[i] & 15];
	}
	for (i = 0; i <= LOGLINE_NFIELDS; i++) {
		const struct logline_span *s = i < LOGLINE_NFIELDS ?
		    &ll->f[i] : &ll->extra;

		*d++ = '\t';
		if (s->p == NULL) {
			*d++ = '\\';
			*d++ = 'N';
		} else if (ll->clean || i == LL_TIME) {
			memcpy(d, s->p, s->n);
			d += s->n;
		} else
			d += logline_escape(d, s->p, s->n);
	}
	*d++ = '\n';
	return (size_t)(d - buf);
}
