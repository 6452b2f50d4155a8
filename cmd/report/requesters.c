/* See LICENSE file for copyright and license details. */
/* The requesters: their table, a page each and the Requesters page. */
#include <stdio.h>

#include "report.h"

/* A row of a requester table: rank, name, counts. */
static void
reqrow(size_t rank, const struct requester *q)
{
	row_begin();
	cell_num((long long)rank);
	cell_link(q->name, reqlink(q));
	cell_num(q->dl);
	cell_num((long long)(q->clients + 0.5));
	cell_num((long long)(q->files + 0.5));
	cell_bytes(q->bytes);
	row_end();
}

/* The first n requesters, all on the page and in the TSV. */
void
reqtable(const char *h2, const char *tsvrel, size_t n)
{
	size_t i;

	tab_begin(h2, tsvrel, "#Rank", "Requester", "#Downloads",
	    "#Downloaders", "#Files", "#Bytes sent", NULL);
	for (i = 0; i < n; i++)
		reqrow(i + 1, &rep.reqs[i]);
	tab_end(n, n);
}

/* A requester page's table of its top (file, downloader) pairs. */
static void
reqpairs(const struct requester *q)
{
	char rel[64], h2[64];

	snprintf(rel, sizeof(rel), "r/%d.tsv", q->id);
	toptitle(h2, sizeof(h2), "downloads by file and downloader",
	    q->pairs.n, (double)q->dl);
	pairtable(h2, rel, rep.rpairs + q->pairs.off, q->pairs.n,
	    PAIR_FILE | (rep.tie ? PAIR_CLIENT : 0));
}

/* A page for each requester: r/ID.html and r/ID.tsv. */
void
reqpages(void)
{
	char rel[64];
	size_t i;

	for (i = 0; i < rep.nreqs; i++) {
		struct requester *q = &rep.reqs[i];

		begin(q->name, q->name == q->pname ? "Requester, shown by a "
		    "keyed pseudonym of its identity" : "Requester (the "
		    "authenticated identity of the requests; anonymous when "
		    "unsigned)", 1);
		html_puts(&rep.html, "<div class=\"tiles\">\n");
		tilenum("Downloads", q->dl);
		tilenum("Downloaders", (long long)(q->clients + 0.5));
		tilenum("Files", (long long)(q->files + 0.5));
		tilebytes("Bytes sent", (double)q->bytes);
		html_puts(&rep.html, "</div>\n");
		chart("Downloads over time", &rep.bins, rep.rdays + q->days.off,
		    q->days.n, NULL);
		reqpairs(q);
		snprintf(rel, sizeof(rel), "r/%d.html", q->id);
		finish(rel);
	}
}

/* The Requesters page: every requester. */
void
reqlist(void)
{
	begin("Requesters", rep.Rflag ? "Authenticated identities (anonymous: "
	    "unsigned requests)" : "Authenticated identities by keyed "
	    "pseudonym; anonymous (unsigned requests) and AWS services by "
	    "name", 0);
	reqtable(NULL, "requesters.tsv", rep.nreqs);
	finish("requesters.html");
}
