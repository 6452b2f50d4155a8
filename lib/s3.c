/* See LICENSE file for copyright and license details. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "awsconf.h"
#include "creds.h"
#include "http.h"
#include "retry.h"
#include "s3.h"
#include "s3xml.h"
#include "sigv4.h"
#include "trace.h"
#include "util.h"

char *
s3_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		errno = ENOMEM;
		xmalloc(SIZE_MAX);	/* dies with the usual message */
	}
	return s;
}

/* The file named by environment variable env, else ~/rel. */
static char *
homefile(const char *env, const char *rel)
{
	const char *h;
	char *p;

	if ((p = env_dup(env)) != NULL)
		return p;
	if ((h = getenv("HOME")) == NULL)
		return NULL;
	return s3_fmt("%s/%s", h, rel);
}

/*
 * An IP literal or localhost cannot carry a bucket as a DNS label, so such
 * endpoints are addressed path-style.
 */
static int
is_ip_or_local(const char *host)
{
	const char *p;
	size_t n;

	if (host[0] == '[')
		return 1;
	n = strcspn(host, ":");
	if ((n == 9 && strncmp(host, "localhost", 9) == 0))
		return 1;
	for (p = host; p < host + n; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return 0;
	return 1;
}

/* Scheme and host[:port] of an endpoint URL into c: 0, or -1 with err set. */
static int
parse_endpoint(struct s3_config *c, const char *url, char *err, size_t errlen)
{
	const char *p, *h;
	size_t n;

	if (strncmp(url, "https://", 8) == 0) {
		c->scheme = xstrdup("https");
		h = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		c->scheme = xstrdup("http");
		h = url + 7;
	} else {
		snprintf(err, errlen, "endpoint URL %s: not http:// or https://",
		    url);
		return -1;
	}
	n = strcspn(h, "/?#");
	if (n == 0) {
		snprintf(err, errlen, "endpoint URL %s: no host", url);
		return -1;
	}
	for (p = h + n; *p == '/'; p++)
		;
	if (*p != '\0') {
		snprintf(err, errlen, "endpoint URL %s: a path is not supported",
		    url);
		return -1;
	}
	c->host = xstrndup(h, n);
	/* Drop a default port: the Host header must be what curl sends. */
	n = strlen(c->host);
	if ((strcmp(c->scheme, "http") == 0 && n > 3 &&
	    strcmp(c->host + n - 3, ":80") == 0) ||
	    (strcmp(c->scheme, "https") == 0 && n > 4 &&
	    strcmp(c->host + n - 4, ":443") == 0))
		*strrchr(c->host, ':') = '\0';
	c->ip_or_local = is_ip_or_local(c->host);
	return 0;
}

/*
 * The retry settings the AWS CLI reads: AWS_MAX_ATTEMPTS (max_attempts in
 * the profile) counts the first attempt; AWS_RETRY_MODE (retry_mode)
 * standard and adaptive mean 3 attempts and a 500 ms backoff base, legacy
 * our 6 attempts and 100 ms.  S3LOGS_RETRIES, when set, wins.
 */
static long backoff_base = 100;

/*
 * c->retries and the backoff base from the AWS retry settings: 0, or -1
 * with err set.
 */
static int
retry_config(struct s3_config *c, const char *conf, const char *section,
    char *err, size_t errlen)
{
	char *mode, *max, *v;
	long long n;
	int rc = -1;

	c->retries = 5;
	if ((mode = env_dup("AWS_RETRY_MODE")) == NULL)
		mode = awsconf_get(conf, section, "retry_mode");
	if ((max = env_dup("AWS_MAX_ATTEMPTS")) == NULL)
		max = awsconf_get(conf, section, "max_attempts");
	if (mode != NULL) {
		if (strcmp(mode, "standard") == 0 ||
		    strcmp(mode, "adaptive") == 0) {
			c->retries = 2;
			backoff_base = 500;
		} else if (strcmp(mode, "legacy") != 0) {
			snprintf(err, errlen, "retry mode %s: not legacy, "
			    "standard or adaptive", mode);
			goto out;
		}
	}
	if (max != NULL) {
		if (parse_num(max, 1, 101, &n) == -1) {
			snprintf(err, errlen, "max attempts %s: not a number "
			    "in 1..101", max);
			goto out;
		}
		c->retries = (int)n - 1;
	}
	if ((v = getenv("S3LOGS_RETRIES")) != NULL && *v != '\0') {
		if (parse_num(v, 0, 100, &n) == -1) {
			snprintf(err, errlen, "S3LOGS_RETRIES=%s: not a number "
			    "in 0..100", v);
			goto out;
		}
		c->retries = (int)n;
	}
	rc = 0;
out:
	free(mode);
	free(max);
	return rc;
}

/* The nested "s3 =" block's addressing_style. */
static int
addressing(struct s3_config *c, const char *conf, const char *section,
    char *err, size_t errlen)
{
	char *v;

	c->addressing = S3_ADDR_AUTO;
	if ((v = awsconf_get_nested(conf, section, "s3",
	    "addressing_style")) == NULL)
		return 0;
	if (strcmp(v, "path") == 0)
		c->addressing = S3_ADDR_PATH;
	else if (strcmp(v, "virtual") == 0)
		c->addressing = S3_ADDR_VIRTUAL;
	else if (strcmp(v, "auto") != 0) {
		snprintf(err, errlen, "addressing_style %s: not auto, path or "
		    "virtual", v);
		free(v);
		return -1;
	}
	free(v);
	return 0;
}

/* A credential lookup for the profile, files and region of c. */
static void
ctx_init(const struct s3_config *c, struct creds_ctx *x)
{
	memset(x, 0, sizeof(*x));
	x->profile = c->profile;
	x->cred_file = c->cred_file;
	x->conf_file = c->conf_file;
	x->region = c->region;
	x->ca_bundle = c->ca_bundle;
	x->trace = c->trace;
}

/* The credentials of c zeroed and freed, so that no secret outlives them. */
static void
creds_wipe(struct s3_config *c)
{
	struct creds cr = { 0 };

	cr.access_key = c->access_key;
	cr.secret_key = c->secret_key;
	cr.session_token = c->session_token;
	cr.source = c->cred_source;
	creds_free(&cr);
	c->access_key = c->secret_key = c->session_token = NULL;
	c->cred_source = NULL;
}

/* Move the credentials cr into c, wiping those c had. */
static void
creds_take(struct s3_config *c, struct creds *cr)
{
	creds_wipe(c);
	c->access_key = cr->access_key;
	c->secret_key = cr->secret_key;
	c->session_token = cr->session_token;
	c->cred_source = cr->source;
	c->expiration = cr->expiration;
	memset(cr, 0, sizeof(*cr));
}

int
s3_config_load(struct s3_config *c, int anonymous, char *err, size_t errlen)
{
	struct creds_ctx x;
	struct creds cr;
	char *section, *ep, *v;
	long long n;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->anonymous = anonymous;
	if ((c->profile = env_dup("AWS_PROFILE")) == NULL &&
	    (c->profile = env_dup("AWS_DEFAULT_PROFILE")) == NULL)
		c->profile = xstrdup("default");
	if (strcmp(c->profile, "default") == 0)
		section = xstrdup("default");
	else
		section = s3_fmt("profile %s", c->profile);
	c->cred_file = homefile("AWS_SHARED_CREDENTIALS_FILE",
	    ".aws/credentials");
	c->conf_file = homefile("AWS_CONFIG_FILE", ".aws/config");

	if ((c->region = env_dup("AWS_REGION")) == NULL &&
	    (c->region = env_dup("AWS_DEFAULT_REGION")) == NULL &&
	    (c->region = awsconf_get(c->conf_file, section, "region")) == NULL)
		c->region = xstrdup("us-east-1");

	if ((ep = env_dup("AWS_ENDPOINT_URL_S3")) == NULL &&
	    (ep = env_dup("AWS_ENDPOINT_URL")) == NULL &&
	    (ep = awsconf_get_nested(c->conf_file, section, "s3",
	    "endpoint_url")) == NULL &&
	    (ep = awsconf_get(c->conf_file, section, "endpoint_url")) == NULL) {
		ep = s3_fmt("https://s3.%s.amazonaws.com", c->region);
		c->aws_endpoint = 1;
	}
	if (parse_endpoint(c, ep, err, errlen) == -1)
		goto out;

	if ((c->ca_bundle = env_dup("AWS_CA_BUNDLE")) == NULL)
		c->ca_bundle = awsconf_get(c->conf_file, section, "ca_bundle");
	if (retry_config(c, c->conf_file, section, err, errlen) == -1 ||
	    addressing(c, c->conf_file, section, err, errlen) == -1)
		goto out;
	c->stall_secs = 30;
	if ((v = getenv("S3LOGS_STALL_TIMEOUT")) != NULL && *v != '\0') {
		if (parse_num(v, 1, 86400, &n) == -1) {
			snprintf(err, errlen, "S3LOGS_STALL_TIMEOUT=%s: not a "
			    "number of seconds", v);
			goto out;
		}
		c->stall_secs = (long)n;
	}

	if (anonymous) {
		c->cred_source = xstrdup("anonymous");
		rc = 0;
		goto out;
	}
	ctx_init(c, &x);
	if ((rc = creds_load(&x, &cr, err, errlen)) == 0)
		creds_take(c, &cr);
out:
	free(ep);
	free(section);
	return rc;
}

int
s3_config_refresh(struct s3_config *c, char *err, size_t errlen)
{
	struct creds_ctx x;
	struct creds cr;
	time_t now = time(NULL);

	if (c->anonymous || c->expiration == 0 || now + 600 < c->expiration)
		return 0;
	ctx_init(c, &x);
	if (creds_load(&x, &cr, err, errlen) == 0) {
		creds_take(c, &cr);
		tracef(c->trace, "credentials from %s renewed", c->cred_source);
		return 0;
	}
	if (now < c->expiration) {
		tracef(c->trace, "renewing credentials: %s; the old ones still hold",
		    err);
		return 0;
	}
	return -1;
}

/*
 * Buckets found in another region than the configured one, for the
 * process.  A few buckets at most in practice; when full, the oldest
 * entry goes.
 */
#define NREGION	32
static struct {
	char	*bucket;
	char	 region[32];
} regions[NREGION];
static size_t nextregion;

const char *
s3_bucket_region(const struct s3_config *c, const char *bucket)
{
	size_t i;

	for (i = 0; i < NREGION && regions[i].bucket != NULL; i++)
		if (strcmp(regions[i].bucket, bucket) == 0)
			return regions[i].region;
	return c->region;
}

/* Remember that bucket is in region, for the process. */
static void
region_set(const char *bucket, const char *region)
{
	size_t i;

	for (i = 0; i < NREGION && regions[i].bucket != NULL; i++)
		if (strcmp(regions[i].bucket, bucket) == 0)
			break;
	if (i == NREGION || regions[i].bucket == NULL) {
		i = nextregion;
		nextregion = (nextregion + 1) % NREGION;
		free(regions[i].bucket);
		regions[i].bucket = xstrdup(bucket);
	}
	snprintf(regions[i].region, sizeof(regions[i].region), "%s", region);
}

/* A region name as AWS spells them: lower case, digits and '-'. */
static int
region_ok(const char *r)
{
	size_t n = strlen(r);

	if (n == 0 || n >= sizeof(regions[0].region))
		return 0;
	return strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

void
s3_config_free(struct s3_config *c)
{
	creds_wipe(c);
	free(c->region);
	free(c->scheme);
	free(c->host);
	free(c->ca_bundle);
	free(c->profile);
	free(c->cred_file);
	free(c->conf_file);
	memset(c, 0, sizeof(*c));
}

int
s3_url_split(const char *s, char **bucketp, char **keyp)
{
	const char *b, *sl;

	if (strncmp(s, "s3://", 5) != 0)
		return -1;
	b = s + 5;
	sl = strchr(b, '/');
	if (sl == b || *b == '\0')
		return -1;
	if (sl == NULL) {
		*bucketp = xstrdup(b);
		*keyp = xstrdup("");
	} else {
		*bucketp = xstrndup(b, (size_t)(sl - b));
		*keyp = xstrdup(sl + 1);
	}
	return 0;
}

void
s3_req_query(struct s3_request *r, const char *name, const char *value)
{
	if (r->nquery >= S3_MAXQUERY)
		abort();
	r->query[r->nquery].name = name;
	r->query[r->nquery].value = value;
	r->nquery++;
}

void
s3_req_header(struct s3_request *r, const char *name, const char *value)
{
	if (r->nhdr >= S3_MAXHDR)
		abort();
	r->hdr[r->nhdr].name = name;
	r->hdr[r->nhdr].value = value;
	r->nhdr++;
}

/* Append "name: value" to a curl header list (dies on exhaustion). */
static struct curl_slist *
addhdr(struct curl_slist *l, const char *name, const char *value)
{
	struct curl_slist *n;
	char *s;

	s = s3_fmt("%s: %s", name, value);
	if ((n = curl_slist_append(l, s)) == NULL) {
		errno = ENOMEM;
		xmalloc(SIZE_MAX);	/* dies with the usual message */
	}
	free(s);
	return n;
}

void
s3_prepare(const struct s3_config *c, const struct s3_request *r,
    char **urlp, struct curl_slist **hdrp)
{
	struct sigv4_header h[S3_MAXHDR + 4];
	struct sigv4_req sr;
	struct curl_slist *l = NULL;
	char *path, *epath, *q, *host, *base, *url, *auth, amzdate[17];
	const char *key = r->key ? r->key : "", *region;
	int pathstyle;
	size_t i, nh = 0;

	region = s3_bucket_region(c, r->bucket);
	/* AWS's own endpoint follows the bucket's region; others keep it. */
	if (c->aws_endpoint)
		base = s3_fmt("s3.%s.amazonaws.com", region);
	else
		base = xstrdup(c->host);
	/* Virtual-hosted needs the bucket to be a DNS label. */
	if (c->addressing == S3_ADDR_AUTO)
		pathstyle = c->ip_or_local || strchr(r->bucket, '.') != NULL ||
		    getenv("S3LOGS_PATH_STYLE") != NULL;
	else
		pathstyle = c->addressing == S3_ADDR_PATH;
	if (pathstyle) {
		host = xstrdup(base);
		/* "/bucket" for the bucket itself, as aws-cli sends it. */
		if (*key == '\0')
			path = s3_fmt("/%s", r->bucket);
		else
			path = s3_fmt("/%s/%s", r->bucket, key);
	} else {
		host = s3_fmt("%s.%s", r->bucket, base);
		path = s3_fmt("/%s", key);
	}
	epath = sigv4_encode(path, strlen(path), 1);
	q = sigv4_query(r->query, r->nquery);
	url = s3_fmt("%s://%s%s%s%s", c->scheme, host, epath, *q ? "?" : "", q);

	for (i = 0; i < r->nhdr; i++)
		l = addhdr(l, r->hdr[i].name, r->hdr[i].value);
	/* curl would add these; we sign exactly what goes out. */
	l = addhdr(l, "Host", host);
	l = curl_slist_append(l, "Expect:");
	l = curl_slist_append(l, "Accept:");
	if (!c->anonymous) {
		const char *ph = r->payload_hash ? r->payload_hash :
		    SIGV4_EMPTY_SHA256;

		memset(&sr, 0, sizeof(sr));
		sr.when = time(NULL);
		sigv4_amzdate(sr.when, amzdate);
		for (i = 0; i < r->nhdr; i++)
			h[nh++] = r->hdr[i];
		h[nh].name = "host";
		h[nh++].value = host;
		h[nh].name = "x-amz-date";
		h[nh++].value = amzdate;
		h[nh].name = "x-amz-content-sha256";
		h[nh++].value = ph;
		if (c->session_token != NULL) {
			h[nh].name = "x-amz-security-token";
			h[nh++].value = c->session_token;
			l = addhdr(l, "x-amz-security-token", c->session_token);
		}
		sr.method = r->method;
		sr.path = path;
		sr.query = r->query;
		sr.nquery = r->nquery;
		sr.headers = h;
		sr.nheaders = nh;
		sr.payload_hash = ph;
		sr.region = region;
		sr.service = "s3";
		sr.access_key = c->access_key;
		sr.secret_key = c->secret_key;
		auth = sigv4_authorization(&sr, NULL);
		l = addhdr(l, "x-amz-date", amzdate);
		l = addhdr(l, "x-amz-content-sha256", ph);
		l = addhdr(l, "Authorization", auth);
		free(auth);
	}
	free(path);
	free(epath);
	free(q);
	free(host);
	free(base);
	*urlp = url;
	*hdrp = l;
}

void
s3_easy_setup(const struct s3_config *c, CURL *h)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->stall_secs);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_bundle != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_bundle);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "s3logs/1");
}

