/* See LICENSE file for copyright and license details. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "awsconf.h"
#include "s3.h"
#include "s3xml.h"
#include "sigv4.h"
#include "util.h"

void
s3_buf_add(struct s3_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

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

void
s3_buf_free(struct s3_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static char *
envdup(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? xstrdup(v) : NULL;
}

static char *
homefile(const char *env, const char *rel)
{
	const char *h;
	char *p;

	if ((p = envdup(env)) != NULL)
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

/* Defined below: instance-profile credentials (IMDSv2). */
static int imds_credentials(struct s3_config *, char *, size_t);

int
s3_config_load(struct s3_config *c, int anonymous, char *err, size_t errlen)
{
	char *profile, *section, *cred, *conf, *ep, *v;
	long long n;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->anonymous = anonymous;
	if ((profile = envdup("AWS_PROFILE")) == NULL &&
	    (profile = envdup("AWS_DEFAULT_PROFILE")) == NULL)
		profile = xstrdup("default");
	if (strcmp(profile, "default") == 0)
		section = xstrdup("default");
	else
		section = s3_fmt("profile %s", profile);
	cred = homefile("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
	conf = homefile("AWS_CONFIG_FILE", ".aws/config");

	if ((c->region = envdup("AWS_REGION")) == NULL &&
	    (c->region = envdup("AWS_DEFAULT_REGION")) == NULL &&
	    (c->region = awsconf_get(conf, section, "region")) == NULL)
		c->region = xstrdup("us-east-1");

	if ((ep = envdup("AWS_ENDPOINT_URL_S3")) == NULL &&
	    (ep = envdup("AWS_ENDPOINT_URL")) == NULL &&
	    (ep = awsconf_get(conf, section, "endpoint_url")) == NULL) {
		ep = s3_fmt("https://s3.%s.amazonaws.com", c->region);
	}
	if (parse_endpoint(c, ep, err, errlen) == -1)
		goto out;

	if ((c->ca_bundle = envdup("AWS_CA_BUNDLE")) == NULL)
		c->ca_bundle = awsconf_get(conf, section, "ca_bundle");

	c->retries = 5;
	if ((v = getenv("S3LOGS_RETRIES")) != NULL && *v != '\0') {
		if (parse_num(v, 0, 100, &n) == -1) {
			snprintf(err, errlen, "S3LOGS_RETRIES=%s: not a number "
			    "in 0..100", v);
			goto out;
		}
		c->retries = (int)n;
	}
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
	/* Credentials: environment, credentials file, config file, IMDS. */
	if ((c->access_key = envdup("AWS_ACCESS_KEY_ID")) != NULL &&
	    (c->secret_key = envdup("AWS_SECRET_ACCESS_KEY")) != NULL) {
		c->session_token = envdup("AWS_SESSION_TOKEN");
		c->cred_source = xstrdup("environment");
		rc = 0;
		goto out;
	}
	free(c->access_key);
	c->access_key = NULL;
	if ((c->access_key = awsconf_get(cred, profile,
	    "aws_access_key_id")) != NULL &&
	    (c->secret_key = awsconf_get(cred, profile,
	    "aws_secret_access_key")) != NULL) {
		c->session_token = awsconf_get(cred, profile,
		    "aws_session_token");
		c->cred_source = xstrdup("credentials file");
		rc = 0;
		goto out;
	}
	free(c->access_key);
	c->access_key = NULL;
	if ((c->access_key = awsconf_get(conf, section,
	    "aws_access_key_id")) != NULL &&
	    (c->secret_key = awsconf_get(conf, section,
	    "aws_secret_access_key")) != NULL) {
		c->session_token = awsconf_get(conf, section,
		    "aws_session_token");
		c->cred_source = xstrdup("config file");
		rc = 0;
		goto out;
	}
	free(c->access_key);
	c->access_key = NULL;
	if ((v = getenv("AWS_EC2_METADATA_DISABLED")) == NULL ||
	    strcasecmp(v, "true") != 0) {
		rc = imds_credentials(c, err, errlen);
		if (rc == 0)
			c->cred_source = xstrdup("instance metadata");
		goto out;
	}
	snprintf(err, errlen, "no credentials: set AWS_ACCESS_KEY_ID and "
	    "AWS_SECRET_ACCESS_KEY, or a profile, or use -A for anonymous "
	    "access");
out:
	free(ep);
	free(profile);
	free(section);
	free(cred);
	free(conf);
	return rc;
}

void
s3_config_free(struct s3_config *c)
{
	if (c->secret_key != NULL)
		explicit_bzero(c->secret_key, strlen(c->secret_key));
	free(c->access_key);
	free(c->secret_key);
	free(c->session_token);
	free(c->region);
	free(c->scheme);
	free(c->host);
	free(c->ca_bundle);
	free(c->cred_source);
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
	char *path, *epath, *q, *host, *url, *auth, amzdate[17];
	const char *key = r->key ? r->key : "";
	int pathstyle;
	size_t i, nh = 0;

	/* Virtual-hosted needs the bucket to be a DNS label. */
	pathstyle = c->ip_or_local || strchr(r->bucket, '.') != NULL ||
	    getenv("S3LOGS_PATH_STYLE") != NULL;
	if (pathstyle) {
		host = xstrdup(c->host);
		/* "/bucket" for the bucket itself, as aws-cli sends it. */
		if (*key == '\0')
			path = s3_fmt("/%s", r->bucket);
		else
			path = s3_fmt("/%s/%s", r->bucket, key);
	} else {
		host = s3_fmt("%s.%s", r->bucket, c->host);
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
		sr.region = c->region;
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
	switch (cc) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
	if (status >= 500 || status == 429)
		return 1;
	if (code != NULL && (strcmp(code, "SlowDown") == 0 ||
	    strcmp(code, "RequestTimeout") == 0 ||
	    strcmp(code, "InternalError") == 0))
		return 1;
	return 0;
}

long
s3_backoff_ms(int attempt)
{
	unsigned int r;
	long cap;

	cap = attempt >= 8 ? 20000 : 100L << attempt;
	if (cap > 20000)
		cap = 20000;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)rand();
	return (long)(r % (unsigned long)(cap + 1));
}

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

static size_t
on_write(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	/* A short count fails the transfer (CURLE_WRITE_ERROR). */
	if (size * n > S3_MAXBODY - x->resp->body.len) {
		x->toobig = 1;
		return 0;
	}
	s3_buf_add(&x->resp->body, p, size * n);
	return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n, vl;
	char *v;

	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (after a 100 or a redirect): start over. */
		x->resp->etag[0] = '\0';
		x->resp->clen = -1;
		return len;
	}
	if ((v = memchr(p, ':', len)) == NULL)
		return len;
	vl = len - (size_t)(v + 1 - p);
	for (v++; vl > 0 && (*v == ' ' || *v == '\t'); v++, vl--)
		;
	while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
		vl--;
	if (strncasecmp(p, "etag:", 5) == 0)
		snprintf(x->resp->etag, sizeof(x->resp->etag), "%.*s",
		    (int)vl, v);
	else if (strncasecmp(p, "content-length:", 15) == 0)
		x->resp->clen = strtoll(v, NULL, 10);
	return len;
}

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

