/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_S3_H
#define S3LOGS_S3_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "sigv4.h"
#include "trace.h"

/*
 * The S3 client shared by s3ls, s3cat and s3put: configuration the way the
 * AWS CLI resolves it, request building and signing (sigv4.h), a blocking
 * request with bounded retries, and error decoding.  It knows buckets and
 * keys, nothing about what is in them.  Nothing here prints or exits (but
 * x*alloc): failures come back as -1 and a message in the caller's err
 * buffer; -v tracing goes through cfg.trace, which the program supplies.
 * Secrets never appear in traces or messages.
 */

#define S3_ERRLEN	512

/* printf(3) into a new string; never NULL (dies like x*alloc). */
char	*s3_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct s3_config {
	char	*access_key;	/* NULL when anonymous */
	char	*secret_key;
	char	*session_token;	/* NULL unless temporary credentials */
	time_t	 expiration;	/* of temporary credentials; 0: none */
	char	*region;	/* configured, or us-east-1 */
	char	*scheme;	/* "http" or "https" */
	char	*host;		/* host[:port] of the endpoint, as sent in Host */
	int	 aws_endpoint;	/* no endpoint configured: s3.REGION.amazonaws.com,
				   following the bucket's region */
	int	 ip_or_local;	/* endpoint is an IP or localhost: path style */
	int	 addressing;	/* S3_ADDR_AUTO, _PATH, _VIRTUAL */
	char	*ca_bundle;	/* NULL: the system store */
	char	*cred_source;	/* "environment", "web identity", ... */
	char	*profile;	/* the profile and shared files, kept for */
	char	*cred_file;	/* renewing temporary credentials */
	char	*conf_file;
	int	 anonymous;
	int	 retries;	/* extra attempts after the first */
	long	 stall_secs;	/* a transfer below 1 B/s this long is dead */
	trace_fn *trace;	/* -v: NULL, or the sink (trace.h) */
};

#define S3_ADDR_AUTO	0
#define S3_ADDR_PATH	1
#define S3_ADDR_VIRTUAL	2

/*
 * Fill c from the environment and the shared files, in the AWS CLI's order
 * (see s3ls(1) ENVIRONMENT; credentials from creds.h).  anonymous skips
 * credentials.  Returns 0; -1 with err set for a configuration error (no
 * credentials, bad endpoint URL, bad S3LOGS_RETRIES): exit 2; or -2 with
 * err set when a configured credential source failed or refused (exit 1).
 */
int	 s3_config_load(struct s3_config *c, int anonymous, char *err,
	    size_t errlen);
void	 s3_config_free(struct s3_config *c);

/*
 * Renew temporary credentials that expire within ten minutes, from the
 * same source.  Returns 0 (also when renewal failed but the old ones are
 * still valid), or -1 with err set when they have expired and could not
 * be renewed.
 */
int	 s3_config_refresh(struct s3_config *c, char *err, size_t errlen);

/*
 * The region to sign requests for bucket with: the one learnt from a
 * redirect earlier in this process, else the pointer c->region itself.
 */
const char *s3_bucket_region(const struct s3_config *c, const char *bucket);

/*
 * Split "s3://bucket/key" into new strings *bucketp and *keyp (key may be
 * "" for "s3://bucket" and "s3://bucket/").  Returns 0, or -1 if s is not
 * an s3:// URL with a non-empty bucket.
 */
int	 s3_url_split(const char *s, char **bucketp, char **keyp);

#define S3_MAXQUERY	8
#define S3_MAXHDR	12

/* One request, described before signing. */
struct s3_request {
	const char	*method;
	const char	*bucket;
	const char	*key;		/* NULL or "" for the bucket itself */
	struct sigv4_param query[S3_MAXQUERY];
	size_t		 nquery;
	struct sigv4_header hdr[S3_MAXHDR];	/* extra headers, all signed */
	size_t		 nhdr;
	const char	*payload_hash;	/* NULL: SHA-256 of the empty string */
};

/* Append a query parameter / header; the strings must outlive r. */
void	 s3_req_query(struct s3_request *r, const char *name, const char *value);
void	 s3_req_header(struct s3_request *r, const char *name, const char *value);