int
s3_retryable(CURLcode cc, long status, const char *code)
{
	if (cc != CURLE_OK)
		return retry_curl(cc);
	if (retry_status(status))
		return 1;
	return code != NULL && (strcmp(code, "SlowDown") == 0 ||
	    strcmp(code, "RequestTimeout") == 0 ||
	    strcmp(code, "InternalError") == 0);
}

long
s3_backoff_ms(int attempt)
{
	return retry_jitter(retry_ceiling(2 * backoff_base, 20000, attempt));
}

void
s3_curl_error(CURLcode cc, const char *cerr, char *err, size_t errlen)
{
	const char *m = cerr != NULL && *cerr ? cerr : curl_easy_strerror(cc);

	if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE)
		snprintf(err, errlen, "%s (TLS: the server's certificate is "
		    "not trusted; a private CA goes in AWS_CA_BUNDLE)", m);
	else
		snprintf(err, errlen, "%s", m);
}

/* The reason phrase of an HTTP status, for messages without an S3 code. */
static const char *
reason(long status)
{
	switch (status) {
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 412: return "Precondition Failed";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "HTTP error";
	}
}

void
s3_http_error(long status, const char *body, size_t n, char *err,
    size_t errlen, char **codep)
{
	char *code = NULL;

	if (body != NULL && n > 0)
		code = s3xml_find(body, n, "Code");
	if (code != NULL && *code != '\0')
		snprintf(err, errlen, "%ld %s", status, code);
	else
		snprintf(err, errlen, "%ld %s", status, reason(status));
	if (codep != NULL)
		*codep = code;
	else
		free(code);
}

