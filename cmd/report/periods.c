/* See LICENSE file for copyright and license details. */
/*
 * Days and periods: the charts' axis, the daily totals, the sums of all
 * time, of each year and of each month, and the Periods pages.  Day
 * numbers are lib/day's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "day.h"
#include "pg.h"
#include "report.h"
#include "util.h"

/* The bin of b that day falls in. */
size_t
binof(const struct bins *b, int day)
{
	long y, y0;
	int m, d, m0;

	if (!b->monthly)
		return (size_t)(day - b->dmin);
	day_to_civil(day, &y, &m, &d);
	day_to_civil(b->dmin, &y0, &m0, &d);
	return (size_t)((y * 12 + m) - (y0 * 12 + m0));
}

/* The axis of days dmin to dmax, by day or by month, with its labels. */
void
bins_init(struct bins *b, int dmin, int dmax, int monthly)
{
	char lab[48];
	size_t i;
	long y;
	int m, d;

	b->dmin = dmin;
	b->dmax = dmax;
	b->ndays = (size_t)(dmax - dmin + 1);
	b->monthly = monthly;
	b->nbins = binof(b, dmax) + 1;
	b->label = xcalloc(b->nbins, sizeof(*b->label));
	for (i = 0; i < b->nbins; i++) {
		if (monthly) {
			day_to_civil(dmin, &y, &m, &d);
			m += (int)i - 1;
			snprintf(lab, sizeof(lab), "%04ld-%02d", y + m / 12,
			    m % 12 + 1);
		} else
			day_format(dmin + (long)i, lab);
		b->label[i] = xstrdup(lab);
	}
}

void
bins_free(struct bins *b)
{
	size_t i;

	for (i = 0; i < b->nbins; i++)
		free(b->label[i]);
	free(b->label);
	b->label = NULL;
	b->nbins = 0;
}

/*
 * Downloads of every day, and the site's axis: by day up to 120 days, by
 * month beyond.
 */
void
loadtotals(void)
{
	PGresult *r;
	size_t i;
	int n, dmin, dmax;

	r = query("daily_total", "SELECT day - DATE '1970-01-01', downloads"
	    " FROM daily_total ORDER BY day", 0, NULL);
	n = pg_nrows(r);
	if (n == 0) {
		dmin = dmax = (int)(time(NULL) / 86400);
	} else {
		dmin = (int)pg_int(r, 0, 0);
		dmax = (int)pg_int(r, n - 1, 0);
	}
	bins_init(&rep.bins, dmin, dmax, dmax - dmin + 1 > 120);
	rep.tot_dl = xcalloc(rep.bins.ndays, sizeof(*rep.tot_dl));
	for (i = 0; i < (size_t)n; i++)
		rep.tot_dl[pg_int(r, (int)i, 0) - dmin] = pg_int(r, (int)i, 1);
	pg_clear(r);
}

/*
 * All time, exactly: the distinct counts the fold keeps in report_obj,
 * report_cli and report_req instead of the union of the days'
 * HyperLogLog sets.  Reads one row per file, downloader and requester.
 */
static void
exactall(struct period *q)
{
	PGresult *r;

	r = query("report_obj", "SELECT"
	    " (SELECT count(*) FROM report_obj WHERE downloads > 0),"
	    " (SELECT coalesce(sum(downloaders), 0) FROM report_obj),"
	    " (SELECT avg(o.size) FROM report_obj r JOIN objects o"
	    "  USING (object_id) WHERE r.downloads > 0),"
	    " (SELECT count(*) FROM report_cli WHERE downloads > 0),"
	    " (SELECT count(*) FROM report_req WHERE requester_id <> 0)",
	    0, NULL);
	q->nfiles = pg_int(r, 0, 0);
	q->updl = pg_double(r, 0, 1);
	q->avgsize = pg_double(r, 0, 2);
	q->uclients = pg_double(r, 0, 3);
	q->ureqs = pg_double(r, 0, 4);
	q->approx = 0;
	pg_clear(r);
}

/*
 * An estimate never contradicts the exact numbers beside it: a period has
 * at least as many unique downloads as files and downloaders, and at most
 * as many as downloads.
 */
