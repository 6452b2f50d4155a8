/* See LICENSE file for copyright and license details. */
/* The home page, index.html, and its tiles as summary.tsv. */
#include <stdio.h>

#include "report.h"

/* The tiles as TSV: exact values, for scripts and for the tests. */
static void
summary(const struct period *a)
{
	html_reset(&rep.tsv);
	html_printf(&rep.tsv, "measure\tvalue\n"
	    "downloads\t%lld\n"
	    "unique_downloads\t%.0f\n"
	    "average_file_size\t%.0f\n"
	    "unique_downloaders\t%.0f\n"
	    "unique_files\t%lld\n"
	    "unique_requesters\t%.0f\n"
	    "requests\t%lld\n"
	    "bytes_sent\t%lld\n"
	    "errors\t%lld\n", a->dl, a->updl, a->avgsize, a->uclients,
	    a->nfiles, a->ureqs, a->requests, a->bytes, a->errors);
	if (rep.geo != NULL)
		html_printf(&rep.tsv, "countries\t%zu\nnetworks\t%zu\n",
		    nknown(rep.countries, rep.ncountries),
		    nknown(rep.networks, rep.nnetworks));
	put("summary.tsv", &rep.tsv);
}

void
homepage(void)
{
	struct period *a = &rep.periods[0];
	size_t top = (size_t)rep.topn;
	size_t n = rep.nobjs < top ? rep.nobjs : top;

	begin("Downloads dashboard", rep.note, 0);
	html_puts(&rep.html, "<div class=\"tiles\">\n");
	periodtiles(a);
	if (rep.geo != NULL) {
		tilenum("Countries",
		    (long long)nknown(rep.countries, rep.ncountries));
		tilenum("Networks",
		    (long long)nknown(rep.networks, rep.nnetworks));
	}
	html_puts(&rep.html, "</div>\n<p class=\"dl\"><a href=\"summary.tsv\" "
	    "type=\"text/tab-separated-values\">These numbers as TSV</a>"
	    "</p>\n");
	summary(a);
	chart("Downloads over time", &rep.bins, NULL, 0, rep.tot_dl);
	if (rep.geo != NULL)
		countrychart();
	objchart("Top files by downloads", NULL, NULL, n < 15 ? n : 15);
	objtable("Most downloaded files", "top-files.tsv", NULL, n, n);
	html_printf(&rep.html, "<p><a href=\"files.html\">All %lld files "
	    "\xe2\x86\x92</a></p>\n", a->nfiles);
	clienttable("Most active downloaders", "top-downloaders.tsv",
	    rep.nclients < top ? rep.nclients : top, top);
	html_puts(&rep.html, "<p><a href=\"downloaders.html\">All downloaders "
	    "\xe2\x86\x92</a></p>\n");
	reqtable("Requesters", "top-requesters.tsv",
	    rep.nreqs < 10 ? rep.nreqs : 10);
	finish("index.html");
}
