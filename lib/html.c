/* See LICENSE file for copyright and license details. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "utf8.h"
#include "util.h"

/*
 * One style sheet, inlined in every page: a published page must not fetch
 * anything (offline, S3 website, strict CSP), and a few KB per page is
 * cheaper than a second request.  System fonts only.
 */
static const char css[] =
"*{box-sizing:border-box}"
"body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
"'Helvetica Neue',Arial,sans-serif;color:#1f2933;background:#f4f6f8}"
"a{color:#0b5cad;text-decoration:none}a:hover{text-decoration:underline}"
"header{background:#12355b;color:#fff}"
"header .in{max-width:1100px;margin:0 auto;padding:.6em 1em;display:flex;"
"flex-wrap:wrap;align-items:center;gap:.3em 1.2em}"
"header .brand{font-weight:600;font-size:1.1em;color:#fff}"
"header nav{display:flex;flex-wrap:wrap;gap:.1em 1em}"
"header nav a{color:#cfe0f3;white-space:nowrap}"
"header nav a:hover{color:#fff}"
"main{max-width:1100px;margin:0 auto;padding:1em}"
"h1{font-size:1.6em;margin:.4em 0 .1em;overflow-wrap:anywhere}"
"h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:2px solid #d9e2ec;"
"padding-bottom:.2em}"
".sub{color:#52606d;margin:0 0 1em;overflow-wrap:anywhere}"
".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));"
"gap:.8em;margin:1em 0}"
".tile{background:#fff;border-radius:8px;padding:.9em 1em;"
"box-shadow:0 1px 3px rgba(0,0,0,.08);text-align:center}"
".tile .v{font-size:1.9em;font-weight:600;color:#12355b;line-height:1.2}"
".tile .l{color:#52606d;font-size:.9em}"
".card{background:#fff;border-radius:8px;padding:1em;"
"box-shadow:0 1px 3px rgba(0,0,0,.08);margin:1em 0}"
".chart svg{width:100%;height:auto;display:block}"
".tw{overflow-x:auto;background:#fff;border-radius:8px;"
"box-shadow:0 1px 3px rgba(0,0,0,.08)}"
"table{border-collapse:collapse;width:100%;font-size:.93em}"
"th,td{padding:.45em .7em;text-align:left;border-bottom:1px solid #e4e7eb;"
"vertical-align:top}"
"th{background:#e9eef4;font-weight:600;white-space:nowrap}"
"tr:nth-child(even) td{background:#f8fafc}"
"td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
"td.k{overflow-wrap:anywhere;min-width:8em}"
".small{font-size:.85em;color:#52606d}"
".dl{font-size:.85em;margin:.4em 0 0}"
"dl.info{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em;"
"margin:0}dl.info dt{font-weight:600;color:#52606d}"
"dl.info dd{margin:0;overflow-wrap:anywhere}"
"ul.cols{columns:14em;padding-left:1.2em}"
"footer{max-width:1100px;margin:2em auto;padding:0 1em;color:#7b8794;"
"font-size:.85em}"
"@media (max-width:600px){body{font-size:14px}.tile .v{font-size:1.5em}"
"th,td{padding:.35em .45em}}"
"@media print{header nav,.dl{display:none}body{background:#fff}"
"header{background:#fff;color:#000;border-bottom:1px solid #000}"
"header .brand{color:#000}.tile,.card,.tw{box-shadow:none;border:1px solid #ccc}"
"tr,.tile,.card{break-inside:avoid}a{color:#000}}";