static void
clampperiod(struct period *q)
{
	if (!q->approx)
		return;
	if (q->updl < (double)q->nfiles)
		q->updl = (double)q->nfiles;
	if (q->updl < q->uclients)
		q->updl = q->uclients;
	if (q->updl > (double)q->dl)
		q->updl = (double)q->dl;
	if (q->uclients > q->updl)
		q->uclients = q->updl;
	if (q->uclients < 1 && q->dl > 0)
		q->uclients = 1;
}

/* Room for n more periods; the new ones are zeroed. */
static struct period *
newperiods(size_t n)
{
	rep.periods = xreallocarray(rep.periods, rep.nperiods + n + 1,
	    sizeof(*rep.periods));
	memset(rep.periods + rep.nperiods, 0, n * sizeof(*rep.periods));
	rep.nperiods += n;
	return rep.periods + rep.nperiods - n;
}

/* The sums of row i of r (name, requests, downloads, bytes, errors). */
static void
periodsums(struct period *q, PGresult *r, int i)
{
	q->name = pg_value(r, i, 0);
	q->requests = pg_int(r, i, 1);
	q->dl = pg_int(r, i, 2);
	q->bytes = pg_int(r, i, 3);
	q->errors = pg_int(r, i, 4);
}

/* The sums of all time: one period "all", none without days. */
static void
periodall(void)
{
	const char *p[1] = { "\"all\"" };
	struct period *q;
	PGresult *r;
	int i, n;

	r = kept(query("daily_total", "SELECT to_char(day, $1) AS p,"
	    " sum(requests), sum(downloads), sum(bytes_sent),"
	    " sum(errors) FROM daily_total GROUP BY 1 ORDER BY 1", 1, p));
	n = pg_nrows(r);
	q = newperiods((size_t)n);
	for (i = 0; i < n; i++, q++)
		periodsums(q, r, i);
}

/*
 * The sums of each year (fmt "YYYY") or month ("YYYY-MM"): distinct
 * counts estimated from the days' HyperLogLog sets, files and requesters
 * exact.
 */
static void
periodsby(const char *fmt)
{
	const char *p[1] = { fmt };
	struct period *q;
	PGresult *r, *a, *q2;
	int i, j, n;

	r = kept(query("daily_total", "SELECT to_char(day, $1) AS p,"
	    " sum(requests), sum(downloads), sum(bytes_sent),"
	    " sum(errors),"
	    " hll_cardinality(hll_union_agg(downloaders)),"
	    " hll_cardinality(hll_union_agg(objects)),"
	    " hll_cardinality(hll_union_agg(requesters)),"
	    " hll_cardinality(hll_union_agg(object_downloaders))"
	    " FROM daily_total GROUP BY 1 ORDER BY 1", 1, p));
	a = query("objects", "SELECT d.p, avg(o.size), count(*)"
	    " FROM (SELECT DISTINCT to_char(day, $1) AS p, object_id"
	    "  FROM daily_object WHERE downloads > 0) d"
	    " JOIN objects o USING (object_id) GROUP BY 1 ORDER BY 1",
	    1, p);
	/*
	 * Requesters exactly, without "anonymous" (id 0), which the hll
	 * column of daily_total counts: days x requesters rows.
	 */
	q2 = query("daily_requester", "SELECT to_char(day, $1),"
	    " count(DISTINCT requester_id) FROM daily_requester"
	    " WHERE downloads > 0 AND requester_id <> 0"
	    " GROUP BY 1 ORDER BY 1", 1, p);
	n = pg_nrows(r);
	q = newperiods((size_t)n);
	for (i = 0; i < n; i++, q++) {
		periodsums(q, r, i);
		q->uclients = pg_double(r, i, 5);
		q->uobjs = pg_double(r, i, 6);
		q->updl = pg_double(r, i, 8);
		q->approx = 1;
		for (j = 0; j < pg_nrows(a); j++)
			if (strcmp(pg_value(a, j, 0), q->name) == 0) {
				q->avgsize = pg_double(a, j, 1);
				q->nfiles = pg_int(a, j, 2);
			}
		for (j = 0; j < pg_nrows(q2); j++)
			if (strcmp(pg_value(q2, j, 0), q->name) == 0)
				q->ureqs = pg_double(q2, j, 1);
	}
	pg_clear(a);
	pg_clear(q2);
}

