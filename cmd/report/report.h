/* See LICENSE file for copyright and license details. */
/*
 * report's private header: the entities a site is made of, the one
 * struct of state its files share, and each file's entry points.
 *
 * Every number comes from the daily rollups and the report_* tables the
 * fold maintains, never from the logs table, so the cost of a run grows
 * with days, files, downloaders and distinct (file, downloader) pairs, not
 * with log rows.  All queries are fixed text with parameters; the only
 * identifiers ever spliced into SQL are column names from whitelists,
 * checked against the catalog first (pickcol).  Pages name their files
 * after database ids or hashes, never after log data, and link to each
 * other with relative URLs.
 */

#include "html.h"
#include "pg.h"
#include "pseudo.h"

#define PORTAL	"https://www.encodeproject.org"
#define LISTMAX	1000	/* rows of a list page; its TSV has them all */
#define PAIRMAX	100	/* top pairs on a file, downloader, requester page */

/* A slice [off, off + n) of one of the arrays in struct report. */
struct span {
	size_t	 off, n;
};

struct obj {
	int	 id;
	const char *bucket, *base;
	char	*key;		/* decoded, ours */
	long long size, requests, dl, full, partial, bytes, errors;
	double	 uniq;
	/* ENCODE metadata, NULL when unknown. */
	const char *acc, *exp, *assay, *lab, *award, *format, *otype;
	char	*expbuf;	/* exp when parsed from an @id, ours */
	struct span days;	/* daily downloads in odays */
	struct span pairs;	/* top pairs in opairs */
};

struct client {
	int	 id;
	const char *ip;
	char	 name[PSEUDO_NAMELEN];
	long long dl, bytes;
	double	 files;
	struct span days;	/* in cdays */
	struct span pairs;	/* in cpairs */
};

struct requester {
	int	 id;
	const char *name;	/* as published: pname, or a public name */
	char	 pname[PSEUDO_NAMELEN];
	long long dl, bytes;
	double	 clients, files;
	struct span days;	/* in rdays */
	struct span pairs;	/* in rpairs */
};

struct day {
	int	 day;		/* days since 1970-01-01 */
	long long v;
};

struct pair {
	int	 obj, client, req;	/* indexes into the arrays; req -1 */
	long long dl, bytes;
};

/* A group of files: an experiment, a lab or an award. */
struct group {
	const char *name;
	char	 page[80];
	const char *title, *extra, *assay;	/* from the ENCODE tables */
	size_t	*objs, nobj;
	long long dl, bytes;
	double	 clients;	/* hll estimate */
};

struct period {
	const char *name;	/* "all", "2024" or "2024-01" */
	long long requests, dl, bytes, errors;
	double	 uclients, uobjs, ureqs, updl;
	double	 avgsize;
	long long nfiles;
	int	 approx;	/* uclients, updl: HyperLogLog estimates */
};

/* Downloads by country or by network, with --geoip-database. */
struct place {
	char	*key;		/* "US", "AS64500"; "" when unknown */
	char	*name;		/* "United States", the network's owner */
	long long dl, bytes, clients;
};

/*
 * The x axis of a chart over days [dmin, dmax]: one bin a day, or one a
 * month when monthly.
 */
struct bins {
	int	 dmin, dmax;
	size_t	 ndays;
	int	 monthly;
	size_t	 nbins;
	char	**label;	/* nbins labels, ours */
};

/*
 * The state every file shares.  main.c sets the options before anything
 * is loaded; the load functions (load.c, encode.c, geo.c, periods.c)
 * fill the data in main's order, and the page writers only read it.
 * The page being written (html, tsv) is page.c's: the page writers
 * write into it through page.c's functions.  report has one thread.
 */
struct report {
	/* Options. */
	int	 aflag, Hflag, nflag, Rflag, vflag;
	long long topn;		/* rows of the top tables */
	/*
	 * Pair tables link a requester to downloaders: not when requesters
	 * are shown by name and downloaders by pseudonym (it would unmask
	 * them).
	 */
	int	 tie;
	unsigned char *key;	/* the pseudonym key */
	size_t	 keylen;
	struct geo *geo;	/* NULL without --geoip-database */

	struct site *site;
	int	 failed;	/* a page could not be written: exit 1 */

