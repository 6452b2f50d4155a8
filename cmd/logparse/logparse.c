/* See LICENSE file for copyright and license details. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineio.h"
#include "logline.h"
#include "out.h"
#include "progress.h"
#include "seen.h"
#include "util.h"

/* Per-line reject warnings before only the summary is left to say it. */
#define MAXWARN		10
/* -u remembers the last 2^18 distinct lines (6 MiB). */
/*
 * Rows are gathered into a buffer of at least this size and handed to
 * out_write in one piece, which at this size writes them straight out
 * instead of copying them again into its own buffer.
 */
#define BATCH		(1024 * 1024)
#define SEEN_LOG2	18
/* The default -L: an S3 access log line is a few KiB at most. */
#define MAXLINE		(1024 * 1024)

static int Hflag, uflag, vflag;
static struct progress prog;	/* -v: a line a second while reading */
static char pbuf[128];
static char **ops;
static size_t nops;
static int sfilter;			/* some -s given */
static unsigned char okstatus[1000];	/* by status code */
static int okdash;			/* status "-" wanted */
static FILE *rejf;
static const char *rejname;
static struct seen *seen;

static char *obuf;
static size_t obufsz, olen;

static long long maxline = MAXLINE;
static unsigned long long nlines, nrows, nblank, nfiltered, ndups, nrej;
static unsigned long long ntoolong;
static unsigned long long nreason[LOGLINE_NSTATUS];

/* --help: the synopsis and one line per option, on stdout. */
static const char help[] =
	"usage: logparse [-Hguv] [-L bytes] [-o operation] [-r file] [-s status] [file ...]\n"
	"  -H                  write a header row with the column names first\n"
	"  -g                  keep only REST.GET.OBJECT records\n"
	"  -L bytes            longest line accepted\n"
	"  -o operation        keep only records of this operation\n"
	"  -r file             write rejected lines to file\n"
	"  -s status           keep only records with this HTTP status\n"
	"  -u                  drop lines already seen (duplicate deliveries)\n"
	"  -v                  write progress to standard error\n"
	"  --help              print this and exit\n"
	"  --version           print the version and exit\n";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: logparse [-Hguv] [-L bytes] [-o operation] "
	    "[-r file] [-s status] [file ...]\n");
	exit(2);
}

/* -o: add each comma-separated operation to ops. */
static void
addop(const char *arg)
{
	char *s, *tok, *save;

	s = xstrdup(arg);
	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		ops = xreallocarray(ops, nops + 1, sizeof(*ops));
		ops[nops++] = xstrdup(tok);
	}
	free(s);
}

/* -s: 200, 2xx, 200-299, or -, comma separated. */
static void
addstatus(const char *arg)
{
	char *s, *tok, *save, *dash;
	long long lo, hi;
	int i;

	sfilter = 1;
	s = xstrdup(arg);
	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "-") == 0) {
			okdash = 1;
			continue;
		}
		if (strlen(tok) == 3 && tok[0] >= '1' && tok[0] <= '9' &&
		    strcmp(tok + 1, "xx") == 0) {
			lo = (tok[0] - '0') * 100;
			hi = lo + 99;
		} else if ((dash = strchr(tok, '-')) != NULL) {
			*dash = '\0';
			if (parse_num(tok, 100, 999, &lo) == -1 ||
			    parse_num(dash + 1, 100, 999, &hi) == -1 || lo > hi)
				errx(2, "-s: bad status range: %s-%s", tok,
				    dash + 1);
		} else if (parse_num(tok, 100, 999, &lo) == 0)
			hi = lo;
		else
			errx(2, "-s: bad status: %s", tok);
		for (i = (int)lo; i <= (int)hi; i++)
			okstatus[i] = 1;
	}
	free(s);
}

/* Whether a parsed line passes -s and -o. */
static int
wanted(const struct logline *ll)
{
	const struct logline_span *op = &ll->f[LL_OPERATION];
	size_t i;

	if (sfilter && (ll->status < 0 ? !okdash : !okstatus[ll->status]))
		return 0;
	if (nops == 0)
		return 1;
	for (i = 0; i < nops; i++)
		if (strlen(ops[i]) == op->n && memcmp(ops[i], op->p, op->n) == 0)
			return 1;
	return 0;
}

/* why: logline_strerror(rc), or for rc -1 a line over -L. */
static void
reject(const char *name, unsigned long long lineno, int rc, const char *line,
    size_t len)
{
	char why[64];

	nrej++;
	if (rc >= 0) {
		nreason[rc]++;
		snprintf(why, sizeof(why), "%s", logline_strerror(rc));
	} else {
		ntoolong++;
		snprintf(why, sizeof(why), "longer than %lld bytes (-L), cut",
		    maxline);
	}
	if (vflag || nrej <= MAXWARN)
		warnx("%s:%llu: %s", name, lineno, why);
	else if (nrej == MAXWARN + 1)
		warnx("further rejected lines are only counted");
	if (rejf != NULL) {
		fprintf(rejf, "%s\t%llu\t%s\t", name, lineno, why);
		fwrite(line, 1, len, rejf);
		putc('\n', rejf);
		if (ferror(rejf))
			err(1, "%s", rejname);
	}
}

