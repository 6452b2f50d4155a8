/* See LICENSE file for copyright and license details. */
/*
 * Downloads by country and by network, with --geoip-database: the sums,
 * the home page's chart and the two list pages.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo.h"
#include "hmap.h"
#include "pg.h"
#include "report.h"
#include "svg.h"
#include "util.h"

/* Add a downloader's downloads and bytes to the place k of v[*n]. */
static void
addplace(struct hmap *h, struct place **v, size_t *n, const char *k,
    const char *name, long long dl, long long bytes)
{
	int64_t *slot;
	int isnew;
	struct place *p;

	slot = hmap_get(h, k, strlen(k), 1, (int64_t)*n, &isnew);
	if (isnew) {
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		p = &(*v)[(*n)++];
		memset(p, 0, sizeof(*p));
		p->key = xstrdup(k);
		p->name = xstrdup(*k != '\0' ? name : "Unknown");
	}
	p = &(*v)[*slot];
	p->dl += dl;
	p->bytes += bytes;
	p->clients++;
}

/* Most downloads first, then by key: a total order. */
static int
cmpplace(const void *a, const void *b)
{
	const struct place *x = a, *y = b;

	if (x->dl != y->dl)
		return (x->dl < y->dl) - (x->dl > y->dl);
	return strcmp(x->key, y->key);
}

/*
 * Every downloader's country and network, looked up here, at report time,
 * in the local databases: the addresses never leave the machine, and only
 * the sums per country and per network are published.  Every downloader
 * with downloads, also with -H, so that the home page is the same.
 */
void
loadgeo(void)
{
	struct hmap *hc = hmap_new(), *hn = hmap_new();
	struct geo_info gi;
	char k[32];
	PGresult *r;
	int i, n;

	r = query("report_cli", "SELECT host(c.ip), r.downloads, r.bytes_sent"
	    " FROM report_cli r JOIN clients c USING (client_id)"
	    " WHERE r.downloads > 0", 0, NULL);
	n = pg_nrows(r);
	for (i = 0; i < n; i++) {
		geo_lookup(rep.geo, pg_value(r, i, 0), &gi);
		addplace(hc, &rep.countries, &rep.ncountries, gi.cc, gi.country,
		    pg_int(r, i, 1), pg_int(r, i, 2));
		if (gi.asn != 0)
			snprintf(k, sizeof(k), "AS%lu", gi.asn);
		else
			k[0] = '\0';
		addplace(hn, &rep.networks, &rep.nnetworks, k,
		    gi.org[0] ? gi.org : k, pg_int(r, i, 1), pg_int(r, i, 2));
	}
	pg_clear(r);
	hmap_free(hc);
	hmap_free(hn);
	if (rep.countries != NULL)
		qsort(rep.countries, rep.ncountries, sizeof(*rep.countries),
		    cmpplace);
	if (rep.networks != NULL)
		qsort(rep.networks, rep.nnetworks, sizeof(*rep.networks),
		    cmpplace);
	vlog("%zu countries, %zu networks", rep.ncountries, rep.nnetworks);
}

/* Known places (not the "Unknown" row). */
size_t
nknown(const struct place *v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += v[i].key[0] != '\0';
	return k;
}
/* Rows from to to of a place table. */
static void
placetable_rows(const struct place *v, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		row_begin();
		cell_num((long long)i + 1);
		if (v[i].key[0] == 'A' && v[i].key[1] == 'S') {
			cell_link(v[i].key, NULL);
			cell_link(v[i].name, NULL);
		} else {
			cell_link(v[i].name, NULL);
			cell_link(v[i].key[0] ? v[i].key : NULL, NULL);
		}
		cell_num(v[i].dl);
		cell_num(v[i].clients);
		cell_bytes(v[i].bytes);
		row_end();
	}
}

/* Countries or networks: a table (and its TSV), max rows on the page. */
static void
placetable(const char *h2, const char *tsvrel, int net, size_t max)
{
	size_t n = net ? rep.nnetworks : rep.ncountries;
	const struct place *v = net ? rep.networks : rep.countries;

	tab_begin(h2, tsvrel, "#Rank", net ? "Network" : "Country",
	    net ? "Organisation" : "Code", "#Downloads", "#Downloaders",
	    "#Bytes sent", NULL);
	placetable_rows(v, 0, n < max ? n : max);
	if (n > max) {
		/* The rest goes to the TSV only. */
		struct html_buf save = rep.html;

		rep.html = (struct html_buf){ 0 };
		placetable_rows(v, max, n);
		html_free(&rep.html);
		rep.html = save;
	}
	tab_end(n < max ? n : max, n);
}

/* Downloads by country, as a chart of the top ten. */
void
countrychart(void)
{
	const char *lab[10], *href[10];
	double v[10];
	size_t i, n = rep.ncountries < 10 ? rep.ncountries : 10;

	for (i = 0; i < n; i++) {
		lab[i] = rep.countries[i].name;
		href[i] = "countries.html";
		v[i] = (double)rep.countries[i].dl;
	}
	html_puts(&rep.html, "<h2>Downloads by country</h2>\n"
	    "<div class=\"card chart\">");
	svg_hbar(&rep.html, n, lab, v, href, "Downloads by country");
	html_puts(&rep.html, "</div>\n<p><a href=\"countries.html\">All "
	    "countries \xe2\x86\x92</a> \xc2\xb7 <a href=\"networks.html\">All "
	    "networks \xe2\x86\x92</a></p>\n");
}


/* The Countries and Networks pages. */
void
placelists(void)
{
	begin("Countries", "Downloads and downloaders by country, "
	    "from the local GeoIP databases", 0);
	placetable(NULL, "countries.tsv", 0, LISTMAX);
	finish("countries.html");
	begin("Networks", "Downloads and downloaders by network "
	    "(autonomous system and its owner), from the local GeoIP "
	    "databases", 0);
	placetable(NULL, "networks.tsv", 1, LISTMAX);
	finish("networks.html");
}

void
geo_free_places(void)
{
	size_t i;

	for (i = 0; i < rep.ncountries; i++) {
		free(rep.countries[i].key);
		free(rep.countries[i].name);
	}
	for (i = 0; i < rep.nnetworks; i++) {
		free(rep.networks[i].key);
		free(rep.networks[i].name);
	}
	free(rep.countries);
	free(rep.networks);
}