	/* Entities, each ordered by downloads, descending. */
	struct obj *objs;
	size_t	 nobjs;
	struct client *clients;
	size_t	 nclients;
	struct requester *reqs;
	size_t	 nreqs;
	/* Daily downloads of each, ordered by id and day (struct span). */
	struct day *odays, *cdays, *rdays;
	size_t	 nodays, ncdays, nrdays;
	/* Top pairs of each file, downloader and requester. */
	struct pair *opairs, *cpairs, *rpairs;
	size_t	 nopairs, ncpairs, nrpairs;
	struct group *exps, *labgs, *awards;
	size_t	 nexps, nlabs, nawards;
	struct place *countries, *networks;
	size_t	 ncountries, nnetworks;
	struct period *periods;	/* "all", years, months */
	size_t	 nperiods;

	/* Daily totals over all days, and the site's chart axis. */
	struct bins bins;
	long long *tot_dl;	/* bins.ndays values */

	/* The page being written and the TSV of its open table. */
	struct html_buf html, tsv;
	char	 note[256];	/* every page's footer */
};

extern struct report rep;

/* main.c */
void	 vlog(const char *, ...) __attribute__((format(printf, 1, 2)));

/* query.c */
void	 db_open(const char *conninfo);
void	 db_close(void);
PGresult *query(const char *what, const char *sql, int nparam,
	    const char *const *param);
PGresult *kept(PGresult *);
int	 relexists(const char *name);
const char *pickcol(const char *table, const char *alias,
	    const char *const *cand, char *buf, size_t sz);
void	 loadkey(const char *keyfile);
void	 query_free(void);

/* load.c */
void	 loadobjects(void);
void	 loadclients(void);
void	 loadrequesters(void);
void	 loadpairs(void);
struct obj *findobj(int id);
struct client *findclient(int id);
void	 load_free(void);

/* encode.c */
void	 loadencode(void);
struct group *findgroup(struct group *, size_t, const char *name);
void	 grouppages(const char *dir, const char *what, const char *kind,
	    struct group *, size_t);
void	 grouplist(const char *rel, const char *title, const char *dir,
	    const char *what, struct group *, size_t);
void	 encode_free(void);

/* geo.c */
void	 loadgeo(void);
size_t	 nknown(const struct place *, size_t);
void	 countrychart(void);
void	 placelists(void);
void	 geo_free_places(void);

/* periods.c */
void	 bins_init(struct bins *, int dmin, int dmax, int monthly);
void	 bins_free(struct bins *);
size_t	 binof(const struct bins *, int day);
void	 loadtotals(void);
void	 loadperiods(void);
void	 periodpages(void);
void	 periodtiles(const struct period *);

/* page.c */
void	 safename(const char *s, char *out, size_t sz);
void	 put(const char *rel, struct html_buf *);
void	 begin(const char *title, const char *sub, int depth);
void	 finish(const char *rel);
void	 tilenum(const char *label, long long);
void	 tileest(const char *label, double, int approx);
void	 tilebytes(const char *label, double);
void	 tab_begin(const char *h2, const char *tsvrel, ...);
void	 tab_tsvonly(void);
void	 tab_end(size_t shown, size_t total);
void	 row_begin(void);
void	 row_end(void);
void	 cell_link(const char *text, const char *href);
void	 cell_text(const char *text);
void	 cell_num(long long);
void	 cell_bytes(long long);
const char *rlink(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *objlabel(const struct obj *);
const char *objlink(const struct obj *);
const char *clientlink(const struct client *);
const char *reqlink(const struct requester *);
const char *grouplink(const char *dir, struct group *, size_t,
	    const char *name);
void	 chart(const char *title, const struct bins *, const struct day *,
	    size_t, const long long *all);
void	 info_begin(const char *h2);
void	 info(const char *label, const char *value, const char *href,
	    const char *ext);
void	 info_end(void);
char	*portal(const char *kind, const char *name);
#define PAIR_FILE	0x1	/* pairtable() columns */
#define PAIR_CLIENT	0x2
#define PAIR_REQ	0x4
void	 pairtable(const char *h2, const char *rel, const struct pair *,
	    size_t, int cols);
void	 toptitle(char *buf, size_t sz, const char *what, size_t shown,
	    double total);

/* files.c */
void	 objchart(const char *title, size_t *idx, const long long *vals,
	    size_t n);
void	 objtable(const char *h2, const char *tsvrel, size_t *idx, size_t n,
	    size_t max);
void	 filepages(void);
void	 filelist(void);

/* downloaders.c */
void	 clienttable(const char *h2, const char *tsvrel, size_t n, size_t max);
void	 clientpages(void);
void	 clientlist(void);

/* requesters.c */
void	 reqtable(const char *h2, const char *tsvrel, size_t n);
void	 reqpages(void);
void	 reqlist(void);

/* home.c */
void	 homepage(void);
