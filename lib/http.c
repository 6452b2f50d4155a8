/* See LICENSE file for copyright and license details. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

int
http_header(const char *p, size_t n, struct http_header *h)
{
	const char *c, *e = p + n;

	memset(h, 0, sizeof(*h));
	if (n > 5 && strncmp(p, "HTTP/", 5) == 0) {
		c = memchr(p, ' ', n);
		h->status = c != NULL ? strtol(c + 1, NULL, 10) : 0;
		return HTTP_STATUS;
	}
	while (e > p && (e[-1] == '\r' || e[-1] == '\n'))
		e--;
	if (e == p)
		return HTTP_END;
	if ((c = memchr(p, ':', (size_t)(e - p))) == NULL)
		return HTTP_OTHER;
	h->name = p;
	h->namelen = (size_t)(c - p);
	for (c++; c < e && (*c == ' ' || *c == '\t'); c++)
		;
	h->value = c;
	h->len = (size_t)(e - c);
	return HTTP_FIELD;
}

int
http_header_is(const struct http_header *h, const char *name)
{
	return h->name != NULL && strlen(name) == h->namelen &&
	    strncasecmp(h->name, name, h->namelen) == 0;
}

long long
http_header_num(const struct http_header *h)
{
	char num[32];
	size_t n = h->len < sizeof(num) - 1 ? h->len : sizeof(num) - 1;

	memcpy(num, h->value, n);
	num[n] = '\0';
	return strtoll(num, NULL, 10);
}
