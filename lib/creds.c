/* See LICENSE file for copyright and license details. */
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/sha.h>
#include <yajl/yajl_tree.h>

#include "awsconf.h"
#include "creds.h"
#include "s3.h"
#include "s3xml.h"
#include "sigv4.h"
#include "trace.h"
#include "util.h"

/* Answers bigger than this are not credentials. */
#define ANSWERCAP	(256 * 1024)
/* A chain of role profiles longer than this is a loop. */
#define MAXDEPTH	4

/* The profile's key in the config file ("[default]", "[profile NAME]"). */
static char *
conf(const struct creds_ctx *x, const char *profile, const char *key)
{
	char *sec, *v;

	if (strcmp(profile, "default") == 0)
		sec = xstrdup("default");
	else
		sec = s3_fmt("profile %s", profile);
	v = awsconf_get(x->conf_file, sec, key);
	free(sec);
	return v;
}

void
creds_free(struct creds *cr)
{
	if (cr->secret_key != NULL)
		explicit_bzero(cr->secret_key, strlen(cr->secret_key));
	if (cr->session_token != NULL)
		explicit_bzero(cr->session_token, strlen(cr->session_token));
	free(cr->access_key);
	free(cr->secret_key);
	free(cr->session_token);
	free(cr->source);
	memset(cr, 0, sizeof(*cr));
}

time_t
creds_iso8601(const char *s)
{
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	if (*e == '.')
		for (e++; isdigit((unsigned char)*e); e++)
			;
	if (strcmp(e, "Z") != 0 && strcmp(e, "+00:00") != 0 &&
	    strcmp(e, "UTC") != 0 && *e != '\0')
		return 0;
	return timegm(&tm);
}

/* Wipe a buffer that held credentials, then free it. */
static void
burn(struct buf *b)
{
	if (b->p != NULL)
		explicit_bzero(b->p, b->cap);
	buf_free(b);
}

/* curl write callback: an answer of ANSWERCAP bytes at most. */
static size_t
on_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (b->len + size * n > ANSWERCAP)
		return 0;
	buf_add(b, p, size * n);
	return size * n;
}

/*
 * One request to a credential service.  Returns 0 with *status and out
 * set (any status), or -1 with err set to curl's reason.
 */
static int
http(const struct creds_ctx *x, const char *method, const char *url,
    struct curl_slist *hdr, const char *body, long timeout, long *status,
    struct buf *out, char *err, size_t errlen)
{
	char cerr[CURL_ERROR_SIZE];
	CURLcode cc;
	CURL *h;

	if ((h = curl_easy_init()) == NULL) {
		errno = ENOMEM;
		xmalloc(SIZE_MAX);
	}
	cerr[0] = '\0';
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (x->ca_bundle != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, x->ca_bundle);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "s3logs/1");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	if (body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	cc = curl_easy_perform(h);
	*status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s", *cerr ? cerr : curl_easy_strerror(cc));
		return -1;
	}
	if (out->p == NULL)
		buf_add(out, "", 0);
	return 0;
}

/* A string member at path in a JSON document, as a new string, or NULL. */
static char *
jstr(yajl_val root, const char *a, const char *b)
{
	const char *path[3] = { a, b, NULL };
	yajl_val v;

	if ((v = yajl_tree_get(root, path, yajl_t_string)) == NULL)
		return NULL;
	return xstrdup(YAJL_GET_STRING(v));
}

/*
 * Credentials from a JSON answer (container, IMDS, credential_process):
 * AccessKeyId, SecretAccessKey, Token or SessionToken, Expiration.
 */
