/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_LOGLINE_H
#define S3LOGS_LOGLINE_H

#include <stddef.h>

/*
 * The S3 server access log line parser.  It depends on libc and xxHash
 * only (and lib/day.c, lib/utf8.c, which do too), so that it can be fuzzed
 * on its own (fuzz/logline_fuzz.c).
 *
 * A record is split into the 27 documented fields plus "extra" (field 28
 * and later, verbatim).  The rules, and why, are in logparse(1); in short:
 * fields are separated by runs of spaces, the time is a fixed
 * [dd/Mon/yyyy:HH:MM:SS +hhmm] field, and the three quoted fields
 * (Request-URI, Referer, User-Agent) are closed not by the next quote
 * (S3 never escapes quotes) but by the first quote after which the rest of
 * the line parses: for the Request-URI, a status and five numeric or bare
 * fields; for the User-Agent, quote-free tail fields whose signature
 * version sits where it belongs.  A line that does not fit is rejected
 * with a reason; a row is never emitted with shifted columns.
 */

/* Field indexes into struct logline.f, in log (and output) order. */
enum logline_field {
	LL_BUCKET_OWNER, LL_BUCKET, LL_TIME, LL_REMOTE_IP, LL_REQUESTER,
	LL_REQUEST_ID, LL_OPERATION, LL_KEY, LL_REQUEST_URI, LL_HTTP_STATUS,
	LL_ERROR_CODE, LL_BYTES_SENT, LL_OBJECT_SIZE, LL_TOTAL_TIME,
	LL_TURNAROUND_TIME, LL_REFERER, LL_USER_AGENT, LL_VERSION_ID,
	LL_HOST_ID, LL_SIGNATURE_VERSION, LL_CIPHER_SUITE, LL_AUTH_TYPE,
	LL_HOST_HEADER, LL_TLS_VERSION, LL_ACCESS_POINT_ARN, LL_ACL_REQUIRED,
	LL_SOURCE_REGION,
	LOGLINE_NFIELDS
};

/* Output columns: line_hash, the 27 fields, extra. */
#define LOGLINE_NCOLUMNS	(LOGLINE_NFIELDS + 2)

/* Reasons for rejecting a line (logline_parse's return value). */
enum logline_status {
	LOGLINE_OK,
	LOGLINE_EFEW,		/* ends before field 18 (Version Id) */
	LOGLINE_ETIME,		/* field 3 is not a valid time */
	LOGLINE_EOP,		/* operation is not WORD.WORD[.WORD...] */
	LOGLINE_EURI,		/* Request-URI: unclosed, or not "..." or - */
	LOGLINE_ESTATUS,	/* HTTP status not 3 digits or - */
	LOGLINE_ENUM,		/* bytes/size/times not digits (< 2^63) or - */
	LOGLINE_EQUOTE,		/* Referer/User-Agent: unclosed or not "..." or - */
	LOGLINE_ESHIFT,		/* no signature version where one belongs */
	LOGLINE_ESPLICE,	/* a second [dd/Mon/yyyy:...] stamp: two records */
	LOGLINE_NSTATUS
};

/* A field value: p == NULL means absent (-, "-" or ""), written \N. */
struct logline_span {
	const char	*p;
	size_t		 n;
};

struct logline {
	/* Values point into the caller's line; quotes are not included. */
	struct logline_span f[LOGLINE_NFIELDS];
	struct logline_span extra;	/* field 28 onward, verbatim */
	char		 time[21];	/* "2024-01-05T02:56:06Z", NUL-terminated */
	unsigned char	 hash[16];	/* XXH3-128, canonical (big-endian) */
	int		 nfields;	/* fields present: 18..27, 28 with extra */
	int		 status;	/* HTTP status, or -1 for - */
	int		 clean;		/* no byte needs escaping or UTF-8 repair */
};

/*
 * Parse one line (without its "\n"; a trailing "\r" is dropped, as are
 * trailing spaces).  The line is only read; ll's spans point into it and
 * stay valid as long as the line does.  ll->hash is the XXH3-128 of the
 * line without the "\r", computed whatever the outcome.
 * Returns LOGLINE_OK, or a reason (enum logline_status) with ll's fields
 * unspecified.  Never allocates, never fails otherwise.
 */
int	 logline_parse(struct logline *ll, const char *line, size_t len);

/* A short, stable English text for a reason, e.g. "bad time". */
const char *logline_strerror(int status);

/* The output column names, in order ("line_hash" ... "extra"). */
extern const char *const logline_columns[LOGLINE_NCOLUMNS];

/*
 * Bytes logline_copy may write for a line of len bytes: every input byte
 * becomes at most 4 output bytes (see logline_copy).
 */
#define LOGLINE_COPYMAX(len)	(4 * (size_t)(len) + 256)

/*
 * Format a parsed line as one PostgreSQL COPY text row, "\n" included,
 * into buf, which must hold LOGLINE_COPYMAX(len of the parsed line)
 * bytes.  Returns the number of bytes written (no NUL is added).
 * Escaping: "\\", TAB, LF and CR become \\ \t \n \r; absent values \N.
 * Bytes that are not valid UTF-8, and NUL, become the code point
 * U+10FF00 + byte (4 bytes, plane-16 private use); a valid U+10FF00..
 * U+10FFFF in the input is escaped the same way byte by byte, so the
 * mapping is reversible and its output is always valid UTF-8.
 */
size_t	 logline_copy(char *buf, const struct logline *ll);

/*
 * Escape n bytes of p as logline_copy does for one value (without \N
 * handling).  buf must hold 4 * n bytes.  Returns the bytes written.
 */
size_t	 logline_escape(char *buf, const char *p, size_t n);

/*
 * Output column indexes (logline_columns[], the COPY rows): line_hash
 * first, then field LL_x at LOGLINE_COL(LL_x), then extra.
 */
#define LOGLINE_COL_HASH	0
#define LOGLINE_COL(field)	((field) + 1)
#define LOGLINE_COL_EXTRA	(LOGLINE_NFIELDS + 1)

#endif
