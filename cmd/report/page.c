/* See LICENSE file for copyright and license details. */
/*
 * The pieces every page is made of: the page itself, tiles, tables with
 * their TSV twins, info lists, charts over days and relative links.  They
 * write into rep.html and rep.tsv.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "out.h"
#include "report.h"
#include "site.h"
#include "svg.h"
#include "util.h"

static const char *root;	/* "" for top-level pages, "../" below */
static const char *tabtsv;	/* TSV file of the open table */
static int	 tabcols;	/* its number of columns */
static int	 cellno;	/* cells of the open row so far */
/* The page, while tab_tsvonly() sends rows to the TSV alone. */
static struct html_buf hidden;
static int	 tsvonly;

/* A file name for a page from a string that is not a database id. */
void
safename(const char *s, char *out, size_t sz)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i, n = strlen(s);
	int ok = n > 0 && n <= 64;

	for (i = 0; ok && i < n; i++)
		ok = (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (i > 0 && (s[i] == '-' || s[i] == '_' || s[i] == '.'));
	if (ok) {
		snprintf(out, sz, "%s", s);
		return;
	}
	SHA256((const unsigned char *)s, n, md);
	snprintf(out, sz, "h-%02x%02x%02x%02x%02x%02x%02x%02x", md[0], md[1],
	    md[2], md[3], md[4], md[5], md[6], md[7]);
}

/* Write a page or TSV file of the site, naming it on stdout if changed. */
void
put(const char *rel, struct html_buf *b)
{
	char err[SITE_ERRSZ];
	int r;

	r = site_put(rep.site, rel, b->p ? b->p : "", b->n, err);
	if (r == -1) {
		warnx("%s", err);
		rep.failed = 1;
	} else if (r == 1)
		out_printf("%s\n", rel);
	html_reset(b);
}
/* Start a page; depth 1 for the pages in a subdirectory. */
void
begin(const char *title, const char *sub, int depth)
{
	root = depth ? "../" : "";
	html_reset(&rep.html);
	html_begin(&rep.html, root, title, sub,
	    rep.geo != NULL ? HTML_NAV_COUNTRIES : 0);
}

/* End the page and write it as rel. */
void
finish(const char *rel)
{
	html_end(&rep.html, root, rep.note);
	put(rel, &rep.html);
}

/* A tile of the home page and the entity pages: a value and its label. */
static void
tile(const char *label, const char *fmt, ...)
{
	va_list ap;
	char v[64];

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	html_puts(&rep.html, "<div class=\"tile\"><div class=\"v\">");
	html_esc(&rep.html, v);
	html_puts(&rep.html, "</div><div class=\"l\">");
	html_esc(&rep.html, label);
	html_puts(&rep.html, "</div></div>\n");
}

void
tilenum(const char *label, long long n)
{
	struct html_buf b = { 0 };

	html_num(&b, n);
	tile(label, "%s", b.p);
	html_free(&b);
}

/* A count, marked "≈" when it is an estimate. */
void
tileest(const char *label, double v, int approx)
{
	struct html_buf b = { 0 };

	html_num(&b, (long long)(v + 0.5));
	tile(label, "%s%s", approx ? "\xe2\x89\x88\xc2\xa0" : "", b.p);
	html_free(&b);
}

void
tilebytes(const char *label, double n)
{
	struct html_buf b = { 0 };

	html_bytes(&b, n);
	tile(label, "%s", b.p);
	html_free(&b);
}

/*
 * Open a table under the heading h2 (NULL: none) and its TSV file tsvrel,
 * with the columns col[0..n): "name", or "#name" for a numeric column.
 */
static void
tab_open(const char *h2, const char *tsvrel, const char *const *col,
    size_t n)
{
	size_t i;
	int num;

	if (h2 != NULL) {
		html_puts(&rep.html, "<h2>");
		html_esc(&rep.html, h2);
		html_puts(&rep.html, "</h2>\n");
	}
	html_puts(&rep.html, "<div class=\"tw\"><table>\n<thead><tr>");
	html_reset(&rep.tsv);
	tabtsv = tsvrel;
	tabcols = (int)n;
	for (i = 0; i < n; i++) {
		num = col[i][0] == '#';
		html_printf(&rep.html, "<th%s>", num ? " class=\"n\"" : "");
		html_esc(&rep.html, col[i] + num);
		html_puts(&rep.html, "</th>");
		if (i > 0)
			html_puts(&rep.tsv, "\t");
		html_puts(&rep.tsv, col[i] + num);
	}
	html_puts(&rep.html, "</tr></thead>\n<tbody>\n");
	html_puts(&rep.tsv, "\n");
}

