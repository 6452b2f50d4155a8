/* See LICENSE file for copyright and license details. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "buf.h"
#include "s3xml.h"
#include "util.h"

#define MAXDEPTH 8

/*
 * S3 answers are flat and small; a body that nests deeper than this, or
 * holds a text node longer than this, is not one of them.  Both keep the
 * memory expat and we spend proportional to the body, not a multiple.
 */
#define MAXNEST		64
#define MAXTEXT		(64 * 1024)
#define MAXENTRIES	100000	/* keys and prefixes in one page (S3: 1000) */
#define FEED		(1 << 20)	/* bytes per XML_Parse call */

struct pstate {
	XML_Parser	 p;
	const char	*why;		/* set when a handler stopped the parse */
	const char	*path[MAXDEPTH];	/* local names on the stack */
	int		 depth;
	struct buf	 text;
	/* list mode */
	struct s3xml_list *l;
	struct s3xml_object cur;
	int		 urlenc;
	/* find mode */
	const char	*want;
	char		*found;
};

/* An element name without its namespace prefix. */
static const char *
localname(const char *n)
{
	const char *c = strrchr(n, ':');

	return c ? c + 1 : n;
}

/* Stop the parser, keeping the first reason. */
static void
stop(struct pstate *s, const char *why)
{
	if (s->why == NULL)
		s->why = why;
	XML_StopParser(s->p, XML_FALSE);
}

/* expat DOCTYPE handler: refuse the document. */
static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	/* S3 never sends one; refusing it refuses entity expansion too. */
	stop(ud, "a DOCTYPE declaration");
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **attr)
{
	struct pstate *s = ud;

	if (s->depth < MAXDEPTH)
		s->path[s->depth] = xstrdup(localname(name));
	/* on_end still comes for this element: keep depth in step. */
	if (++s->depth > MAXNEST)
		stop(s, "elements nested too deeply");
	buf_reset(&s->text);
	if (s->l != NULL && s->depth == 2 && strcmp(localname(name),
	    "Contents") == 0)
		memset(&s->cur, 0, sizeof(s->cur));
}

static void XMLCALL
on_text(void *ud, const XML_Char *t, int len)
{
	struct pstate *s = ud;

	if (len < 0 || (size_t)len > MAXTEXT - s->text.len) {
		stop(s, "a text node longer than 64 KiB");
		return;
	}
	buf_add(&s->text, t, (size_t)len);
}

/* The end of an element of a ListBucketResult: store its text. */
static void
end_list(struct pstate *s, const char *name)
{
	struct s3xml_list *l = s->l;
	const char *parent = s->depth >= 2 && s->depth - 2 < MAXDEPTH ?
	    s->path[s->depth - 2] : "";
	const char *t = s->text.p ? s->text.p : "";

	if (s->depth == 2) {
		if (strcmp(name, "IsTruncated") == 0)
			l->truncated = strcmp(t, "true") == 0;
		else if (strcmp(name, "NextContinuationToken") == 0) {
			free(l->next_token);
			l->next_token = xstrdup(t);
		} else if (strcmp(name, "EncodingType") == 0)
			s->urlenc = strcmp(t, "url") == 0;
		else if (strcmp(name, "Contents") == 0) {
			if (s->cur.key == NULL)
				s->cur.key = xstrdup("");
			if (l->nobj + l->nprefix >= MAXENTRIES) {
				stop(s, "more than 100000 entries in one page");
				return;
			}
			if (l->nobj == l->capobj) {
				l->capobj = l->capobj ? 2 * l->capobj : 64;
				l->obj = xreallocarray(l->obj, l->capobj,
				    sizeof(*l->obj));
			}
			l->obj[l->nobj++] = s->cur;
			memset(&s->cur, 0, sizeof(s->cur));
		}
	} else if (s->depth == 3 && strcmp(parent, "Contents") == 0) {
		if (strcmp(name, "Key") == 0) {
			free(s->cur.key);
			s->cur.key = xstrdup(t);
		} else if (strcmp(name, "Size") == 0)
			s->cur.size = strtoll(t, NULL, 10);
		else if (strcmp(name, "LastModified") == 0)
			snprintf(s->cur.lastmod, sizeof(s->cur.lastmod), "%s", t);
		else if (strcmp(name, "ETag") == 0)
			snprintf(s->cur.etag, sizeof(s->cur.etag), "%s", t);
	} else if (s->depth == 3 && strcmp(parent, "CommonPrefixes") == 0 &&
	    strcmp(name, "Prefix") == 0) {
		if (l->nobj + l->nprefix >= MAXENTRIES) {
			stop(s, "more than 100000 entries in one page");
			return;
		}
		if (l->nprefix == l->capprefix) {
			l->capprefix = l->capprefix ? 2 * l->capprefix : 16;
			l->prefix = xreallocarray(l->prefix, l->capprefix,
			    sizeof(*l->prefix));
		}
		l->prefix[l->nprefix++] = xstrdup(t);
	}
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct pstate *s = ud;
	const char *n = localname(name);

	if (s->l != NULL)
		end_list(s, n);
	else if (s->found == NULL && strcmp(n, s->want) == 0)
		s->found = xstrdup(s->text.p ? s->text.p : "");
	s->depth--;
	if (s->depth < MAXDEPTH)
		free((char *)s->path[s->depth]);
	buf_reset(&s->text);
}