void
html_reset(struct html_buf *b)
{
	b->n = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

void
html_free(struct html_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

static void
grow(struct html_buf *b, size_t more)
{
	size_t cap;

	if (b->n + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->n + more + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void
html_add(struct html_buf *b, const void *s, size_t n)
{
	grow(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void
html_puts(struct html_buf *b, const char *s)
{
	html_add(b, s, strlen(s));
}

void
html_printf(struct html_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	/* Most calls fit in what is left; print twice only when not. */
	grow(b, 128);
	room = b->cap - b->n;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->n, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->p[b->n] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->n += (size_t)n;
}

void
html_esc(struct html_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (s == NULL)
		return;
	while (*p != '\0') {
		switch (*p) {
		case '&': html_add(b, "&amp;", 5); p++; continue;
		case '<': html_add(b, "&lt;", 4); p++; continue;
		case '>': html_add(b, "&gt;", 4); p++; continue;
		case '"': html_add(b, "&quot;", 6); p++; continue;
		case '\'': html_add(b, "&#39;", 5); p++; continue;
		}
		if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f) {
			html_add(b, "\xef\xbf\xbd", 3);
			p++;
			continue;
		}
		if ((n = utf8_len(p, strnlen((const char *)p, 4))) == 0) {
			html_add(b, "\xef\xbf\xbd", 3);
			p++;
			continue;
		}
		html_add(b, p, n);
		p += n;
	}
}

static void
pct(struct html_buf *b, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char e[3];

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~' || (*p != '\0' && strchr(keep, *p))) {
			html_add(b, p, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[*p >> 4];
		e[2] = hex[*p & 15];
		html_add(b, e, 3);
	}
}

void
html_url(struct html_buf *b, const char *s, int keepslash)
{
	if (s != NULL)
		pct(b, s, keepslash ? "/" : "");
}

void
html_tsv(struct html_buf *b, const char *s)
{
	if (s != NULL)
		pct(b, s, "/:@+=,");
}

void
html_num(struct html_buf *b, long long n)
{
	char d[32], o[48];
	int len, i, j;
	/* The magnitude unsigned: -LLONG_MIN does not fit a long long. */
	unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n :
	    (unsigned long long)n;

	len = snprintf(d, sizeof(d), "%llu", u);
	j = 0;
	if (n < 0)
		o[j++] = '-';
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			o[j++] = ',';
		o[j++] = d[i];
	}
	html_add(b, o, (size_t)j);
}

void
html_bytes(struct html_buf *b, double n)
{
	static const char *u[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	size_t i = 0;

	while (n >= 1000 && i + 1 < sizeof(u) / sizeof(u[0])) {
		n /= 1000;
		i++;
	}
	if (i == 0)
		html_printf(b, "%.0f %s", n, u[i]);
	else
		html_printf(b, "%.*f %s", n < 10 ? 2 : n < 100 ? 1 : 0, n, u[i]);
}

void
html_begin(struct html_buf *b, const char *root, const char *title,
    const char *sub, int nav)
{
	/* Each page, and the flag without which the site has none. */
	static const struct {
		const char *href, *label;
		int flag;
	} link[] = {
		{ "index.html", "Dashboard", 0 },
		{ "files.html", "Files", 0 },
		{ "experiments.html", "Experiments", 0 },
		{ "labs.html", "Labs", 0 },
		{ "awards.html", "Awards", 0 },
		{ "requesters.html", "Requesters", 0 },
		{ "downloaders.html", "Downloaders", 0 },
		{ "countries.html", "Countries", HTML_NAV_COUNTRIES },
		{ "periods.html", "Periods", 0 },
	};
	size_t i;

	html_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"referrer\" content=\"no-referrer\">\n"
	    "<title>");
	html_esc(b, title);
	html_puts(b, " \xe2\x80\x93 S3 activity</title>\n<style>");
	html_puts(b, css);
	html_puts(b, "</style>\n</head>\n<body>\n<header><div class=\"in\">"
	    "<a class=\"brand\" href=\"");
	html_puts(b, root);
	html_puts(b, "index.html\">S3 activity</a>\n<nav>");
	for (i = 0; i < sizeof(link) / sizeof(link[0]); i++)
		if ((link[i].flag & ~nav) == 0)
			html_printf(b, "<a href=\"%s%s\">%s</a>", root,
			    link[i].href, link[i].label);
	html_puts(b, "</nav></div></header>\n<main>\n<h1>");
	html_esc(b, title);
	html_puts(b, "</h1>\n");
	if (sub != NULL && *sub != '\0') {
		html_puts(b, "<p class=\"sub\">");
		html_esc(b, sub);
		html_puts(b, "</p>\n");
	}
}

void
html_end(struct html_buf *b, const char *root, const char *note)
{
	html_puts(b, "</main>\n<footer>");
	html_esc(b, note);
	html_puts(b, "</footer>\n</body>\n</html>\n");
}