static int
from_json(const char *js, struct creds *cr, const char *src, char *err,
    size_t errlen)
{
	yajl_val root;
	char *exp;

	if ((root = yajl_tree_parse(js, NULL, 0)) == NULL ||
	    !YAJL_IS_OBJECT(root)) {
		snprintf(err, errlen, "credentials from %s: not a JSON object",
		    src);
		yajl_tree_free(root);
		return -2;
	}
	cr->access_key = jstr(root, "AccessKeyId", NULL);
	cr->secret_key = jstr(root, "SecretAccessKey", NULL);
	if ((cr->session_token = jstr(root, "Token", NULL)) == NULL)
		cr->session_token = jstr(root, "SessionToken", NULL);
	if (cr->session_token != NULL && *cr->session_token == '\0') {
		free(cr->session_token);
		cr->session_token = NULL;
	}
	exp = jstr(root, "Expiration", NULL);
	yajl_tree_free(root);
	if (exp != NULL && (cr->expiration = creds_iso8601(exp)) == 0) {
		snprintf(err, errlen, "credentials from %s: Expiration %.40s: "
		    "not an ISO 8601 time", src, exp);
		free(exp);
		return -2;
	}
	free(exp);
	if (cr->access_key == NULL || cr->secret_key == NULL ||
	    *cr->access_key == '\0' || *cr->secret_key == '\0') {
		snprintf(err, errlen, "credentials from %s: no AccessKeyId "
		    "and SecretAccessKey in the answer", src);
		return -2;
	}
	return 0;
}

/* "403 AccessDenied" from an STS or S3 XML error, or the status alone. */
static void
xml_error(long status, const struct buf *b, char *out, size_t outlen)
{
	char *code = NULL;

	if (b->len > 0)
		code = s3xml_find(b->p, b->len, "Code");
	if (code != NULL && *code != '\0')
		snprintf(out, outlen, "%ld %.100s", status, code);
	else
		snprintf(out, outlen, "%ld", status);
	free(code);
}

/* The STS endpoint: AWS_ENDPOINT_URL_STS, else the regional one. */
static char *
sts_url(const struct creds_ctx *x, const char *region)
{
	char *u;

	if ((u = env_dup("AWS_ENDPOINT_URL_STS")) == NULL)
		return s3_fmt("https://sts.%s.amazonaws.com/", region);
	if (strchr(u + (strncmp(u, "https://", 8) == 0 ? 8 : 7), '/') ==
	    NULL) {
		char *t = s3_fmt("%s/", u);

		free(u);
		u = t;
	}
	return u;
}

/* s percent-encoded for an STS form body (new string). */
static char *
formenc(const char *s)
{
	return sigv4_encode(s, strlen(s), 0);
}

/*
 * Call STS: form is the request body; src signs it (AssumeRole) or is
 * NULL (AssumeRoleWithWebIdentity is unsigned).  The answer's
 * <Credentials> go to cr.
 */