static void
trace(const struct s3_config *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
trace(const struct s3_config *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (c->trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->trace(buf);
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
	int attempt;
	long ms;

	for (attempt = 0;; attempt++) {
		s3_buf_free(&resp->body);
		resp->status = 0;
		resp->etag[0] = '\0';
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
			trace(c, "%s %s: %s", r->method, url, err);
		} else if (cc != CURLE_OK) {
			snprintf(err, errlen, "%s", *cerr ? cerr :
			    curl_easy_strerror(cc));
			trace(c, "%s %s: %s", r->method, url, err);
		} else {
			trace(c, "%s %s: %ld", r->method, url, resp->status);
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
		trace(c, "retry %d in %ld ms", attempt + 1, ms);
		usleep((useconds_t)ms * 1000);
	}
}

/*
 * IMDSv2: a PUT for a session token, then the role name, then the role's
 * credentials as JSON.  AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the
 * address (botocore honours it too), which is how the tests point this at
 * a local fake.
 */
static char *
json_str(const char *json, const char *name)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\"", name);
	if ((p = strstr(json, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ':')
		p++;
	if (*p != '"')
		return NULL;
	p++;
	for (e = p; *e && *e != '"'; e++)
		if (*e == '\\' && e[1])
			e++;
	return *e == '"' ? xstrndup(p, (size_t)(e - p)) : NULL;
}

static int
imds_get(CURL *h, const char *url, const char *method, struct curl_slist *hdr,
    struct s3_buf *out, char *err, size_t errlen)
{
	struct s3_response resp = { 0 };
	struct xfer x = { 0 };
	CURLcode cc;

	x.resp = &resp;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 2L);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
	if (cc != CURLE_OK || resp.status != 200) {
		snprintf(err, errlen, "no credentials (instance metadata %s: "
		    "%s)", url, cc != CURLE_OK ? curl_easy_strerror(cc) :
		    "not 200");
		s3_buf_free(&resp.body);
		return -1;
	}
	*out = resp.body;
	if (out->p == NULL)
		s3_buf_add(out, "", 0);
	return 0;
}

static int
imds_credentials(struct s3_config *c, char *err, size_t errlen)
{
	struct curl_slist *hdr = NULL;
	struct s3_buf tok = { 0 }, role = { 0 }, js = { 0 };
	char *base, *url = NULL, *t;
	size_t n;
	CURL *h;
	int rc = -1;

	if ((base = envdup("AWS_EC2_METADATA_SERVICE_ENDPOINT")) == NULL)
		base = xstrdup("http://169.254.169.254");
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		base[--n] = '\0';
	if ((h = curl_easy_init()) == NULL) {
		errno = ENOMEM;
		xmalloc(SIZE_MAX);
	}
	url = s3_fmt("%s/latest/api/token", base);
	hdr = curl_slist_append(hdr,
	    "X-aws-ec2-metadata-token-ttl-seconds: 21600");
	if (imds_get(h, url, "PUT", hdr, &tok, err, errlen) == -1)
		goto out;
	curl_slist_free_all(hdr);
	t = s3_fmt("X-aws-ec2-metadata-token: %s", tok.p);
	hdr = curl_slist_append(NULL, t);
	free(t);
	free(url);
	url = s3_fmt("%s/latest/meta-data/iam/security-credentials/", base);
	if (imds_get(h, url, "GET", hdr, &role, err, errlen) == -1)
		goto out;
	role.p[strcspn(role.p, "\r\n")] = '\0';
	if (*role.p == '\0') {
		snprintf(err, errlen, "no credentials (instance metadata: no "
		    "role)");
		goto out;
	}
	free(url);
	url = s3_fmt("%s/latest/meta-data/iam/security-credentials/%s", base,
	    role.p);
	if (imds_get(h, url, "GET", hdr, &js, err, errlen) == -1)
		goto out;
	c->access_key = json_str(js.p, "AccessKeyId");
	c->secret_key = json_str(js.p, "SecretAccessKey");
	c->session_token = json_str(js.p, "Token");
	if (c->session_token != NULL && *c->session_token == '\0') {
		free(c->session_token);
		c->session_token = NULL;
	}
	if (c->access_key == NULL || c->secret_key == NULL) {
		snprintf(err, errlen, "no credentials (instance metadata: "
		    "unexpected answer)");
		goto out;
	}
	rc = 0;
out:
	if (js.p != NULL)
		explicit_bzero(js.p, js.len);
	s3_buf_free(&tok);
	s3_buf_free(&role);
	s3_buf_free(&js);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	free(url);
	free(base);
	return rc;
}
