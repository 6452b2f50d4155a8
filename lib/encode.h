/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_ENCODE_H
#define S3LOGS_ENCODE_H

#include <stddef.h>

/*
 * A client for the ENCODE portal's /search/ endpoint: one libcurl handle,
 * a rate limiter, and a yajl push parser fed straight from the curl write
 * callback, so that a limit=all answer of any size is parsed as it arrives
 * and memory stays bounded by the largest single value, never by the
 * response.  The parser hands every scalar of every @graph hit to a sink
 * as (dotted path, value); the caller decides what to keep.  Knows nothing
 * of PostgreSQL or S3.
 */

struct encode;

/* The kind of a scalar handed to enc_sink.leaf. */
enum enc_kind {
	ENC_NULL,
	ENC_BOOL,	/* value "t" or "f" */
	ENC_NUMBER,	/* the number's text exactly as sent (no rounding) */
	ENC_STRING	/* unescaped UTF-8, not NUL-terminated */
};

/*
 * Callbacks for one request.  begin() is called once the answer is known
 * to carry hits (HTTP 200 or 404 with a JSON body): an attempt that is
 * retried calls it again, so the sink must drop what it got before.
 * leaf() gets each scalar inside a hit: path is the dotted key path from
 * the hit ("lab.name"; array elements take their array's path and
 * inarray = 1).  hit() is called at the end of each hit.  Any callback
 * returning -1 aborts the request with ENC_FAIL and the sink's message,
 * which it writes into err (size errlen) of enc_search.
 */
struct enc_sink {
	int	(*begin)(void *arg);
	int	(*leaf)(void *arg, const char *path, int inarray,
		    enum enc_kind kind, const char *val, size_t len);
	int	(*hit)(void *arg);
	void	*arg;
};

/* The outcome of one request. */
enum enc_status {
	ENC_OK,		/* complete: parsed to the end, hits == total */
	ENC_EMPTY,	/* 404 "No results found": an empty range */
	ENC_RETRY,	/* transient: 5xx, 429, reset, timeout, cut-off or short stream */
	ENC_FAIL	/* permanent: other HTTP status, a sink error */
};

/*
 * Open a client for base (e.g. "https://www.encodeproject.org", no
 * trailing path).  At most maxrate requests per second are started
 * (maxrate > 0).  Credentials: when user is not NULL, requests carry HTTP
 * basic auth user:pass (the portal's access keys); they are never put in
 * an error message.  Returns NULL and fills err on failure.  Strings are
 * copied.
 */
struct encode *enc_open(const char *base, double maxrate, const char *user,
	    const char *pass, char *err, size_t errlen);

/* Release everything; NULL is a no-op. */
void	enc_close(struct encode *);

/*
 * GET base + "/search/?" + query (already URL-encoded by the caller),
 * with Accept: application/json, redirects followed, a connect timeout, a
 * stall timeout (no byte for 120 s) and the limits of enc_setlimits().
 * With expect_all the answer is complete only when the number of hits
 * equals "total" (which the portal sends after @graph, so this also
 * proves the stream was not cut off); otherwise (limit=N probes) hits must be min(N, total) where N is
 * whatever the caller asked: only a parse to the end and a total are
 * required.  *total and *hits get the counts seen (0 when unknown).  On
 * anything but ENC_OK/ENC_EMPTY err holds a one-line reason naming the
 * HTTP status or curl error.
 */
enum enc_status enc_search(struct encode *, const char *query, int expect_all,
	    const struct enc_sink *, long long *total, long long *hits,
	    char *err, size_t errlen);

/*
 * Limits for the requests that follow: timeout seconds per request, from
 * connecting to the last byte (0: none; a stall of 120 s always aborts),
 * and the longest single JSON token (string, number or literal) in
 * bytes, 0 for the default of 4 MiB.  A longer token makes the request
 * fail (ENC_FAIL) without buffering the rest of it: memory is bounded by
 * a few times maxvalue.  A timeout is ENC_RETRY.
 */
void	enc_setlimits(struct encode *, long timeout, size_t maxvalue);

/*
 * Parse body, a whole /search/ answer with HTTP status 200, exactly as
 * enc_search() parses a response, handed to the parser in pieces of
 * piece bytes as curl would: the same sink calls, status and err, with
 * no network (tests and fuzzing).  maxvalue as for enc_setlimits().
 */
enum enc_status enc_parse(const char *body, size_t len, size_t piece,
	    size_t maxvalue, int expect_all, const struct enc_sink *,
	    long long *total, long long *hits, char *err, size_t errlen);

/*
 * Percent-encode s for a query string value into a new string (caller
 * frees).  Never NULL (x*alloc).
 */
char	*enc_escape(const char *s);

#endif
