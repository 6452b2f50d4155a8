/* See LICENSE file for copyright and license details. */
/*
 * report: a static HTML site from pgload's rollups.  This file holds the
 * options and the order of a run; report.h says how the files divide it.
 */
#include <err.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "day.h"
#include "geo.h"
#include "out.h"
#include "report.h"
#include "site.h"
#include "util.h"

#define GEOMAX	16	/* --geoip-database files */

struct report rep = { .topn = 25 };

/* --help: the synopsis and one line per option, on stdout. */
static const char help[] =
	"usage: report [-HRanv] [-d conninfo] [--geoip-database file] "
	"[-k keyfile] [-t top] -o dir\n"
	"  -H                  write the home page only\n"
	"  -a, --raw-addresses show downloaders by raw IP address\n"
	"  -d conninfo         the database (libpq connection string)\n"
	"  --geoip-database file\n"
	"                      a MaxMind database: countries and networks\n"
	"  -k keyfile          the pseudonym key\n"
	"  -n, --networks      show downloaders by truncated network\n"
	"  -R, --show-requesters\n"
	"                      show requesters as logged (a private site)\n"
	"  -o dir              the site directory\n"
	"  -t top              rows of the top tables\n"
	"  -v                  print what was loaded and written to "
	"standard error\n"
	"  --help              print this and exit\n"
	"  --version           print the version and exit\n";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: report [-HRanv] [-d conninfo] "
	    "[--geoip-database file] [-k keyfile] [-t top] -o dir\n");
	exit(2);
}

/* With -v, a line on standard error. */
void
vlog(const char *fmt, ...)
{
	va_list ap;

	if (!rep.vflag)
		return;
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

/*
 * A signal ends the run without leaving the temporary file of the page
 * being written; the pages already written are whole (site.h).
 */
static void
onsignal(int sig)
{
	site_signal_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Free what the run allocated, so that a leak checker sees none. */
static void
cleanup(void)
{
	load_free();
	encode_free();
	geo_free_places();
	query_free();
	bins_free(&rep.bins);
	free(rep.periods);
	free(rep.tot_dl);
	geo_free(rep.geo);
	free(rep.key);
	html_free(&rep.html);
	html_free(&rep.tsv);
}

/* The list pages, in the order the site has always written them. */
static void
listpages(void)
{
	filelist();
	clientlist();
	reqlist();
	if (rep.geo != NULL)
		placelists();
	grouplist("experiments.html", "Experiments", "e", "Experiment",
	    rep.exps, rep.nexps);
	grouplist("labs.html", "Labs", "l", "Lab", rep.labgs, rep.nlabs);
	grouplist("awards.html", "Awards", "a", "Award", rep.awards,
	    rep.nawards);
}

/* Every page's footer: the days covered and how people are shown. */
static void
setnote(void)
{
	char d0[11], d1[11];

	day_format(rep.bins.dmin, d0);
	day_format(rep.bins.dmax, d1);
	snprintf(rep.note, sizeof(rep.note), "Downloads from %s to %s (UTC), "
	    "from S3 server access logs. %s%s", d0, d1, rep.aflag ? "Raw "
	    "client addresses: internal use only." : rep.nflag ? "Downloaders "
	    "are shown by network (/24, /48)." : "Downloaders are shown by "
	    "keyed pseudonyms.", rep.Rflag ? "" : " Requesters are shown by "
	    "keyed pseudonyms.");
}

/* What the command line names besides rep's options. */
struct args {
	const char *conninfo, *keyfile, *outdir;
	const char *geodb[GEOMAX];
	size_t	 ngeodb;
};

/* Parse the options into rep and *a; a usage error exits 2. */
static void
options(int argc, char *argv[], struct args *a)
{
	static const struct option longopts[] = {
		{ "raw-addresses", no_argument, NULL, 'a' },
		{ "networks", no_argument, NULL, 'n' },
		{ "show-requesters", no_argument, NULL, 'R' },
		{ "geoip-database", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "HRad:k:no:t:v", longopts,
	    NULL)) != -1)
		switch (ch) {
		case 'H':
			rep.Hflag = 1;
			break;
		case 'R':
			rep.Rflag = 1;
			break;
		case 'g':
			if (a->ngeodb == GEOMAX)
				errx(2, "--geoip-database: at most %d", GEOMAX);
			a->geodb[a->ngeodb++] = optarg;
			break;
		case 'a':
			rep.aflag = 1;
			break;
		case 'd':
			a->conninfo = optarg;
			break;
		case 'k':
			a->keyfile = optarg;
			break;
		case 'n':
			rep.nflag = 1;
			break;
		case 'o':
			a->outdir = optarg;
			break;
		case 't':
			if (parse_num(optarg, 1, 100000, &rep.topn) == -1)
				errx(2, "-t %s: not a number in 1..100000",
				    optarg);
			break;
		case 'v':
			rep.vflag = 1;
			break;
		default:
			usage();
		}
	if (argc != optind || a->outdir == NULL || *a->outdir == '\0')
		usage();
	if (rep.aflag && rep.nflag)
		errx(2, "-a and -n exclude each other");
}

int
main(int argc, char *argv[])
{
	struct args a = { .conninfo = "" };
	char err[SITE_ERRSZ];
	const char *ans;
	int removed;

	if ((ans = std_answer(argc, argv, "report", help)) != NULL)
		return fputs(ans, stdout) == EOF || fflush(stdout) == EOF;
	out_init();
	options(argc, argv, &a);
	if (a.ngeodb > 0 &&
	    (rep.geo = geo_open(a.geodb, a.ngeodb, err)) == NULL)
		errx(2, "--geoip-database %s", err);
	db_open(a.conninfo);
	rep.tie = !rep.Rflag || rep.aflag;
	if ((!rep.aflag && !rep.nflag) || !rep.Rflag)
		loadkey(a.keyfile);
	if (!relexists("report_obj"))
		errx(1, "table report_obj is missing: pgload creates it");
	signal(SIGINT, onsignal);
	signal(SIGTERM, onsignal);
	signal(SIGHUP, onsignal);
	if ((rep.site = site_open(a.outdir, err)) == NULL)
		errx(1, "%s", err);

	loadtotals();
	loadperiods();
	loadobjects();
	loadclients();
	loadrequesters();
	if (rep.geo != NULL)
		loadgeo();
	if (!rep.Hflag)
		loadpairs();
	loadencode();
	vlog("%zu days, %zu files, %zu downloaders, %zu requesters, %zu "
	    "top pairs, %zu experiments", rep.bins.ndays, rep.nobjs,
	    rep.nclients, rep.nreqs, rep.nopairs + rep.ncpairs + rep.nrpairs,
	    rep.nexps);

	setnote();

	homepage();
	if (!rep.Hflag) {
		filepages();
		clientpages();
		reqpages();
		grouppages("e", "Experiment", "experiments", rep.exps,
		    rep.nexps);
		grouppages("l", "Lab", "labs", rep.labgs, rep.nlabs);
		grouppages("a", "Award", "awards", rep.awards, rep.nawards);
		periodpages();
		listpages();
	}
	db_close();

	/* -H keeps the manifest: the other pages are still the site's. */
	if (rep.Hflag)
		removed = 0;
	else if ((removed = site_finish(rep.site, err)) == -1) {
		warnx("%s", err);
		rep.failed = 1;
	}
	vlog("%zu files, %zu written, %d removed", site_count(rep.site),
	    site_written(rep.site), removed < 0 ? 0 : removed);
	site_free(rep.site);
	cleanup();
	out_close();
	return rep.failed;
}
