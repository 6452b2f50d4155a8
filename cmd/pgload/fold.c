/* See LICENSE file for copyright and license details. */
/*
 * The side connections, and the folder thread on one of them.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "pgload.h"

/*
 * A side connection (fold, dict, sums), named apart from the loader in
 * pg_stat_activity ("pgload (what)").  Its commits need not wait for the
 * disk: the loader's last commit is synchronous, and the WAL is flushed
 * in order.
 */
PGconn *
sideconn(const char *what)
{
	char e[PG_ERRLEN], q[512];
	PGconn *c;

	if ((c = pg_connect(pl.conninfo, e, sizeof(e))) == NULL)
		errx(1, "%s", e);
	snprintf(q, sizeof(q), "SET synchronous_commit = off; "
	    "SET client_min_messages = warning; SET jit = off; "
	    "SELECT set_config('application_name', left(coalesce(nullif("
	    "current_setting('application_name'), ''), 'pgload') || "
	    "' (%s)', 63), false)", what);
	if (pg_exec(c, q, e, sizeof(e)) == -1)
		errx(1, "%s", e);
	return c;
}

/*
 * The folder: a thread with its own connection that runs pgload_fold()
 * whenever a batch has committed, so that the server adds one batch's
 * sums to the rollups while it takes the next batch's rows: two backends
 * at work.  A fold takes everything queued, so a slow
 * fold is followed by a bigger one, not by a backlog.
 */
static pthread_t folder;
static pthread_mutex_t fmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fcv = PTHREAD_COND_INITIALIZER;
static PGconn	*fconn;
static int	 fwant;			/* fmu: a batch has committed since */
static int	 fstop;			/* fmu: the last fold, then end */
static int	 ffail;			/* fmu: a fold failed, ferr says why */
static int	 folding;		/* the main thread's: a folder runs */
static char	 ferr[PG_ERRLEN];

/* The folder thread: a fold whenever one is wanted, until stopped. */
static void *
foldermain(void *arg)
{
	char e[PG_ERRLEN];
	PGresult *r;

	(void)arg;
	fconn = sideconn("fold");
	pthread_mutex_lock(&fmu);
	for (;;) {
		while (!fwant && !fstop)
			pthread_cond_wait(&fcv, &fmu);
		if (!fwant)
			break;
		fwant = 0;
		pthread_mutex_unlock(&fmu);
		r = pg_query(fconn, "SELECT pgload_fold()", 0, NULL, e,
		    sizeof(e));
		PQclear(r);
		pthread_mutex_lock(&fmu);
		if (r == NULL) {
			ffail = 1;
			memcpy(ferr, e, sizeof(ferr));
			break;
		}
	}
	pthread_mutex_unlock(&fmu);
	return NULL;
}

/* Ask for a fold (after a commit); exit if the folder has failed. */
void
kickfold(void)
{
	pthread_mutex_lock(&fmu);
	if (ffail) {
		pthread_mutex_unlock(&fmu);
		errx(1, "folding the rollups: %s", ferr);
	}
	fwant = 1;
	pthread_cond_signal(&fcv);
	pthread_mutex_unlock(&fmu);
}

/* Start the folder; it opens its connection itself. */
void
startfolder(void)
{
	fwant = 1;	/* what earlier runs left in the queue */
	if ((errno = pthread_create(&folder, NULL, foldermain, NULL)) != 0)
		err(1, "pthread_create");
	folding = 1;
}

/*
 * The last fold, then make every batch durable: batches commit with
 * synchronous_commit off, and one synchronous commit flushes the WAL up
 * to it, so that an exit status of 0 means the rows survive a crash (the
 * nightly job advances its cursor on it).
 */
void
stopfolder(void)
{
	if (!folding)
		return;
	pthread_mutex_lock(&fmu);
	fwant = fstop = 1;
	pthread_cond_signal(&fcv);
	pthread_mutex_unlock(&fmu);
	if ((errno = pthread_join(folder, NULL)) != 0)
		err(1, "pthread_join");
	folding = 0;
	PQfinish(fconn);
	if (ffail)
		errx(1, "folding the rollups: %s", ferr);
	sql("SET synchronous_commit = on; BEGIN; SELECT pg_current_xact_id(); "
	    "COMMIT");
}

