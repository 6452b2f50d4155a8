/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_SIGV4_H
#define S3LOGS_SIGV4_H

#include <stddef.h>
#include <time.h>

/*
 * AWS Signature Version 4, done in-house with libcrypto so that the
 * canonical form is ours to get right (libcurl 7.88's CURLOPT_AWS_SIGV4
 * neither sorts nor re-encodes the query, see the reference notes).
 * Nothing here allocates except where a function returns a string, which
 * the caller frees; nothing prints or exits (but x*alloc).
 */

/* SHA-256 of an empty payload, the x-amz-content-sha256 of a GET. */
#define SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sigv4_param {
	const char	*name;		/* raw, not encoded */
	const char	*value;		/* raw; NULL for a valueless one ("uploads") */
};

struct sigv4_header {
	const char	*name;		/* any case; signed lower-cased */
	const char	*value;		/* trimmed, inner runs of spaces folded */
};

struct sigv4_req {
	const char	*method;
	const char	*path;		/* raw (decoded) absolute path, "/bucket/key" */
	const struct sigv4_param *query;
	size_t		 nquery;
	const struct sigv4_header *headers;	/* every one is signed; must */
	size_t		 nheaders;		/* include host and x-amz-date */
	const char	*payload_hash;	/* hex SHA-256 or "UNSIGNED-PAYLOAD" */
	const char	*region;
	const char	*service;	/* "s3" */
	const char	*access_key;
	const char	*secret_key;
	time_t		 when;		/* the instant in x-amz-date */
};

/*
 * RFC 3986 percent-encoding as SigV4 wants it: every byte but
 * A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex); '/' is kept when
 * keep_slash (paths) and encoded otherwise (query names and values).
 * Returns a new string.
 */
char	*sigv4_encode(const char *s, size_t len, int keep_slash);

/*
 * The canonical query string: names and values encoded as above, sorted
 * by name then value, valueless parameters written "name=".  The same
 * string is used in the URL so that what is signed is what is sent.
 * Returns a new string ("" for no parameters).
 */
char	*sigv4_query(const struct sigv4_param *, size_t);

/* "YYYYMMDDTHHMMSSZ" for when, into buf[17]. */
void	 sigv4_amzdate(time_t when, char buf[17]);

/* Lower-case hex SHA-256 of n bytes into hex[65]. */
void	 sigv4_sha256_hex(const void *p, size_t n, char hex[65]);

/*
 * The Authorization header value for r.  If canonp is not NULL, the
 * canonical request is returned there too (new string, for tests and -v;
 * it contains no secret).  Returns a new string.
 */
char	*sigv4_authorization(const struct sigv4_req *r, char **canonp);

#endif