void
s3_client_init(struct s3_client *cl, struct s3_config *c)
{
	cl->cfg = c;
	if ((cl->h = curl_easy_init()) == NULL) {
		errno = ENOMEM;
		xmalloc(SIZE_MAX);
	}
}

void
s3_client_free(struct s3_client *cl)
{
	if (cl->h != NULL)
		curl_easy_cleanup(cl->h);
	cl->h = NULL;
}

struct xfer {
	CURL			*h;
	struct s3_response	*resp;
	const struct s3_body	*body;
	long long		 sent;
	int			 toobig;	/* body passed S3_MAXBODY */
};

/* curl write callback: the response body, S3_MAXBODY at most. */
static size_t
on_write(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	/* A short count fails the transfer (CURLE_WRITE_ERROR). */
	if (size * n > S3_MAXBODY - x->resp->body.len) {
		x->toobig = 1;
		return 0;
	}
	buf_add(&x->resp->body, p, size * n);
	return size * n;
}

/* curl header callback: the ETag, Content-Length and region of the response. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct http_header h;

	switch (http_header(p, size * n, &h)) {
	case HTTP_STATUS:
		/* A new response (after a 100 or a redirect): start over. */
		x->resp->etag[0] = '\0';
		x->resp->region[0] = '\0';
		x->resp->clen = -1;
		break;
	case HTTP_FIELD:
		if (http_header_is(&h, "etag"))
			snprintf(x->resp->etag, sizeof(x->resp->etag), "%.*s",
			    (int)h.len, h.value);
		else if (http_header_is(&h, "content-length"))
			x->resp->clen = http_header_num(&h);
		else if (http_header_is(&h, "x-amz-bucket-region"))
			snprintf(x->resp->region, sizeof(x->resp->region),
			    "%.*s", (int)h.len, h.value);
		break;
	}
	return size * n;
}

