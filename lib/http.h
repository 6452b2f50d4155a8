/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_HTTP_H
#define S3LOGS_HTTP_H

#include <stddef.h>

/*
 * Response header lines as curl's CURLOPT_HEADERFUNCTION hands them: one
 * line at a time, CRLF included, not NUL-terminated.  Only reads the line.
 */

/* What a header line is. */
enum http_line {
	HTTP_STATUS,	/* "HTTP/1.1 200 OK": a new response begins */
	HTTP_FIELD,	/* "Name: value" */
	HTTP_END,	/* the empty line that ends the headers */
	HTTP_OTHER	/* anything else (a folded line, junk) */
};

struct http_header {
	long		 status;	/* HTTP_STATUS: the code, 0 if none */
	const char	*name;		/* HTTP_FIELD: the name, before ':' */
	size_t		 namelen;
	const char	*value;		/* blanks before and CR/LF after cut */
	size_t		 len;
};

/*
 * Classify the n bytes at p and fill h for HTTP_STATUS and HTTP_FIELD
 * (its pointers point into p).  Returns the enum http_line.
 */
int	 http_header(const char *p, size_t n, struct http_header *h);

/* Whether field h is named name (ASCII case ignored). */
int	 http_header_is(const struct http_header *h, const char *name);

/* The value of field h read by strtoll(3) in base 10 (0 if no number). */
long long http_header_num(const struct http_header *h);

#endif