/*
 * The sums of all time ("all", first), and unless -H of each year and
 * each month, in name order.
 */
void
loadperiods(void)
{
	size_t i;

	periodall();
	if (!rep.Hflag) {
		periodsby("YYYY");
		periodsby("YYYY-MM");
	}
	if (rep.nperiods > 0 && strcmp(rep.periods[0].name, "all") == 0)
		exactall(&rep.periods[0]);
	for (i = 0; i < rep.nperiods; i++)
		clampperiod(&rep.periods[i]);
	if (rep.nperiods == 0)
		newperiods(1)->name = "all";
}
/*
 * A period page's chart: by month for a year (kind 1), by day for a
 * month, over the period's days that have totals.
 */
static void
periodchart(const struct period *q, int kind)
{
	struct bins b;
	struct day *d;
	size_t i, n;
	long y;
	int m, dd;
	char p[48];

	d = xcalloc(rep.bins.ndays + 1, sizeof(*d));
	for (i = n = 0; i < rep.bins.ndays; i++) {
		day_to_civil(rep.bins.dmin + (long)i, &y, &m, &dd);
		if (kind == 1)
			snprintf(p, sizeof(p), "%04ld", y);
		else
			snprintf(p, sizeof(p), "%04ld-%02d", y, m);
		if (strcmp(p, q->name) == 0) {
			d[n].day = rep.bins.dmin + (int)i;
			d[n++].v = rep.tot_dl[i];
		}
	}
	if (n > 0) {
		bins_init(&b, d[0].day, d[n - 1].day, kind == 1);
		chart("Downloads over time", &b, d, n, NULL);
		bins_free(&b);
	}
	free(d);
}

/* A period page's top files: the rows of to (p, object_id, dl) for q. */
static void
periodfiles(const struct period *q, PGresult *to)
{
	char rel[64];
	size_t i, *idx, n, nrow = (size_t)pg_nrows(to);
	long long *pdl;
	struct obj *o;

	idx = xcalloc(nrow + 1, sizeof(*idx));
	pdl = xcalloc(nrow + 1, sizeof(*pdl));
	for (i = n = 0; i < nrow; i++)
		if (strcmp(pg_value(to, (int)i, 0), q->name) == 0 &&
		    (o = findobj((int)pg_int(to, (int)i, 1))) != NULL) {
			pdl[n] = pg_int(to, (int)i, 2);
			idx[n++] = (size_t)(o - rep.objs);
		}
	snprintf(rel, sizeof(rel), "p/%s-files.tsv", q->name);
	objchart("Top files by downloads", idx, pdl, n < 15 ? n : 15);
	tab_begin("Most downloaded files", rel, "#Rank", "File",
	    "Experiment", "Assay", "#Downloads in period", NULL);
	for (i = 0; i < n; i++) {
		o = &rep.objs[idx[i]];
		row_begin();
		cell_num((long long)i + 1);
		cell_link(objlabel(o), objlink(o));
		cell_link(o->exp, grouplink("e", rep.exps, rep.nexps, o->exp));
		cell_text(o->assay);
		cell_num(pdl[i]);
		row_end();
	}
	tab_end(n, n);
	free(idx);
	free(pdl);
}

/*
 * A period page's top downloaders: the rows of tc (p, client_id, dl,
 * bytes) for q.
 */
static void
periodclients(const struct period *q, PGresult *tc)
{
	char rel[64];
	size_t i, n;
	struct client *c;

	snprintf(rel, sizeof(rel), "p/%s-downloaders.tsv", q->name);
	tab_begin("Most active downloaders", rel, "#Rank", "Downloader",
	    "#Downloads in period", "#Bytes sent", NULL);
	for (i = n = 0; i < (size_t)pg_nrows(tc); i++) {
		if (strcmp(pg_value(tc, (int)i, 0), q->name) != 0 ||
		    (c = findclient((int)pg_int(tc, (int)i, 1))) == NULL)
			continue;
		row_begin();
		cell_num((long long)++n);
		cell_link(c->name, clientlink(c));
		cell_num(pg_int(tc, (int)i, 2));
		cell_bytes(pg_int(tc, (int)i, 3));
		row_end();
	}
	tab_end(n, n);
}