/* Whether a line holds only spaces (and a CR). */
static int
blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\r')
			return 0;
	return 1;
}

/* Write the buffered rows to stdout. */
static void
flushrows(void)
{
	if (olen > 0)
		out_write(obuf, olen);
	olen = 0;
}

/* Returns 0, or -1 after a warning when the input could not be read. */
static int
parsefd(int fd, const char *name)
{
	struct lineio *lio;
	struct logline ll;
	char *line;
	size_t len, n;
	int rc, ret = 0;

	lio = lio_open(fd);
	lio_setmax(lio, (size_t)maxline);
	while ((line = lio_next(lio, &len)) != NULL) {
		nlines++;
		if (vflag && progress_add(&prog, 1, pbuf, sizeof(pbuf)))
			warnx("%s", pbuf);
		if (lio_toolong(lio)) {
			reject(name, lio_lineno(lio), -1, line, len);
			continue;
		}
		if (len == 0 || ((line[0] == ' ' || line[0] == '\r') &&
		    blank(line, len))) {
			nblank++;
			continue;
		}
		rc = logline_parse(&ll, line, len);
		if (rc != LOGLINE_OK) {
			reject(name, lio_lineno(lio), rc, line, len);
			continue;
		}
		if (!wanted(&ll)) {
			nfiltered++;
			continue;
		}
		if (uflag && seen_add(seen, ll.hash)) {
			ndups++;
			continue;
		}
		if (LOGLINE_COPYMAX(len) > obufsz - olen) {
			flushrows();
			if (LOGLINE_COPYMAX(len) > obufsz) {
				obufsz = LOGLINE_COPYMAX(len) > BATCH ?
				    LOGLINE_COPYMAX(len) : BATCH;
				free(obuf);
				obuf = xmalloc(obufsz);
			}
		}
		n = logline_copy(obuf + olen, &ll);
		olen += n;
		nrows++;
	}
	if (lio_error(lio)) {
		warn("%s", name);
		ret = -1;
	}
	lio_free(lio);
	return ret;
}

int
main(int argc, char *argv[])
{
	const char *ans;
	int ch, fd, i, rv = 0;

	if ((ans = std_answer(argc, argv, "logparse", help)) != NULL)
		return fputs(ans, stdout) == EOF || fflush(stdout) == EOF;
	out_init();
	while ((ch = getopt(argc, argv, "HL:go:r:s:uv")) != -1)
		switch (ch) {
		case 'H':
			Hflag = 1;
			break;
		case 'L':
			if (parse_num(optarg, 1024, 1LL << 30, &maxline) == -1)
				errx(2, "-L %s: not a number of bytes in "
				    "1024..1073741824", optarg);
			break;
		case 'g':
			addop("REST.GET.OBJECT");
			break;
		case 'o':
			addop(optarg);
			break;
		case 'r':
			rejname = optarg;
			break;
		case 's':
			addstatus(optarg);
			break;
		case 'u':
			uflag = 1;
			break;
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	argc -= optind;
	progress_init(&prog, "lines", 1.0);
	argv += optind;

	if (rejname != NULL && (rejf = fopen(rejname, "w")) == NULL)
		err(2, "%s", rejname);
	if (uflag)
		seen = seen_new(SEEN_LOG2);
	if (Hflag)
		for (i = 0; i < LOGLINE_NCOLUMNS; i++) {
			out_puts(logline_columns[i]);
			out_putc(i + 1 < LOGLINE_NCOLUMNS ? '\t' : '\n');
		}

	if (argc == 0) {
		if (parsefd(0, "stdin") == -1)
			rv = 1;
	}
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			if (parsefd(0, "stdin") == -1)
				rv = 1;
			continue;
		}
		if ((fd = open(argv[i], O_RDONLY)) == -1) {
			warn("%s", argv[i]);
			rv = 1;
			continue;
		}
		if (parsefd(fd, argv[i]) == -1)
			rv = 1;
		close(fd);
	}
	flushrows();
	out_close();

	for (i = 1; i < LOGLINE_NSTATUS; i++)
		if (nreason[i] > 0)
			warnx("%llu line%s rejected: %s", nreason[i],
			    nreason[i] == 1 ? "" : "s", logline_strerror(i));
	if (ntoolong > 0)
		warnx("%llu line%s rejected: longer than %lld bytes (-L)",
		    ntoolong, ntoolong == 1 ? "" : "s", maxline);
	if (vflag)
		warnx("%llu lines: %llu rows, %llu rejected, %llu filtered, "
		    "%llu duplicates, %llu blank", nlines, nrows, nrej,
		    nfiltered, ndups, nblank);
	if (rejf != NULL && fclose(rejf) == EOF)
		err(1, "%s", rejname);
	/* Rejected lines kept with -r are not lost: only then is it 0. */
	if (nrej > 0 && rejf == NULL)
		rv = 1;
	seen_free(seen);
	for (i = 0; i < (int)nops; i++)
		free(ops[i]);
	free(ops);
	free(obuf);
	return rv;
}