/* curl read callback: the request body, from memory or the file. */
static size_t
on_read(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	long long left = x->body->len - x->sent;
	size_t want = size * n;
	ssize_t r;

	if (left <= 0)
		return 0;
	if ((long long)want > left)
		want = (size_t)left;
	if (x->body->mem != NULL) {
		memcpy(p, x->body->mem + x->sent, want);
		r = (ssize_t)want;
	} else {
		do
			r = pread(x->body->fd, p, want, x->body->off + x->sent);
		while (r == -1 && errno == EINTR);
		if (r <= 0)
			return CURL_READFUNC_ABORT;
	}
	x->sent += r;
	return (size_t)r;
}

int
s3_perform(struct s3_client *cl, const struct s3_request *r,
    const struct s3_body *body, struct s3_response *resp, char *err,
    size_t errlen)
{
	const struct s3_config *c = cl->cfg;
	struct curl_slist *hdr;
	struct xfer x;
	CURLcode cc;
	char *url, *code, cerr[CURL_ERROR_SIZE];
	int attempt, redirects = 0;
	long ms;

	for (attempt = 0;; attempt++) {
		if (s3_config_refresh(cl->cfg, err, errlen) == -1)
			return -1;
		buf_free(&resp->body);
		resp->status = 0;
		resp->etag[0] = '\0';
		resp->region[0] = '\0';
		resp->clen = -1;
		memset(&x, 0, sizeof(x));
		x.h = cl->h;
		x.resp = resp;
		x.body = body;
		s3_prepare(c, r, &url, &hdr);
		curl_easy_reset(cl->h);
		s3_easy_setup(c, cl->h);
		cerr[0] = '\0';
		curl_easy_setopt(cl->h, CURLOPT_ERRORBUFFER, cerr);
		curl_easy_setopt(cl->h, CURLOPT_URL, url);
		curl_easy_setopt(cl->h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(cl->h, CURLOPT_WRITEFUNCTION, on_write);
		curl_easy_setopt(cl->h, CURLOPT_WRITEDATA, &x);
		curl_easy_setopt(cl->h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(cl->h, CURLOPT_HEADERDATA, &x);
		if (strcmp(r->method, "HEAD") == 0)
			curl_easy_setopt(cl->h, CURLOPT_NOBODY, 1L);
		else if (body != NULL) {
			curl_easy_setopt(cl->h, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(cl->h, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(cl->h, CURLOPT_READDATA, &x);
			curl_easy_setopt(cl->h, CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)body->len);
			curl_easy_setopt(cl->h, CURLOPT_CUSTOMREQUEST,
			    r->method);
		} else if (strcmp(r->method, "GET") != 0)
			curl_easy_setopt(cl->h, CURLOPT_CUSTOMREQUEST,
			    r->method);
		cc = curl_easy_perform(cl->h);
		curl_easy_getinfo(cl->h, CURLINFO_RESPONSE_CODE, &resp->status);
		code = NULL;
		if (cc != CURLE_OK && x.toobig) {
			snprintf(err, errlen, "response body larger than "
			    "%d MiB", S3_MAXBODY >> 20);
			tracef(c->trace, "%s %s: %s", r->method, url, err);
		} else if (cc != CURLE_OK) {
			s3_curl_error(cc, cerr, err, errlen);
			tracef(c->trace, "%s %s: %s", r->method, url, err);
		} else {
			tracef(c->trace, "%s %s: %ld", r->method, url, resp->status);
			if (resp->status >= 200 && resp->status < 300) {
				free(url);
				curl_slist_free_all(hdr);
				return 0;
			}
			s3_http_error(resp->status, resp->body.p,
			    resp->body.len, err, errlen, &code);
		}
		free(url);
		curl_slist_free_all(hdr);
		/* Another region: send it again there, not counted as a retry. */
		if (cc == CURLE_OK && r->bucket != NULL && redirects < 2 &&
		    s3_region_redirect(cl, r->bucket, resp->status, code,
		    resp->region, resp->body.p, resp->body.len)) {
			free(code);
			redirects++;
			attempt--;
			continue;
		}
		if (attempt >= c->retries || !s3_retryable(cc, resp->status,
		    code)) {
			free(code);
			if (attempt > 0 && s3_retryable(cc, resp->status, NULL)) {
				size_t l = strlen(err);

				snprintf(err + l, errlen - l, " (after %d "
				    "attempts)", attempt + 1);
			}
			return -1;
		}
		free(code);
		ms = s3_backoff_ms(attempt + 1);
		tracef(c->trace, "retry %d in %ld ms", attempt + 1, ms);
		usleep((useconds_t)ms * 1000);
	}
}

/* Set while a HEAD asks for a bucket's region: no HEAD within it. */
static int asking;

int
s3_region_redirect(struct s3_client *cl, const char *bucket, long status,
    const char *code, const char *hdr_region, const char *body, size_t n)
{
	struct s3_response resp;
	struct s3_request r;
	const char *cur = s3_bucket_region(cl->cfg, bucket);
	char *reg = NULL, err[S3_ERRLEN];

	if (status != 301 && !(status == 400 && (code == NULL ||
	    strcmp(code, "AuthorizationHeaderMalformed") == 0)))
		return 0;
	if (hdr_region != NULL && *hdr_region != '\0')
		reg = xstrdup(hdr_region);
	else if (body != NULL && n > 0)
		reg = s3xml_find(body, n, "Region");
	if ((reg == NULL || *reg == '\0') && cur != cl->cfg->region) {
		/* Learnt meanwhile (another transfer was sent before). */
		free(reg);
		reg = xstrdup(cur);
	}
	if ((reg == NULL || *reg == '\0') && status == 301 && !asking) {
		/* A HEAD of the bucket: its answer carries the header. */
		free(reg);
		memset(&r, 0, sizeof(r));
		memset(&resp, 0, sizeof(resp));
		r.method = "HEAD";
		r.bucket = bucket;
		asking = 1;
		(void)s3_perform(cl, &r, NULL, &resp, err, sizeof(err));
		asking = 0;
		buf_free(&resp.body);
		cur = s3_bucket_region(cl->cfg, bucket);
		reg = xstrdup(cur != cl->cfg->region ? cur : resp.region);
	}
	/*
	 * A region equal to the one in use is still worth one more try: the
	 * request may have been signed before another learnt it; callers
	 * bound the tries.
	 */
	if (reg == NULL || !region_ok(reg)) {
		free(reg);
		return 0;
	}
	if (strcmp(reg, cur) != 0) {
		tracef(cl->cfg->trace, "bucket %s is in region %s", bucket, reg);
		region_set(bucket, reg);
	}
	free(reg);
	return 1;
}