/*
 * The URL and the header list (signed now, unless anonymous) for r.
 * *urlp is a new string, *hdrp a new curl_slist (curl_slist_free_all).
 */
void	 s3_prepare(const struct s3_config *c, const struct s3_request *r,
	    char **urlp, struct curl_slist **hdrp);

/*
 * Options every handle gets: TLS verification with AWS_CA_BUNDLE, timeouts
 * (connect 10 s, stall detection), no signals, no dot-segment squashing
 * (keys may contain "/./"), TCP_NODELAY.
 */
void	 s3_easy_setup(const struct s3_config *c, CURL *h);

/*
 * Whether a failed attempt may succeed if repeated: what retry_curl and
 * retry_status (retry.h) say, and the S3 codes SlowDown, RequestTimeout,
 * InternalError.  Never other 4xx.
 */
int	 s3_retryable(CURLcode cc, long status, const char *code);

/* Milliseconds to sleep before retry number attempt (1, 2, ...): full
 * jitter over an exponential ceiling, base * 2^attempt capped at 20 s,
 * where base is 100 ms, or 500 ms with AWS_RETRY_MODE standard/adaptive
 * (process-wide, set by s3_config_load). */
long	 s3_backoff_ms(int attempt);

/*
 * The message for a failed response: "404 NoSuchKey" from the XML body's
 * <Code>, or "404 Not Found" from the status alone.  *codep gets the code
 * (new string, or NULL).
 */
void	 s3_http_error(long status, const char *body, size_t n, char *err,
	    size_t errlen, char **codep);

/*
 * The message for a failed transfer: curl's error buffer cerr (or the
 * code's text), with a hint when the server's certificate was refused.
 */
void	 s3_curl_error(CURLcode cc, const char *cerr, char *err,
	    size_t errlen);

/* A request body for s3_perform: memory, or a range of a file. */
struct s3_body {
	const char	*mem;	/* if not NULL, len bytes here */
	int		 fd;	/* else len bytes from fd at off (pread) */
	off_t		 off;
	long long	 len;
};

/*
 * The largest response body s3_perform keeps.  Bodies are XML answers: a
 * listing page of 1000 keys is a few MB at most, so a larger one is a
 * broken or hostile server, and the request fails (not retried).
 */
#define S3_MAXBODY	(16 * 1024 * 1024)

struct s3_response {
	long		 status;
	char		 etag[80];	/* ETag header, quotes kept */
	long long	 clen;		/* Content-Length header, -1 if none */
	char		 region[32];	/* x-amz-bucket-region header */
	struct buf	 body;		/* the whole body S3_MAXBODY at most */
};

/* A handle for blocking requests; connections are reused across calls. */
struct s3_client {
	struct s3_config *cfg;
	CURL		*h;
};

void	 s3_client_init(struct s3_client *, struct s3_config *);
void	 s3_client_free(struct s3_client *);

/*
 * Send r (with body, or none if NULL), retrying what s3_retryable allows
 * up to cfg->retries times with s3_backoff_ms sleeps; each attempt is
 * signed afresh.  resp (zeroed by the caller, body freed by the caller)
 * gets the final answer.  Returns 0 on a 2xx, -1 otherwise with err set
 * ("403 AccessDenied", curl's text, or "response body larger than 16 MiB").
 */
int	 s3_perform(struct s3_client *cl, const struct s3_request *r,
	    const struct s3_body *body, struct s3_response *resp, char *err,
	    size_t errlen);

/*
 * After a failed response to a request for bucket: whether it says that
 * the bucket is in another region (301 PermanentRedirect, or 400
 * AuthorizationHeaderMalformed; the region from the x-amz-bucket-region
 * header hdr_region, else <Region> in the XML body, else from a HEAD of
 * the bucket).  Then the region is remembered for the process (see
 * s3_bucket_region) and 1 is returned: send the request again, signed
 * anew.  Otherwise 0.  code is the error's <Code>, or NULL.
 */
int	 s3_region_redirect(struct s3_client *cl, const char *bucket,
	    long status, const char *code, const char *hdr_region,
	    const char *body, size_t n);

#endif
