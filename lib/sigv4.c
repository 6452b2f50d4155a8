/* See LICENSE file for copyright and license details. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "buf.h"
#include "sigv4.h"
#include "util.h"

/*
 * Append n bytes of p to s percent-encoded the SigV4 way (RFC 3986
 * unreserved kept).
 */
static void
enc_into(struct buf *s, const char *p, size_t n, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char e[3];
	size_t i;

	buf_add(s, "", 0);
	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (isalnum(c) && c < 0x80)
			buf_putc(s, (char)c);
		else if (c == '-' || c == '.' || c == '_' || c == '~' ||
		    (c == '/' && keep_slash))
			buf_putc(s, (char)c);
		else {
			e[0] = '%';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			buf_add(s, e, 3);
		}
	}
}

char *
sigv4_encode(const char *p, size_t n, int keep_slash)
{
	struct buf s = { 0 };

	enc_into(&s, p, n, keep_slash);
	return s.p;
}

struct encparam {
	char	*name, *value;
};

static int
cmpparam(const void *a, const void *b)
{
	const struct encparam *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->value, y->value);
}

char *
sigv4_query(const struct sigv4_param *q, size_t n)
{
	struct encparam *e;
	struct buf s = { 0 };
	size_t i;

	buf_add(&s, "", 0);
	if (n == 0)
		return s.p;
	e = xreallocarray(NULL, n, sizeof(*e));
	for (i = 0; i < n; i++) {
		e[i].name = sigv4_encode(q[i].name, strlen(q[i].name), 0);
		e[i].value = q[i].value == NULL ? xstrdup("") :
		    sigv4_encode(q[i].value, strlen(q[i].value), 0);
	}
	qsort(e, n, sizeof(*e), cmpparam);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&s, '&');
		buf_puts(&s, e[i].name);
		buf_putc(&s, '=');
		buf_puts(&s, e[i].value);
		free(e[i].name);
		free(e[i].value);
	}
	free(e);
	return s.p;
}

void
sigv4_amzdate(time_t when, char buf[17])
{
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(buf, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* n bytes of d as lower-case hex, NUL-terminated, into hex. */
static void
tohex(const unsigned char *d, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

void
sigv4_sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char d[SHA256_DIGEST_LENGTH];

	SHA256(p, n, d);
	tohex(d, sizeof(d), hex);
}

/* HMAC-SHA256 of the string msg under key. */
static void
hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int olen = 32;

	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
	    strlen(msg), out, &olen);
}

struct canhdr {
	char	*name;
	char	*value;
};

static int
cmphdr(const void *a, const void *b)
{
	return strcmp(((const struct canhdr *)a)->name,
	    ((const struct canhdr *)b)->name);
}

/* Lower-case the name; trim the value and fold inner runs of blanks. */
static void
canon_header(const struct sigv4_header *h, struct canhdr *c)
{
	const char *v;
	char *p, *w;
	int sp = 0;

	c->name = xstrdup(h->name);
	for (p = c->name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	v = h->value;
	while (*v == ' ' || *v == '\t')
		v++;
	c->value = w = xmalloc(strlen(v) + 1);
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			sp = 1;
			continue;
		}
		if (sp && w > c->value)
			*w++ = ' ';
		sp = 0;
		*w++ = *v;
	}
	*w = '\0';
}

char *
sigv4_authorization(const struct sigv4_req *r, char **canonp)
{
	struct buf can = { 0 }, sts = { 0 }, signed_h = { 0 }, auth = { 0 };
	struct canhdr *h;
	unsigned char k[32], k2[32], sig[32];
	char amzdate[17], date[9], hex[65], *q, *key;
	size_t i, klen;

	sigv4_amzdate(r->when, amzdate);
	memcpy(date, amzdate, 8);
	date[8] = '\0';

	/* Canonical request. */
	buf_puts(&can, r->method);
	buf_putc(&can, '\n');
	enc_into(&can, r->path, strlen(r->path), 1);
	buf_putc(&can, '\n');
	q = sigv4_query(r->query, r->nquery);
	buf_puts(&can, q);
	free(q);
	buf_putc(&can, '\n');
	h = xreallocarray(NULL, r->nheaders ? r->nheaders : 1, sizeof(*h));
	for (i = 0; i < r->nheaders; i++)
		canon_header(&r->headers[i], &h[i]);
	qsort(h, r->nheaders, sizeof(*h), cmphdr);
	buf_add(&signed_h, "", 0);
	for (i = 0; i < r->nheaders; i++) {
		buf_puts(&can, h[i].name);
		buf_putc(&can, ':');
		buf_puts(&can, h[i].value);
		buf_putc(&can, '\n');
		if (i > 0)
			buf_putc(&signed_h, ';');
		buf_puts(&signed_h, h[i].name);
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
	buf_putc(&can, '\n');
	buf_puts(&can, signed_h.p);
	buf_putc(&can, '\n');
	buf_puts(&can, r->payload_hash);

	/* String to sign. */
	buf_puts(&sts, "AWS4-HMAC-SHA256\n");
	buf_puts(&sts, amzdate);
	buf_putc(&sts, '\n');
	buf_puts(&sts, date);
	buf_putc(&sts, '/');
	buf_puts(&sts, r->region);
	buf_putc(&sts, '/');
	buf_puts(&sts, r->service);
	buf_puts(&sts, "/aws4_request\n");
	sigv4_sha256_hex(can.p, can.len, hex);
	buf_puts(&sts, hex);

	/* Signing key: HMAC chain from "AWS4" + secret. */
	klen = strlen(r->secret_key) + 4;
	key = xmalloc(klen + 1);
	snprintf(key, klen + 1, "AWS4%s", r->secret_key);
	hmac(key, klen, date, k);
	explicit_bzero(key, klen);
	free(key);
	hmac(k, 32, r->region, k2);
	hmac(k2, 32, r->service, k);
	hmac(k, 32, "aws4_request", k2);
	hmac(k2, 32, sts.p, sig);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(k2, sizeof(k2));
	tohex(sig, 32, hex);

	buf_puts(&auth, "AWS4-HMAC-SHA256 Credential=");
	buf_puts(&auth, r->access_key);
	buf_putc(&auth, '/');
	buf_puts(&auth, date);
	buf_putc(&auth, '/');
	buf_puts(&auth, r->region);
	buf_putc(&auth, '/');
	buf_puts(&auth, r->service);
	buf_puts(&auth, "/aws4_request, SignedHeaders=");
	buf_puts(&auth, signed_h.p);
	buf_puts(&auth, ", Signature=");
	buf_puts(&auth, hex);

	free(signed_h.p);
	free(sts.p);
	if (canonp != NULL)
		*canonp = can.p;
	else
		free(can.p);
	return auth.p;
}