static int
sts_call(const struct creds_ctx *x, const char *region, const char *form,
    const struct creds *src, const char *what, struct creds *cr,
    char *err, size_t errlen)
{
	struct curl_slist *hdr = NULL;
	struct buf out = { 0 };
	struct sigv4_header h[5];
	struct sigv4_req sr;
	char *url, *host, *path, *auth, *s, amzdate[17], ph[65], why[160];
	const char *p;
	size_t hn, nh = 0;
	long status;
	int rc = -2;

	url = sts_url(x, region);
	p = strstr(url, "://");
	p = p != NULL ? p + 3 : url;
	hn = strcspn(p, "/");
	host = xstrndup(p, hn);
	path = xstrdup(p[hn] != '\0' ? p + hn : "/");
	tracef(x->trace, "%s: STS at %s", what, url);
	hdr = curl_slist_append(hdr, "Content-Type: application/x-www-form-"
	    "urlencoded; charset=utf-8");
	hdr = curl_slist_append(hdr, "Accept:");
	hdr = curl_slist_append(hdr, "Expect:");
	if (src != NULL) {
		memset(&sr, 0, sizeof(sr));
		sr.when = time(NULL);
		sigv4_amzdate(sr.when, amzdate);
		sigv4_sha256_hex(form, strlen(form), ph);
		h[nh].name = "content-type";
		h[nh++].value = "application/x-www-form-urlencoded; "
		    "charset=utf-8";
		h[nh].name = "host";
		h[nh++].value = host;
		h[nh].name = "x-amz-date";
		h[nh++].value = amzdate;
		if (src->session_token != NULL) {
			h[nh].name = "x-amz-security-token";
			h[nh++].value = src->session_token;
			s = s3_fmt("x-amz-security-token: %s",
			    src->session_token);
			hdr = curl_slist_append(hdr, s);
			explicit_bzero(s, strlen(s));
			free(s);
		}
		sr.method = "POST";
		sr.path = path;
		sr.headers = h;
		sr.nheaders = nh;
		sr.payload_hash = ph;
		sr.region = region;
		sr.service = "sts";
		sr.access_key = src->access_key;
		sr.secret_key = src->secret_key;
		auth = sigv4_authorization(&sr, NULL);
		s = s3_fmt("Authorization: %s", auth);
		hdr = curl_slist_append(hdr, s);
		free(s);
		free(auth);
		s = s3_fmt("x-amz-date: %s", amzdate);
		hdr = curl_slist_append(hdr, s);
		free(s);
	}
	if (http(x, "POST", url, hdr, form, 30, &status, &out, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "credentials from %s (STS at %s): %s",
		    what, url, why);
		goto out;
	}
	if (status != 200) {
		xml_error(status, &out, why, sizeof(why));
		snprintf(err, errlen, "credentials from %s (STS at %s): %s",
		    what, url, why);
		goto out;
	}
	cr->access_key = s3xml_find(out.p, out.len, "AccessKeyId");
	cr->secret_key = s3xml_find(out.p, out.len, "SecretAccessKey");
	cr->session_token = s3xml_find(out.p, out.len, "SessionToken");
	s = s3xml_find(out.p, out.len, "Expiration");
	cr->expiration = creds_iso8601(s);
	free(s);
	if (cr->access_key == NULL || cr->secret_key == NULL ||
	    cr->session_token == NULL || cr->expiration == 0) {
		snprintf(err, errlen, "credentials from %s (STS at %s): no "
		    "<Credentials> in the answer", what, url);
		goto out;
	}
	rc = 0;
out:
	burn(&out);
	curl_slist_free_all(hdr);
	free(url);
	free(host);
	free(path);
	return rc;
}

/* The role session name: the environment, the profile, or s3logs-TIME. */
static char *
session_name(const struct creds_ctx *x, const char *profile)
{
	char *n;

	if ((n = env_dup("AWS_ROLE_SESSION_NAME")) != NULL)
		return n;
	if (profile != NULL &&
	    (n = conf(x, profile, "role_session_name")) != NULL)
		return n;
	return s3_fmt("s3logs-%lld", (long long)time(NULL));
}

/* The region STS is asked in: the profile's, else the configured one. */
static char *
profile_region(const struct creds_ctx *x, const char *profile)
{
	char *r;

	if ((r = conf(x, profile, "region")) != NULL)
		return r;
	return xstrdup(x->region != NULL ? x->region : "us-east-1");
}

/* Read a small token file, trailing white space dropped. */
static char *
readtoken(const char *path)
{
	struct buf b = { 0 };
	char buf[4096];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0 &&
	    b.len < ANSWERCAP)
		buf_add(&b, buf, n);
	fclose(fp);
	if (b.p == NULL)
		buf_add(&b, "", 0);
	while (b.len > 0 && isspace((unsigned char)b.p[b.len - 1]))
		b.p[--b.len] = '\0';
	return b.p;
}

/* AssumeRoleWithWebIdentity with the token in tokfile, into cr. */
static int
web_identity(const struct creds_ctx *x, const char *profile,
    const char *arn, const char *tokfile, struct creds *cr, char *err,
    size_t errlen)
{
	char *tok, *sess, *form, *a, *s, *t, *region;
	int rc;

	if ((tok = readtoken(tokfile)) == NULL) {
		snprintf(err, errlen, "credentials from web identity: %s: %s",
		    tokfile, strerror(errno));
		return -2;
	}
	sess = session_name(x, profile);
	a = formenc(arn);
	s = formenc(sess);
	t = formenc(tok);
	form = s3_fmt("Action=AssumeRoleWithWebIdentity&RoleArn=%s&"
	    "RoleSessionName=%s&Version=2011-06-15&WebIdentityToken=%s",
	    a, s, t);
	region = profile != NULL ? profile_region(x, profile) :
	    xstrdup(x->region != NULL ? x->region : "us-east-1");
	rc = sts_call(x, region, form, NULL, "web identity", cr, err, errlen);
	if (rc == 0)
		cr->source = xstrdup("web identity");
	explicit_bzero(tok, strlen(tok));
	explicit_bzero(t, strlen(t));
	explicit_bzero(form, strlen(form));
	free(tok);
	free(t);
	free(form);
	free(a);
	free(s);
	free(sess);
	free(region);
	return rc;
}

