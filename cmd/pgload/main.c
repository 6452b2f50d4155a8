/* See LICENSE file for copyright and license details. */
/*
 * pgload: load COPY text rows from stdin into PostgreSQL, in batches that
 * are each one transaction.  Logs rows (logparse's output) take the fast
 * path: pgload dedupes the batch, resolves dictionary ids through its
 * caches, sends narrow rows by binary COPY straight into logs and the
 * batch's sums into the fold's queue, which a second thread, on a second
 * connection, folds into the rollups (pgload_fold()) while the next batch
 * is sent.  A batch whose fast path fails (a line stored already, a value
 * the server rejects) is rolled back to a savepoint and loaded through a
 * temporary staging table and pgload_merge(), which dedupes against logs
 * and names bad rows.  Rows for any other table (-t) are upserted on its
 * primary key.  pgload.h says which file holds what, and which thread
 * owns which state.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "migrate.h"
#include "out.h"
#include "pgload.h"

struct pgload pl = {
	.batchrows = 100000,
	.maxline = MAXLINE,
};

/* --help: the synopsis and one line per option, on stdout. */
static const char help[] =
	"usage: pgload [-v] [-b rows] [-d conninfo] [-k file] [-L bytes] [-t table]\n"
	"  -b rows             lines per batch and transaction (default 100000)\n"
	"  -d conninfo         the database (libpq connection string)\n"
	"  -k file             write bad lines to file\n"
	"  -L bytes            longest line accepted\n"
	"  -t table            load ENCODE metadata into table\n"
	"  -v                  print progress to standard error\n"
	"  --help              print this and exit\n"
	"  --version           print the version and exit\n";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pgload [-v] [-b rows] [-d conninfo] "
	    "[-k file] [-L bytes] [-t table]\n");
	exit(2);
}

/* Exit with msg, naming the batch's first and last input lines. */
void
dbdie(const char *msg)
{
	if (pl.nbatch > 0)
		errx(1, "stdin:%llu-%llu: batch not loaded: %s", pl.linemap[0],
		    pl.linemap[pl.nbatch - 1], msg);
	errx(1, "%s", msg);
}

/* Run s on the main connection; exit if it fails. */
void
sql(const char *s)
{
	char e[PG_ERRLEN];

	if (pg_exec(pl.conn, s, e, sizeof(e)) == -1)
		dbdie(e);
}

/*
 * The batch's COPY failed: exit naming the input line the server pointed
 * at (row l of the batch, column col), if any.
 */
void
copyfail(const char *e, unsigned long l, const char *col)
{
	/* A lost connection is not the row's fault, whatever CONTEXT says. */
	if (l > 0 && l <= pl.nbatch && PQstatus(pl.conn) == CONNECTION_OK) {
		if (*col)
			errx(1, "stdin:%llu: column %s: %s", pl.linemap[l - 1],
			    col, e);
		errx(1, "stdin:%llu: %s", pl.linemap[l - 1], e);
	}
	dbdie(e);
}

/* -v: a batch of n rows has committed; the totals so far and the rate. */
void
rowsline(unsigned long long n)
{
	pl.prog.n += n;
	if (pl.vflag)
		fprintf(stderr, "pgload: %llu rows, %llu new, %.0f rows/s\n",
		    pl.prog.n, pl.nloaded, progress_rate(&pl.prog));
}

int
main(int argc, char *argv[])
{
	const char *table = "logs";
	char e[PG_ERRLEN];
	const char *ans;
	int ch, n;

	if ((ans = std_answer(argc, argv, "pgload", help)) != NULL)
		return fputs(ans, stdout) == EOF || fflush(stdout) == EOF;
	out_init();
	while ((ch = getopt(argc, argv, "L:b:d:k:t:v")) != -1)
		switch (ch) {
		case 'b':
			if (parse_num(optarg, 1, 100000000, &pl.batchrows) == -1)
				errx(2, "-b %s: %s", optarg, strerror(errno));
			break;
		case 'd':
			pl.conninfo = optarg;
			break;
		case 'k':
			pl.kfile = optarg;
			break;
		case 'L':
			if (parse_num(optarg, 1024, 1LL << 30, &pl.maxline) == -1)
				errx(2, "-L %s: not a number of bytes in "
				    "1024..1073741824", optarg);
			break;
		case 't':
			table = optarg;
			break;
		case 'v':
			pl.vflag = 1;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc != 0)
		usage();

	if (pl.kfile && (pl.kfp = fopen(pl.kfile, "w")) == NULL)
		err(1, "%s", pl.kfile);
	progress_init(&pl.prog, "rows", 0);
	if ((pl.conn = pg_connect(pl.conninfo, e, sizeof(e))) == NULL)
		errx(1, "%s", e);
	if (migrate_apply(pl.conn, &n, e, sizeof(e)) == -1)
		errx(1, "%s", e);
	if (pl.vflag && n > 0)
		fprintf(stderr, "pgload: applied %d migration%s\n", n,
		    n == 1 ? "" : "s");
	/*
	 * synchronous_commit off: a server crash may forget the last batches
	 * committed, never half a batch, and rerunning restores them.
	 * temp_buffers holds a whole batch of staging rows in memory.
	 */
	sql("SET synchronous_commit = off; SET client_min_messages = warning; "
	    "SET temp_buffers = '256MB'; SET work_mem = '64MB'; SET jit = off");
	pl.logsmode = strcmp(table, "logs") == 0;
	if (pl.logsmode) {
		setuplogs();
		dict_open();
		startfolder();
	} else
		setuptable(table);
	pl.obuf = xmalloc(OBUFSIZE);

	readinput();

	if (pl.logsmode) {
		endlogs();
		dict_close();
		stopfolder();
	} else
		endtable();
	if (pl.vflag)
		fprintf(stderr, "pgload: %llu rows, %llu new, %llu set aside, "
		    "%.1f s, %llu batch%s probed, %llu batch%s merged the slow "
		    "way\n", pl.nread, pl.nloaded, pl.nbad,
		    progress_elapsed(&pl.prog), pl.nprobed,
		    pl.nprobed == 1 ? "" : "es", pl.nslow,
		    pl.nslow == 1 ? "" : "es");
	PQfinish(pl.conn);
	if (pl.kfp && fclose(pl.kfp) == EOF)
		err(1, "%s", pl.kfile);
	free(pl.obuf);
	if (pl.logsmode)
		freelogs();
	else
		freetable();
	check_free();
	out_close();
	/* Bad lines kept with -k are not a failure (as logparse -r). */
	return 0;
}
