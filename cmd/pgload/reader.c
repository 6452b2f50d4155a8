/* See LICENSE file for copyright and license details. */
/*
 * The reader: the main thread reads and checks each line, and in logs
 * mode adds it to the batch it fills (*fill) while the loader thread
 * loads the other one, so that pgload and the server each use a core.
 * The batches change hands under mu: the reader hands a full one over
 * (pending) once the loader is idle, and fills the other.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineio.h"
#include "day.h"
#include "pgload.h"

static struct batch bt[2], *fill = &bt[0];	/* the reader's */
static int64_t	 fillday;		/* the day of fill's last line */
static unsigned long long nhanded;	/* batches handed to the loader */

static pthread_t loader;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct batch *pending;		/* mu: handed to the loader */
static int	 busy;			/* mu: the loader is loading one */
static int	 quit;			/* mu: no more batches */
static int	 threaded;		/* the reader's: the loader runs */

/* The loader thread: each batch handed over, loaded (endlogbatch()). */
static void *
loadermain(void *arg)
{
	struct batch *b;

	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (pending == NULL && !quit)
			pthread_cond_wait(&cv, &mu);
		if ((b = pending) == NULL)
			break;
		pending = NULL;
		busy = 1;
		pthread_mutex_unlock(&mu);
		pl.ld = b;
		pl.linemap = b->lines;
		pl.nbatch = b->n;
		endlogbatch();
		pthread_mutex_lock(&mu);
		busy = 0;
		pthread_cond_broadcast(&cv);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* Wait until the loader has loaded every batch handed to it. */
void
waitloader(void)
{
	if (!threaded)
		return;
	pthread_mutex_lock(&mu);
	while (pending != NULL || busy)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

/* Hand *fill to the loader (once it is idle) and fill the other batch. */
static void
handoff(void)
{
	/* While the loader still loads the one before. */
	scanbatch(fill);
	waitloader();
	pthread_mutex_lock(&mu);
	fill->off[fill->n] = fill->len;
	pending = fill;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	/* The loader is done with the other one. */
	fill = fill == &bt[0] ? &bt[1] : &bt[0];
	batch_clear(fill);
}

/*
 * The size of the batch being filled.  The first batches of a large -b
 * are a tenth of it, then a fifth, ...: the loader starts at once and
 * always has the next batch ready by the time it is done, instead of
 * waiting for the reader to fill a whole -b while it has only a tenth to
 * load.
 */
static long long
batchsize(void)
{
	long long n;

	if (pl.batchrows < 10000 || nhanded >= 4)
		return pl.batchrows;
	n = pl.batchrows / 10 << nhanded;
	return n < pl.batchrows ? n : pl.batchrows;
}

/*
 * The UTC day of a checked time field.  23:59:60 is the next day, as
 * PostgreSQL reads it.
 */
static int64_t
timeday(const char *f)
{
	struct timeparts p;

	timeparts(f, &p);
	return (int64_t)day_from_civil(p.y, p.mo, p.d) +
	    (p.h == 23 && p.mi == 59 && p.s == 60);
}

/*
 * A checked line into *fill: its fields' offsets, whether it repeats one
 * of the batch's, its month, and (for a new row) its day, ids and facts.
 */
static void
addlogline(const char *line, size_t len, unsigned long long lineno,
    const char **f, const size_t *n)
{
	enum { TIME = C(LL_TIME), OP = C(LL_OPERATION),
	    STATUS = C(LL_HTTP_STATUS), BYTES = C(LL_BYTES_SENT),
	    SIZE = C(LL_OBJECT_SIZE), ERR = C(LL_ERROR_CODE) };
	struct batch *b = fill;
	int64_t day = timeday(f[TIME]);
	long long want = batchsize();
	size_t i;
	char mon[11];
	int isnew;

	/*
	 * A batch ends early at the first change of day in its second half:
	 * logs come roughly in time order, so a day's rollup keys are then
	 * in one batch, which pgload_fold() inserts instead of adding them to
	 * the rows an earlier batch made, which costs it more.
	 */
	if (b->n > 0 && day != fillday && (long long)b->n >= want / 2) {
		handoff();
		nhanded++;
		b = fill;
	}
	if (b->n == 0)
		scanstart();
	/*
	 * The month's partition ("YYYY-MM"), by the day (23:59:60), when the
	 * day is not the previous line's: every line's month is then in
	 * b->months (a repeat's too, which is its first line's).
	 */
	if (b->n == 0 || day != fillday) {
		day_format(day, mon);
		(void)hmap_get(b->months, mon, 7, 1, 0, NULL);
	}
	fillday = day;
	b->off[b->n] = b->len;
	/* The fields' offsets, so that the loader need not split it again. */
	for (i = 0; i < NLOGCOLS; i++)
		b->fo[b->n * (NLOGCOLS + 1) + i] = f[i] - line;
	b->fo[b->n * (NLOGCOLS + 1) + NLOGCOLS] = len + 1;
	bput(&b->buf, &b->len, &b->size, line, len);
	bput(&b->buf, &b->len, &b->size, "\n", 1);
	/* Repeats within the batch: same hash (any case) and time text. */
	isnew = !seenrow(b, b->n, f[C_HASH], f[TIME], n[TIME]);
	b->dup[b->n] = !isnew;
	/* Its day and ids now, while the line is in the cache. */
	if (isnew) {
		struct rowfact *rf = &b->fact[b->n];

		b->rowid[b->n * ND] = (int32_t)day;
		scanrow(b, b->n);
		rf->status = (int16_t)numval(f[STATUS], n[STATUS]);
		if ((rf->bytes = numval(f[BYTES], n[BYTES])) < 0)
			rf->bytes = 0;
		rf->size = numval(f[SIZE], n[SIZE]);
		rf->dl = n[OP] == 15 && memcmp(f[OP], "REST.GET.OBJECT", 15) ==
		    0 && (rf->status == 200 || rf->status == 206);
		rf->err = rf->status >= 400 || !isnull(f[ERR], n[ERR]);
	}
	b->lines[b->n++] = lineno;
	pl.nread++;
	if ((long long)b->n == batchsize()) {
		handoff();
		nhanded++;
	}
}

/* The end of input: load the last batch, stop the loader and summer. */
void
endlogs(void)
{
	if (fill->n > 0)
		handoff();
	waitloader();
	pthread_mutex_lock(&mu);
	quit = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	if ((errno = pthread_join(loader, NULL)) != 0)
		err(1, "pthread_join");
	summer_stop();
	threaded = 0;
}

/* Whether line is the header row of logparse -H: the column names. */
static int
isheader(const char *line, size_t len)
{
	size_t i, n;

	for (i = 0; i < LOGLINE_NCOLUMNS; i++) {
		n = strlen(logline_columns[i]);
		if (len < n || memcmp(line, logline_columns[i], n) != 0)
			return 0;
		line += n;
		len -= n;
		if (i + 1 < LOGLINE_NCOLUMNS) {
			if (len == 0 || *line != '\t')
				return 0;
			line++;
			len--;
		}
	}
	return len == 0;
}

/*
 * A bad line: said on stderr, and written to -k's file; without -k, the
 * run ends.
 */
static void
setaside(const char *line, size_t len, unsigned long long lineno,
    size_t col, const char *why)
{
	if (col < pl.ncols)
		warnx("stdin:%llu: column %s: %s%s", lineno, pl.colnames[col],
		    why, pl.kfp ? ": set aside" : "");
	else
		warnx("stdin:%llu: %s%s", lineno, why,
		    pl.kfp ? ": set aside" : "");
	if (pl.kfp == NULL) {
		/*
		 * The batches before this one are loaded (and folded, and
		 * flushed), not this one.
		 */
		waitloader();
		stopfolder();
		exit(1);
	}
	if (fwrite(line, 1, len, pl.kfp) != len || putc('\n', pl.kfp) == EOF)
		err(1, "%s", pl.kfile);
	pl.nbad++;
}

/* Logs mode: the batches, the caches, the loader and summer threads. */
void
setuplogs(void)
{
	int k;

	pl.ncols = NLOGCOLS;
	pl.colnames = (char **)logline_columns;
	sql("SELECT pgload_prepare(), pgload_fast_prepare()");
	dict_setup();
	for (k = 0; k < 2; k++)
		batch_alloc(&bt[k], pl.batchrows);
	summer_start();
	if ((errno = pthread_create(&loader, NULL, loadermain, NULL)) != 0)
		err(1, "pthread_create");
	threaded = 1;
}

/* What setuplogs() allocated. */
void
freelogs(void)
{
	int k;

	for (k = 0; k < 2; k++)
		batch_free(&bt[k]);
	dict_free();
	sums_free();
	copybin_free();
	txn_free();
}

/* Every line of stdin, checked, into batches (or set aside). */
void
readinput(void)
{
	const char *why, *f[NLOGCOLS];
	char e[PG_ERRLEN];
	struct lineio *lio;
	unsigned long long lineno;
	size_t len, col, fn[NLOGCOLS];
	char *line;

	lio = lio_open(0);
	lio_setmax(lio, (size_t)pl.maxline);
	while ((line = lio_next(lio, &len)) != NULL) {
		lineno = lio_lineno(lio);
		if (lio_toolong(lio)) {
			snprintf(e, sizeof(e), "a line of %llu bytes, longer "
			    "than -L %lld%s", lio_toolong(lio), pl.maxline,
			    pl.kfp ? ", cut to that" : "");
			setaside(line, len, lineno, pl.ncols, e);
			continue;
		}
		if (lineno == 1 && pl.logsmode && isheader(line, len))
			continue;	/* logparse -H */
		/*
		 * Start loading the slot of seen[] that seenrow() will probe
		 * (see seentag()).  Not a function of its own: GCC 12 finds
		 * that a function whose only effect is a prefetch has none,
		 * and drops the call.
		 */
		if (pl.logsmode && len >= 16 && fill->seencap > 0)
			__builtin_prefetch(&fill->seen[seentag(line) &
			    (fill->seencap - 1)]);
		if ((why = checkline(line, len, &col, f, fn)) != NULL) {
			setaside(line, len, lineno, col, why);
			continue;
		}
		if (pl.logsmode)
			addlogline(line, len, lineno, f, fn);
		else
			addline(line, len, lineno);
	}
	if (lio_error(lio))
		err(1, "stdin");
	lio_free(lio);
}