/* credential_process: run cmd and read the JSON it prints into cr. */
static int
process_creds(const struct creds_ctx *x, const char *profile,
    const char *cmd, struct creds *cr, char *err, size_t errlen)
{
	struct buf out = { 0 };
	char buf[4096], *src;
	yajl_val root;
	const char *vp[] = { "Version", NULL };
	yajl_val v;
	size_t n;
	FILE *fp;
	int st, rc = -2;

	src = s3_fmt("credential_process (profile %s)", profile);
	tracef(x->trace, "credentials: running the %s", src);
	fflush(NULL);
	if ((fp = popen(cmd, "r")) == NULL) {
		snprintf(err, errlen, "credentials from %s: %s", src,
		    strerror(errno));
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		if (out.len < ANSWERCAP)
			buf_add(&out, buf, n);
	explicit_bzero(buf, sizeof(buf));
	st = pclose(fp);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "credentials from %s: the command "
		    "failed (exit status %d)", src,
		    st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		goto out;
	}
	if (out.p == NULL)
		buf_add(&out, "", 0);
	root = yajl_tree_parse(out.p, NULL, 0);
	v = root != NULL ? yajl_tree_get(root, vp, yajl_t_number) : NULL;
	if (v == NULL || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) != 1) {
		snprintf(err, errlen, "credentials from %s: not JSON with "
		    "\"Version\": 1", src);
		yajl_tree_free(root);
		goto out;
	}
	yajl_tree_free(root);
	if ((rc = from_json(out.p, cr, src, err, errlen)) == 0)
		cr->source = src, src = NULL;
out:
	burn(&out);
	free(src);
	return rc;
}