/* As tab_open(), the columns given as arguments, NULL-terminated. */
void
tab_begin(const char *h2, const char *tsvrel, ...)
{
	const char *col[16];
	size_t n = 0;
	va_list ap;

	va_start(ap, tsvrel);
	while ((col[n] = va_arg(ap, const char *)) != NULL)
		if (++n == sizeof(col) / sizeof(col[0]))
			errx(1, "internal: too many columns");
	va_end(ap);
	tab_open(h2, tsvrel, col, n);
}

void
row_begin(void)
{
	html_puts(&rep.html, "<tr>");
	cellno = 0;
}

void
row_end(void)
{
	html_puts(&rep.html, "</tr>\n");
	html_puts(&rep.tsv, "\n");
}

/* The TSV's separator before every cell but a row's first. */
static void
tsvsep(void)
{
	if (cellno++ > 0)
		html_puts(&rep.tsv, "\t");
}

/* A cell with text (escaped), linked when href is not NULL. */
void
cell_link(const char *text, const char *href)
{
	tsvsep();
	html_tsv(&rep.tsv, text);
	html_puts(&rep.html, "<td class=\"k\">");
	if (href != NULL) {
		html_puts(&rep.html, "<a href=\"");
		html_esc(&rep.html, href);
		html_puts(&rep.html, "\">");
	}
	html_esc(&rep.html, text ? text : "");
	if (href != NULL)
		html_puts(&rep.html, "</a>");
	html_puts(&rep.html, "</td>");
}

/* A cell with text, not linked. */
void
cell_text(const char *text)
{
	cell_link(text, NULL);
}

/* A count: grouped digits on the page, plain in the TSV. */
void
cell_num(long long n)
{
	tsvsep();
	html_printf(&rep.tsv, "%lld", n);
	html_puts(&rep.html, "<td class=\"n\">");
	html_num(&rep.html, n);
	html_puts(&rep.html, "</td>");
}

/* A byte count: human units on the page, plain in the TSV. */
void
cell_bytes(long long n)
{
	tsvsep();
	html_printf(&rep.tsv, "%lld", n);
	html_puts(&rep.html, "<td class=\"n\">");
	html_bytes(&rep.html, (double)n);
	html_puts(&rep.html, "</td>");
}

/*
 * The rows that follow go to the TSV alone (the page shows the first
 * ones), until tab_end().
 */
void
tab_tsvonly(void)
{
	hidden = rep.html;
	rep.html = (struct html_buf){ 0 };
	tsvonly = 1;
}

/*
 * Close the table, nshown of its total rows on the page, with a link to its
 * TSV, and write the TSV.
 */
void
tab_end(size_t nshown, size_t total)
{
	const char *name;

	if (tsvonly) {
		html_free(&rep.html);
		rep.html = hidden;
		tsvonly = 0;
	}
	if (nshown == 0)
		html_printf(&rep.html, "<tr><td colspan=\"%d\" "
		    "class=\"small\">none</td></tr>\n", tabcols);
	html_puts(&rep.html, "</tbody></table></div>\n<p class=\"dl\">");
	if (nshown < total)
		html_printf(&rep.html, "First %zu of %zu rows. ", nshown,
		    total);
	name = strrchr(tabtsv, '/');
	name = name ? name + 1 : tabtsv;
	html_puts(&rep.html, "<a href=\"");
	html_esc(&rep.html, name);
	html_puts(&rep.html, "\" type=\"text/tab-separated-values\">");
	html_puts(&rep.html, nshown < total ? "All rows as TSV" : "As TSV");
	html_puts(&rep.html, "</a></p>\n");
	put(tabtsv, &rep.tsv);
}

/*
 * A link relative to the page being written, in one of eight rotating
 * buffers: hrefs are ids or safe names, see safename().
 */
const char *
rlink(const char *fmt, ...)
{
	static char linkbuf[8][128];
	static int linkn;
	va_list ap;
	char *b = linkbuf[linkn++ % 8];
	int n;

	n = snprintf(b, 128, "%s", root);
	va_start(ap, fmt);
	vsnprintf(b + n, 128 - (size_t)n, fmt, ap);
	va_end(ap);
	return b;
}

/* A file's one label: its accession when the portal knows it. */
const char *
objlabel(const struct obj *o)
{
	return o->acc != NULL && *o->acc != '\0' ? o->acc : o->base;
}

const char *
objlink(const struct obj *o)
{
	return rlink("f/%d.html", o->id);
}

const char *
clientlink(const struct client *c)
{
	return rlink("d/%d.html", c->id);
}

const char *
reqlink(const struct requester *q)
{
	return rlink("r/%d.html", q->id);
}

/* The link to a group's page, NULL when name is in no group of g. */
const char *
grouplink(const char *dir, struct group *g, size_t ng, const char *name)
{
	struct group *q = findgroup(g, ng, name);

	return q ? rlink("%s/%s.html", dir, q->page) : NULL;
}

/*
 * A daily series (a slice of odays, cdays or rdays) as a chart over the
 * days of b, plus the values all[] of each of those days when not NULL.
 */