/* The tiles of a period's sums: the home page's (all time) and a period's. */
void
periodtiles(const struct period *q)
{
	tilenum("Total downloads", q->dl);
	tileest("Unique downloads", q->updl, q->approx);
	tilebytes("Average file size", q->avgsize);
	tileest("Unique downloaders", q->uclients, q->approx);
	tilenum("Unique files", q->nfiles);
	tilenum("Unique requesters", (long long)(q->ureqs + 0.5));
}

/* The page of a year (kind 1) or a month (kind 2): p/NAME.html. */
static void
periodpage(const struct period *q, int kind, PGresult *to, PGresult *tc)
{
	char rel[64], sub[128];

	snprintf(sub, sizeof(sub), "All downloads of %s", q->name);
	begin(q->name, sub, 1);
	html_puts(&rep.html, "<div class=\"tiles\">\n");
	periodtiles(q);
	html_puts(&rep.html, "</div>\n");
	periodchart(q, kind);
	periodfiles(q, to);
	periodclients(q, tc);
	snprintf(rel, sizeof(rel), "p/%s.html", q->name);
	finish(rel);
}

/*
 * The page of every year and month, with their top files and downloaders
 * ranked in SQL, and the Periods page.
 */
void
periodpages(void)
{
	static const char *fmt[] = { "YYYY", "YYYY-MM" };
	PGresult *ptop_obj[2], *ptop_cli[2];
	char top[32];
	const char *p[2];
	size_t i, k;
	snprintf(top, sizeof(top), "%lld", rep.topn);
	for (k = 0; k < 2; k++) {
		p[0] = fmt[k];
		p[1] = top;
		ptop_obj[k] = query("daily_object", "SELECT p, object_id, dl"
		    " FROM (SELECT to_char(day, $1) AS p, object_id,"
		    "  sum(downloads) AS dl, row_number() OVER (PARTITION BY"
		    "  to_char(day, $1)"
		    "  ORDER BY sum(downloads) DESC, object_id)"
		    "  AS rn FROM daily_object WHERE downloads > 0"
		    "  GROUP BY 1, 2) t"
		    " WHERE rn <= $2::int ORDER BY p, rn", 2, p);
		ptop_cli[k] = query("daily_client", "SELECT p, client_id, dl, b"
		    " FROM (SELECT to_char(day, $1) AS p, client_id,"
		    "  sum(downloads) AS dl, sum(bytes_sent) AS b,"
		    "  row_number() OVER (PARTITION BY to_char(day, $1)"
		    "  ORDER BY sum(downloads) DESC, client_id) AS rn"
		    "  FROM daily_client WHERE downloads > 0 GROUP BY 1, 2) t"
		    " WHERE rn <= $2::int ORDER BY p, rn", 2, p);
	}
	for (i = 1; i < rep.nperiods; i++) {
		k = strlen(rep.periods[i].name) == 4 ? 0 : 1;
		periodpage(&rep.periods[i], (int)k + 1, ptop_obj[k],
		    ptop_cli[k]);
	}
	begin("Periods", "Downloads per year and per month", 0);
	tab_begin(NULL, "periods.tsv", "Period", "#Downloads",
	    "#\xe2\x89\x88 Unique downloads",
	    "#\xe2\x89\x88 Unique downloaders", "#Unique files",
	    "#Unique requesters", "#Bytes sent", NULL);
	for (i = 1; i < rep.nperiods; i++) {
		struct period *q = &rep.periods[i];

		row_begin();
		cell_link(q->name, rlink("p/%s.html", q->name));
		cell_num(q->dl);
		cell_num((long long)(q->updl + 0.5));
		cell_num((long long)(q->uclients + 0.5));
		cell_num(q->nfiles);
		cell_num((long long)(q->ureqs + 0.5));
		cell_bytes(q->bytes);
		row_end();
	}
	tab_end(rep.nperiods - 1, rep.nperiods - 1);
	finish("periods.html");
	for (k = 0; k < 2; k++) {
		pg_clear(ptop_obj[k]);
		pg_clear(ptop_cli[k]);
	}
}

