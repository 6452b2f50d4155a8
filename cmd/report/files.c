/* See LICENSE file for copyright and license details. */
/* The files: their tables and charts, a page each and the Files page. */
#include <stdio.h>
#include <stdlib.h>

#include "report.h"
#include "svg.h"
#include "util.h"

/*
 * Top files as a horizontal bar chart: the files idx[0..n) of rep.objs
 * (idx NULL: the first n), with the values vals (NULL: all-time
 * downloads).
 */
void
objchart(const char *title, size_t *idx, const long long *vals, size_t n)
{
	const char **lab, **href;
	double *v;
	size_t i;

	if (n == 0)
		return;
	lab = xcalloc(n, sizeof(*lab));
	href = xcalloc(n, sizeof(*href));
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++) {
		struct obj *o = &rep.objs[idx ? idx[i] : i];

		lab[i] = objlabel(o);
		href[i] = xstrdup(objlink(o));
		v[i] = (double)(vals ? vals[i] : o->dl);
	}
	html_puts(&rep.html, "<h2>");
	html_esc(&rep.html, title);
	html_puts(&rep.html, "</h2>\n<div class=\"card chart\">");
	svg_hbar(&rep.html, n, lab, v, href, title);
	html_puts(&rep.html, "</div>\n");
	for (i = 0; i < n; i++)
		free((char *)href[i]);
	free(lab);
	free(href);
	free(v);
}

/* A row of a file table: rank, label, experiment, assay, counts. */
static void
objrow(size_t rank, const struct obj *o)
{
	row_begin();
	cell_num((long long)rank);
	cell_link(objlabel(o), objlink(o));
	cell_link(o->exp, grouplink("e", rep.exps, rep.nexps, o->exp));
	cell_text(o->assay);
	cell_num(o->dl);
	cell_num((long long)(o->uniq + 0.5));
	cell_bytes(o->bytes);
	row_end();
}

/*
 * A table of the files idx[0..n) of rep.objs (idx NULL: all in order),
 * max of them on the page, all in the TSV.
 */
void
objtable(const char *h2, const char *tsvrel, size_t *idx, size_t n,
    size_t max)
{
	size_t i;

	tab_begin(h2, tsvrel, "#Rank", "File", "Experiment", "Assay",
	    "#Downloads", "#Unique downloaders", "#Bytes sent", NULL);
	for (i = 0; i < n; i++) {
		if (i == max)
			tab_tsvonly();
		objrow(i + 1, &rep.objs[idx ? idx[i] : i]);
	}
	tab_end(n < max ? n : max, n);
}

/* A file page's card: what the bucket and the portal say of it. */
static void
fileinfo(const struct obj *o)
{
	char *e1, *e2;

	info_begin("General information");
	info("File", o->acc ? o->acc : o->base, NULL,
	    e1 = portal("files", o->acc));
	info("Key", o->key, NULL, NULL);
	info("Bucket", o->bucket, NULL, NULL);
	if (o->size > 0) {
		struct html_buf b = { 0 };

		html_bytes(&b, (double)o->size);
		html_printf(&b, " (%lld bytes)", o->size);
		info("Size", b.p, NULL, NULL);
		html_free(&b);
	} else
		info("Size", NULL, NULL, NULL);
	info("Experiment", o->exp, grouplink("e", rep.exps, rep.nexps,
	    o->exp), e2 = portal("experiments", o->exp));
	free(e1);
	free(e2);
	info("Assay", o->assay, NULL, NULL);
	info("Lab", o->lab, grouplink("l", rep.labgs, rep.nlabs, o->lab),
	    NULL);
	info("Award", o->award, grouplink("a", rep.awards, rep.nawards,
	    o->award), NULL);
	info("Format", o->format, NULL, NULL);
	info("Output type", o->otype, NULL, NULL);
	info_end();
}

/* A file page's table of its top downloaders. */
static void
filepairs(const struct obj *o)
{
	char rel[64], h2[64];

	snprintf(rel, sizeof(rel), "f/%d.tsv", o->id);
	toptitle(h2, sizeof(h2), "downloaders", o->pairs.n, o->uniq);
	pairtable(h2, rel, rep.opairs + o->pairs.off, o->pairs.n,
	    PAIR_CLIENT | (rep.tie ? PAIR_REQ : 0));
}

/* A page for each file: f/ID.html and f/ID.tsv. */
void
filepages(void)
{
	char rel[64];
	size_t i;

	for (i = 0; i < rep.nobjs; i++) {
		struct obj *o = &rep.objs[i];
		struct html_buf sub = { 0 };

		html_puts(&sub, "s3://");
		html_puts(&sub, o->bucket ? o->bucket : "");
		html_puts(&sub, "/");
		html_puts(&sub, o->key);
		begin(objlabel(o), sub.p, 1);
		html_free(&sub);
		html_puts(&rep.html, "<div class=\"tiles\">\n");
		tilenum("Downloads", o->dl);
		tilenum("Unique downloaders", (long long)(o->uniq + 0.5));
		tilenum("Full downloads", o->full);
		tilenum("Partial downloads", o->partial);
		tilebytes("Bytes sent", (double)o->bytes);
		tilenum("Errors", o->errors);
		html_puts(&rep.html, "</div>\n");
		chart("Downloads over time", &rep.bins, rep.odays + o->days.off,
		    o->days.n, NULL);
		fileinfo(o);
		filepairs(o);
		snprintf(rel, sizeof(rel), "f/%d.html", o->id);
		finish(rel);
	}
}

/* The Files page: every file downloaded. */
void
filelist(void)
{
	begin("Files", "Every file downloaded at least once, most downloaded "
	    "first", 0);
	objtable(NULL, "files.tsv", NULL, rep.nobjs, LISTMAX);
	finish("files.html");
}