void
chart(const char *title, const struct bins *b, const struct day *d,
    size_t n, const long long *all)
{
	double *v;
	size_t i;

	v = xcalloc(b->nbins, sizeof(*v));
	if (all != NULL)
		for (i = 0; i < b->ndays; i++)
			v[binof(b, b->dmin + (int)i)] += (double)all[i];
	for (i = 0; i < n; i++)
		if (d[i].day >= b->dmin && d[i].day <= b->dmax)
			v[binof(b, d[i].day)] += (double)d[i].v;
	html_puts(&rep.html, "<h2>");
	html_esc(&rep.html, title);
	html_puts(&rep.html, b->monthly ? " (per month)" : " (per day)");
	html_puts(&rep.html, "</h2>\n<div class=\"card chart\">");
	svg_series(&rep.html, b->nbins, (const char *const *)b->label, v,
	    title);
	html_puts(&rep.html, "</div>\n");
	free(v);
}

/* Open a card of information lines (info()) under the heading h2. */
void
info_begin(const char *h2)
{
	html_puts(&rep.html, "<h2>");
	html_esc(&rep.html, h2);
	html_puts(&rep.html, "</h2>\n<div class=\"card\"><dl "
	    "class=\"info\">\n");
}

/* One line of a <dl>; value escaped, linked when href; ext: portal link. */
void
info(const char *label, const char *value, const char *href, const char *ext)
{
	html_puts(&rep.html, "<dt>");
	html_esc(&rep.html, label);
	html_puts(&rep.html, "</dt><dd>");
	if (value == NULL) {
		html_puts(&rep.html, "<span class=\"small\">unknown</span>"
		    "</dd>\n");
		return;
	}
	if (href != NULL) {
		html_puts(&rep.html, "<a href=\"");
		html_esc(&rep.html, href);
		html_puts(&rep.html, "\">");
	}
	html_esc(&rep.html, value);
	if (href != NULL)
		html_puts(&rep.html, "</a>");
	if (ext != NULL) {
		html_puts(&rep.html, " <a class=\"small\" rel=\"external "
		    "noopener\" href=\"");
		html_esc(&rep.html, ext);
		html_puts(&rep.html, "\">ENCODE portal \xe2\x86\x97</a>");
	}
	html_puts(&rep.html, "</dd>\n");
}

void
info_end(void)
{
	html_puts(&rep.html, "</dl></div>\n");
}

/* The portal's page of name, a string the caller frees; NULL for NULL. */
char *
portal(const char *kind, const char *name)
{
	struct html_buf b = { 0 };

	if (name == NULL)
		return NULL;
	html_printf(&b, "%s/%s/", PORTAL, kind);
	html_url(&b, name, 0);
	html_puts(&b, "/");
	return b.p;
}

/* "Top 100 downloaders" when the list was cut, else just the title. */
void
toptitle(char *buf, size_t sz, const char *what, size_t shown, double total)
{
	if (shown >= PAIRMAX && total > shown)
		snprintf(buf, sz, "Top %zu %s", shown, what);
	else
		snprintf(buf, sz, "%c%s", what[0] - 'a' + 'A', what + 1);
}


/*
 * A table of top pairs, v[0..n), as the TSV rel under the heading h2:
 * their file, downloader and requester as cols (PAIR_* flags) says.
 */
void
pairtable(const char *h2, const char *rel, const struct pair *v, size_t n,
    int cols)
{
	const char *col[8];
	size_t i, k = 0;

	col[k++] = "#Rank";
	if (cols & PAIR_FILE) {
		col[k++] = "File";
		col[k++] = "Experiment";
	}
	if (cols & PAIR_CLIENT)
		col[k++] = "Downloader";
	if (cols & PAIR_REQ)
		col[k++] = "Requester";
	col[k++] = "#Downloads";
	col[k++] = "#Bytes sent";
	tab_open(h2, rel, col, k);
	for (i = 0; i < n; i++) {
		const struct pair *x = &v[i];
		const struct obj *o = &rep.objs[x->obj];
		const struct client *c = &rep.clients[x->client];
		const struct requester *q = x->req >= 0 ? &rep.reqs[x->req] :
		    NULL;

		row_begin();
		cell_num((long long)i + 1);
		if (cols & PAIR_FILE) {
			cell_link(objlabel(o), objlink(o));
			cell_link(o->exp, grouplink("e", rep.exps, rep.nexps,
			    o->exp));
		}
		if (cols & PAIR_CLIENT)
			cell_link(c->name, clientlink(c));
		if (cols & PAIR_REQ)
			cell_link(q ? q->name : "anonymous",
			    q ? reqlink(q) : NULL);
		cell_num(x->dl);
		cell_bytes(x->bytes);
		row_end();
	}
	tab_end(n, n);
}