/* Feed xml to a new parser in pieces: 0, or -1 with err set. */
static int
parse(struct pstate *s, const char *xml, size_t n, char *err, size_t errlen)
{
	XML_Parser p;
	size_t off = 0, k;
	int ok;

	if ((p = XML_ParserCreate("UTF-8")) == NULL) {
		snprintf(err, errlen, "XML parser: out of memory");
		return -1;
	}
	s->p = p;
	XML_SetUserData(p, s);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	/* Pieces that fit expat's int length, whatever n is. */
	do {
		k = n - off < FEED ? n - off : FEED;
		ok = XML_Parse(p, xml + off, (int)k, off + k == n) ==
		    XML_STATUS_OK;
		off += k;
	} while (ok && off < n);
	if (!ok && err != NULL && s->why != NULL)
		snprintf(err, errlen, "bad XML in response: %s at line %lu",
		    s->why, (unsigned long)XML_GetCurrentLineNumber(p));
	else if (!ok && err != NULL)
		snprintf(err, errlen, "bad XML in response: %s at line %lu",
		    XML_ErrorString(XML_GetErrorCode(p)),
		    (unsigned long)XML_GetCurrentLineNumber(p));
	XML_ParserFree(p);
	while (s->depth > 0) {
		s->depth--;
		if (s->depth < MAXDEPTH)
			free((char *)s->path[s->depth]);
	}
	buf_free(&s->text);
	return ok ? 0 : -1;
}

char *
s3xml_urldecode(char *s)
{
	char *r = s, *w = s;

	for (; *r; r++) {
		if (r[0] == '%' && isxdigit((unsigned char)r[1]) &&
		    isxdigit((unsigned char)r[2])) {
			char h[3] = { r[1], r[2], 0 };

			*w++ = (char)strtol(h, NULL, 16);
			r += 2;
		} else
			*w++ = *r;
	}
	*w = '\0';
	return s;
}

int
s3xml_parse_list(const char *xml, size_t n, struct s3xml_list *l, char *err,
    size_t errlen)
{
	struct pstate s = { 0 };
	size_t i;

	s.l = l;
	if (parse(&s, xml, n, err, errlen) == -1) {
		free(s.cur.key);
		return -1;
	}
	free(s.cur.key);
	if (s.urlenc) {
		for (i = 0; i < l->nobj; i++)
			s3xml_urldecode(l->obj[i].key);
		for (i = 0; i < l->nprefix; i++)
			s3xml_urldecode(l->prefix[i]);
	}
	return 0;
}

void
s3xml_list_free(struct s3xml_list *l)
{
	size_t i;

	for (i = 0; i < l->nobj; i++)
		free(l->obj[i].key);
	for (i = 0; i < l->nprefix; i++)
		free(l->prefix[i]);
	free(l->obj);
	free(l->prefix);
	free(l->next_token);
	memset(l, 0, sizeof(*l));
}

char *
s3xml_find(const char *xml, size_t n, const char *name)
{
	struct pstate s = { 0 };

	s.want = name;
	if (parse(&s, xml, n, NULL, 0) == -1 && s.found == NULL)
		return NULL;
	return s.found;
}