/* The container credential service (ECS, EKS Pod Identity). */
static int
container_creds(const struct creds_ctx *x, struct creds *cr, char *err,
    size_t errlen)
{
	struct curl_slist *hdr = NULL;
	struct buf out = { 0 };
	char *url, *rel, *tok = NULL, *tf, *s, why[160];
	const char *h;
	long status;
	int rc = -2;

	if ((rel = env_dup("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) != NULL)
		url = s3_fmt("http://169.254.170.2%s", rel);
	else if ((url = env_dup("AWS_CONTAINER_CREDENTIALS_FULL_URI")) == NULL)
		return -1;
	free(rel);
	/* Over plain http only to the link-local service or loopback. */
	h = strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
	if (strncmp(url, "https://", 8) != 0 && (h == NULL ||
	    (strncmp(h, "127.", 4) != 0 && strncmp(h, "localhost", 9) != 0 &&
	    strncmp(h, "[::1]", 5) != 0 && strncmp(h, "169.254.170.2", 13) != 0 &&
	    strncmp(h, "[fd00:ec2::23]", 14) != 0))) {
		snprintf(err, errlen, "credentials from the container service: "
		    "%s: not https, loopback or 169.254.170.2", url);
		free(url);
		return -2;
	}
	if ((tf = env_dup("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) != NULL) {
		if ((tok = readtoken(tf)) == NULL) {
			snprintf(err, errlen, "credentials from the container "
			    "service: %s: %s", tf, strerror(errno));
			free(tf);
			free(url);
			return -2;
		}
		free(tf);
	} else
		tok = env_dup("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (tok != NULL) {
		s = s3_fmt("Authorization: %s", tok);
		hdr = curl_slist_append(hdr, s);
		explicit_bzero(s, strlen(s));
		explicit_bzero(tok, strlen(tok));
		free(s);
		free(tok);
	}
	tracef(x->trace, "credentials: container service at %s", url);
	if (http(x, "GET", url, hdr, NULL, 5, &status, &out, why,
	    sizeof(why)) == -1)
		snprintf(err, errlen, "credentials from the container service "
		    "(%s): %s", url, why);
	else if (status != 200)
		snprintf(err, errlen, "credentials from the container service "
		    "(%s): %ld", url, status);
	else if ((rc = from_json(out.p, cr, "the container service", err,
	    errlen)) == 0)
		cr->source = xstrdup("container");
	burn(&out);
	curl_slist_free_all(hdr);
	free(url);
	return rc;
}

/*
 * IMDSv2: a PUT for a session token, then the role name, then the role's
 * credentials.  AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address,
 * as in botocore.  A service that does not answer is "no credentials".
 */
static int
imds_creds(const struct creds_ctx *x, struct creds *cr, char *err,
    size_t errlen)
{
	struct curl_slist *hdr = NULL;
	struct buf tok = { 0 }, role = { 0 }, js = { 0 };
	char *base, *url, *t, why[160];
	long status;
	size_t n;
	int rc = -1;

	if ((base = env_dup("AWS_EC2_METADATA_SERVICE_ENDPOINT")) == NULL)
		base = xstrdup("http://169.254.169.254");
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		base[--n] = '\0';
	url = s3_fmt("%s/latest/api/token", base);
	hdr = curl_slist_append(hdr,
	    "X-aws-ec2-metadata-token-ttl-seconds: 21600");
	why[0] = '\0';
	if (http(x, "PUT", url, hdr, NULL, 2, &status, &tok, why,
	    sizeof(why)) == -1 || status != 200) {
		snprintf(err, errlen, "no credentials (instance metadata %s: "
		    "%s)", url, status != 200 && *why == '\0' ? "not 200" :
		    why);
		goto out;
	}
	curl_slist_free_all(hdr);
	t = s3_fmt("X-aws-ec2-metadata-token: %s", tok.p);
	hdr = curl_slist_append(NULL, t);
	explicit_bzero(t, strlen(t));
	free(t);
	free(url);
	url = s3_fmt("%s/latest/meta-data/iam/security-credentials/", base);
	rc = -2;
	why[0] = '\0';
	if (http(x, "GET", url, hdr, NULL, 2, &status, &role, why,
	    sizeof(why)) == -1 || status != 200) {
		snprintf(err, errlen, "credentials from instance metadata "
		    "(%s): %s", url, *why ? why : "no role");
		goto out;
	}
	role.p[strcspn(role.p, "\r\n")] = '\0';
	if (*role.p == '\0' || strchr(role.p, '/') != NULL) {
		snprintf(err, errlen, "credentials from instance metadata: no "
		    "role");
		goto out;
	}
	free(url);
	url = s3_fmt("%s/latest/meta-data/iam/security-credentials/%s", base,
	    role.p);
	if (http(x, "GET", url, hdr, NULL, 2, &status, &js, why,
	    sizeof(why)) == -1 || status != 200) {
		snprintf(err, errlen, "credentials from instance metadata "
		    "(%s): %s", url, *why ? why : "not 200");
		goto out;
	}
	if ((rc = from_json(js.p, cr, "instance metadata", err, errlen)) == 0)
		cr->source = xstrdup("instance metadata");
out:
	burn(&tok);
	burn(&js);
	buf_free(&role);
	curl_slist_free_all(hdr);
	free(url);
	free(base);
	return rc;
}

/* SSO: the CLI's cached token for the start URL or session, then the
 * portal's GetRoleCredentials. */
static int
sso_creds(const struct creds_ctx *x, const char *profile, struct creds *cr,
    char *err, size_t errlen)
{
	struct curl_slist *hdr = NULL;
	struct buf out = { 0 };
	unsigned char d[SHA_DIGEST_LENGTH];
	char *acct, *role, *sess, *start = NULL, *region = NULL, *key, *path;
	char *js = NULL, *tok = NULL, *exp = NULL, *url = NULL, *s, *src;
	char hex[2 * SHA_DIGEST_LENGTH + 1], why[160];
	const char *home = getenv("HOME");
	const char *ep[] = { "roleCredentials", "expiration", NULL };
	yajl_val root = NULL, v;
	long status;
	int i, rc = -2;

	acct = conf(x, profile, "sso_account_id");
	role = conf(x, profile, "sso_role_name");
	if (acct == NULL || role == NULL) {
		free(acct);
		free(role);
		return -1;
	}
	src = s3_fmt("SSO (profile %s)", profile);
	if ((sess = conf(x, profile, "sso_session")) != NULL) {
		s = s3_fmt("sso-session %s", sess);
		start = awsconf_get(x->conf_file, s, "sso_start_url");
		region = awsconf_get(x->conf_file, s, "sso_region");
		free(s);
		key = sess;
	} else {
		start = conf(x, profile, "sso_start_url");
		region = conf(x, profile, "sso_region");
		key = start;
	}
	if (key == NULL || region == NULL || home == NULL) {
		snprintf(err, errlen, "credentials from %s: no sso_start_url "
		    "or sso_region", src);
		goto out;
	}
	SHA1((const unsigned char *)key, strlen(key), d);
	for (i = 0; i < SHA_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	path = s3_fmt("%s/.aws/sso/cache/%s.json", home, hex);
	js = readtoken(path);
	if (js == NULL || (root = yajl_tree_parse(js, NULL, 0)) == NULL ||
	    (tok = jstr(root, "accessToken", NULL)) == NULL) {
		snprintf(err, errlen, "credentials from %s: no token in %s: "
		    "run aws sso login", src, path);
		free(path);
		goto out;
	}
	free(path);
	exp = jstr(root, "expiresAt", NULL);
	if (exp == NULL || creds_iso8601(exp) <= time(NULL)) {
		snprintf(err, errlen, "credentials from %s: the SSO token has "
		    "expired: run aws sso login", src);
		goto out;
	}
	if ((url = env_dup("AWS_ENDPOINT_URL_SSO")) == NULL)
		url = s3_fmt("https://portal.sso.%s.amazonaws.com", region);
	s = formenc(acct);
	path = formenc(role);
	while (*url && url[strlen(url) - 1] == '/')
		url[strlen(url) - 1] = '\0';
	{
		char *u = s3_fmt("%s/federation/credentials?account_id=%s&"
		    "role_name=%s", url, s, path);

		free(url);
		url = u;
	}
	free(s);
	free(path);
	s = s3_fmt("x-amz-sso_bearer_token: %s", tok);
	hdr = curl_slist_append(hdr, s);
	explicit_bzero(s, strlen(s));
	free(s);
	tracef(x->trace, "credentials: SSO portal %s", url);
	if (http(x, "GET", url, hdr, NULL, 30, &status, &out, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "credentials from %s (%s): %s", src, url,
		    why);
		goto out;
	}
	if (status != 200) {
		snprintf(err, errlen, "credentials from %s (%s): %ld", src,
		    url, status);
		goto out;
	}
	yajl_tree_free(root);
	if ((root = yajl_tree_parse(out.p, NULL, 0)) == NULL) {
		snprintf(err, errlen, "credentials from %s: not JSON", src);
		goto out;
	}
	cr->access_key = jstr(root, "roleCredentials", "accessKeyId");
	cr->secret_key = jstr(root, "roleCredentials", "secretAccessKey");
	cr->session_token = jstr(root, "roleCredentials", "sessionToken");
	if ((v = yajl_tree_get(root, ep, yajl_t_number)) != NULL &&
	    YAJL_IS_INTEGER(v))
		cr->expiration = (time_t)(YAJL_GET_INTEGER(v) / 1000);
	if (cr->access_key == NULL || cr->secret_key == NULL) {
		snprintf(err, errlen, "credentials from %s: no roleCredentials "
		    "in the answer", src);
		goto out;
	}
	cr->source = src;
	src = NULL;
	rc = 0;
out:
	yajl_tree_free(root);
	if (js != NULL)
		explicit_bzero(js, strlen(js));
	if (tok != NULL)
		explicit_bzero(tok, strlen(tok));
	burn(&out);
	curl_slist_free_all(hdr);
	free(js);
	free(tok);
	free(exp);
	free(url);
	free(acct);
	free(role);
	free(sess);
	free(start);
	free(region);
	free(src);
	return rc;
}

/* Static keys of a profile: the credentials file, then the config file. */
static int
static_keys(const struct creds_ctx *x, const char *profile, int conffile,
    struct creds *cr)
{
	if (!conffile) {
		cr->access_key = awsconf_get(x->cred_file, profile,
		    "aws_access_key_id");
		cr->secret_key = awsconf_get(x->cred_file, profile,
		    "aws_secret_access_key");
	} else {
		cr->access_key = conf(x, profile, "aws_access_key_id");
		cr->secret_key = conf(x, profile, "aws_secret_access_key");
	}
	if (cr->access_key == NULL || cr->secret_key == NULL) {
		creds_free(cr);
		return -1;
	}
	if (!conffile)
		cr->session_token = awsconf_get(x->cred_file, profile,
		    "aws_session_token");
	else
		cr->session_token = conf(x, profile, "aws_session_token");
	cr->source = xstrdup(conffile ? "config file" : "credentials file");
	return 0;
}

static int env_creds(struct creds *);
static int profile_creds(const struct creds_ctx *, const char *, int,
    struct creds *, char *, size_t);

/* AssumeRole for the profile's role_arn. */
static int
assume_role(const struct creds_ctx *x, const char *profile, int depth,
    struct creds *cr, char *err, size_t errlen)
{
	struct creds src = { 0 };
	char *arn, *sp, *cs, *sess, *ext, *dur, *form, *a, *s, *region, *what;
	int rc;

	if ((arn = conf(x, profile, "role_arn")) == NULL)
		return -1;
	what = s3_fmt("assume role %s (profile %s)", arn, profile);
	sp = conf(x, profile, "source_profile");
	cs = conf(x, profile, "credential_source");
	if (depth >= MAXDEPTH) {
		snprintf(err, errlen, "credentials from %s: source_profile "
		    "chain longer than %d", what, MAXDEPTH);
		rc = -2;
	} else if (sp != NULL) {
		/* A profile that names itself uses its own keys. */
		if (strcmp(sp, profile) == 0)
			rc = static_keys(x, sp, 0, &src) == 0 ||
			    static_keys(x, sp, 1, &src) == 0 ? 0 : -1;
		else
			rc = profile_creds(x, sp, depth + 1, &src, err, errlen);
		if (rc == -1)
			snprintf(err, errlen, "credentials from %s: no "
			    "credentials in source_profile %s", what, sp);
	} else if (cs != NULL) {
		if (strcmp(cs, "Environment") == 0)
			rc = env_creds(&src);
		else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
			rc = imds_creds(x, &src, err, errlen);
		else if (strcmp(cs, "EcsContainer") == 0)
			rc = container_creds(x, &src, err, errlen);
		else {
			snprintf(err, errlen, "credentials from %s: "
			    "credential_source %s: not Environment, "
			    "Ec2InstanceMetadata or EcsContainer", what, cs);
			rc = -2;
		}
		if (rc == -1)
			snprintf(err, errlen, "credentials from %s: nothing "
			    "from credential_source %s", what, cs);
	} else if ((s = conf(x, profile, "web_identity_token_file")) != NULL) {
		rc = web_identity(x, profile, arn, s, cr, err, errlen);
		free(s);
		goto out;
	} else {
		snprintf(err, errlen, "credentials from %s: no source_profile "
		    "or credential_source", what);
		rc = -2;
	}
	if (rc != 0) {
		rc = -2;
		goto out;
	}
	sess = session_name(x, profile);
	a = formenc(arn);
	s = formenc(sess);
	form = s3_fmt("Action=AssumeRole&RoleArn=%s&RoleSessionName=%s&"
	    "Version=2011-06-15", a, s);
	free(a);
	free(s);
	if ((dur = conf(x, profile, "duration_seconds")) != NULL) {
		s = s3_fmt("%s&DurationSeconds=%lld", form, atoll(dur));
		free(form);
		form = s;
		free(dur);
	}
	if ((ext = conf(x, profile, "external_id")) != NULL) {
		a = formenc(ext);
		s = s3_fmt("%s&ExternalId=%s", form, a);
		free(form);
		free(a);
		form = s;
		free(ext);
	}
	region = profile_region(x, profile);
	rc = sts_call(x, region, form, &src, what, cr, err, errlen);
	if (rc == 0)
		cr->source = what, what = NULL;
	free(region);
	free(form);
	free(sess);
out:
	creds_free(&src);
	free(what);
	free(arn);
	free(sp);
	free(cs);
	return rc;
}

/* AWS_ACCESS_KEY_ID and friends: 0, or -1 if they are not both set. */
static int
env_creds(struct creds *cr)
{
	if ((cr->access_key = env_dup("AWS_ACCESS_KEY_ID")) == NULL ||
	    (cr->secret_key = env_dup("AWS_SECRET_ACCESS_KEY")) == NULL) {
		creds_free(cr);
		return -1;
	}
	cr->session_token = env_dup("AWS_SESSION_TOKEN");
	cr->source = xstrdup("environment");
	return 0;
}

/*
 * What a profile gives, as a source profile: its role, web identity, SSO,
 * keys or credential_process.
 */
static int
profile_creds(const struct creds_ctx *x, const char *profile, int depth,
    struct creds *cr, char *err, size_t errlen)
{
	char *v;
	int rc;

	if ((rc = assume_role(x, profile, depth, cr, err, errlen)) != -1)
		return rc;
	if ((rc = sso_creds(x, profile, cr, err, errlen)) != -1)
		return rc;
	if (static_keys(x, profile, 0, cr) == 0)
		return 0;
	if ((v = conf(x, profile, "credential_process")) != NULL) {
		rc = process_creds(x, profile, v, cr, err, errlen);
		free(v);
		return rc;
	}
	if (static_keys(x, profile, 1, cr) == 0)
		return 0;
	return -1;
}

int
creds_load(const struct creds_ctx *x, struct creds *cr, char *err,
    size_t errlen)
{
	char *arn, *tf, *v;
	int rc;

	memset(cr, 0, sizeof(*cr));
	if (env_creds(cr) == 0)
		return 0;
	if ((rc = assume_role(x, x->profile, 0, cr, err, errlen)) != -1)
		goto done;
	arn = env_dup("AWS_ROLE_ARN");
	tf = env_dup("AWS_WEB_IDENTITY_TOKEN_FILE");
	if (arn != NULL && tf != NULL) {
		rc = web_identity(x, NULL, arn, tf, cr, err, errlen);
		free(arn);
		free(tf);
		goto done;
	}
	free(arn);
	free(tf);
	if ((rc = sso_creds(x, x->profile, cr, err, errlen)) != -1)
		goto done;
	if (static_keys(x, x->profile, 0, cr) == 0)
		return 0;
	if ((v = conf(x, x->profile, "credential_process")) != NULL) {
		rc = process_creds(x, x->profile, v, cr, err, errlen);
		free(v);
		goto done;
	}
	if (static_keys(x, x->profile, 1, cr) == 0)
		return 0;
	if ((rc = container_creds(x, cr, err, errlen)) != -1)
		goto done;
	if ((v = getenv("AWS_EC2_METADATA_DISABLED")) == NULL ||
	    strcasecmp(v, "true") != 0) {
		rc = imds_creds(x, cr, err, errlen);
		goto done;
	}
	snprintf(err, errlen, "no credentials: set AWS_ACCESS_KEY_ID and "
	    "AWS_SECRET_ACCESS_KEY, or a profile, or use -A for anonymous "
	    "access");
	return -1;
done:
	if (rc != 0)
		creds_free(cr);
	return rc;
}
