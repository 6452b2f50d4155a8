/* See LICENSE file for copyright and license details. */
/* The downloaders: their table, a page each and the Downloaders page. */
#include <stdio.h>

#include "geo.h"
#include "report.h"

/* A row of a downloader table: rank, name, downloads, files, bytes. */
static void
clientrow(size_t rank, const struct client *c)
{
	row_begin();
	cell_num((long long)rank);
	cell_link(c->name, clientlink(c));
	cell_num(c->dl);
	cell_num((long long)(c->files + 0.5));
	cell_bytes(c->bytes);
	row_end();
}

/* The first n downloaders, max of them on the page, all in the TSV. */
void
clienttable(const char *h2, const char *tsvrel, size_t n, size_t max)
{
	size_t i;

	tab_begin(h2, tsvrel, "#Rank", "Downloader", "#Downloads", "#Files",
	    "#Bytes sent", NULL);
	for (i = 0; i < n; i++) {
		if (i == max)
			tab_tsvonly();
		clientrow(i + 1, &rep.clients[i]);
	}
	tab_end(n < max ? n : max, n);
}

/* A downloader page's card: its country and network, looked up here. */
static void
clientwhere(const struct client *c)
{
	struct geo_info gi;
	char b[160];

	geo_lookup(rep.geo, c->ip, &gi);
	info_begin("Where");
	if (gi.cc[0] != '\0')
		snprintf(b, sizeof(b), "%s (%s)", gi.country, gi.cc);
	info("Country", gi.cc[0] ? b : NULL, NULL, NULL);
	if (gi.asn != 0)
		snprintf(b, sizeof(b), "AS%lu%s%s", gi.asn,
		    gi.org[0] ? " " : "", gi.org);
	info("Network", gi.asn ? b : NULL, NULL, NULL);
	info_end();
}

/* A downloader page's table of its top files. */
static void
clientpairs(const struct client *c)
{
	char rel[64], h2[64];

	snprintf(rel, sizeof(rel), "d/%d.tsv", c->id);
	toptitle(h2, sizeof(h2), "files downloaded", c->pairs.n, c->files);
	pairtable(h2, rel, rep.cpairs + c->pairs.off, c->pairs.n,
	    PAIR_FILE | (rep.tie ? PAIR_REQ : 0));
}

/* A page for each downloader: d/ID.html and d/ID.tsv. */
void
clientpages(void)
{
	char rel[64];
	size_t i;

	for (i = 0; i < rep.nclients; i++) {
		struct client *c = &rep.clients[i];

		begin(c->name, rep.aflag ? "Downloader (raw address: internal "
		    "use only)" : rep.nflag ? "Downloader in this network" :
		    "Downloader, shown by a keyed pseudonym of its address", 1);
		html_puts(&rep.html, "<div class=\"tiles\">\n");
		tilenum("Downloads", c->dl);
		tilenum("Files", (long long)(c->files + 0.5));
		tilebytes("Bytes sent", (double)c->bytes);
		html_puts(&rep.html, "</div>\n");
		chart("Downloads over time", &rep.bins, rep.cdays + c->days.off,
		    c->days.n, NULL);
		if (rep.geo != NULL)
			clientwhere(c);
		clientpairs(c);
		snprintf(rel, sizeof(rel), "d/%d.html", c->id);
		finish(rel);
	}
}

/* The Downloaders page: every downloader. */
void
clientlist(void)
{
	begin("Downloaders", rep.aflag ? "Raw client addresses (internal use "
	    "only)" : rep.nflag ? "Clients by truncated network (/24, IPv6 "
	    "/48)" : "Clients by keyed pseudonym: stable across runs, not "
	    "reversible without the key", 0);
	clienttable(NULL, "downloaders.tsv", rep.nclients, LISTMAX);
	finish("downloaders.html");
}
