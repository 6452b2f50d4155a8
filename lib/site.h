/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_SITE_H
#define S3LOGS_SITE_H

#include <stddef.h>

/*
 * A directory of generated files that is regenerated in place: a file is
 * rewritten only when its content changed (so that a nightly run touches,
 * and a sync uploads, only what changed), always atomically (temporary
 * dot file in the same directory, then rename(2)), so a reader or a concurrent
 * upload never sees half a page.  A manifest (manifest.txt: one relative
 * path per line, sorted) lists what the last run produced; files that were
 * in the previous manifest but not produced again are removed, and so are
 * the temporary files of a run that was killed; nothing else in the
 * directory is ever touched.
 *
 * Errors: functions return -1 and fill err (ERRSZ bytes) with the path and
 * strerror; they never print or exit.
 */
#define SITE_ERRSZ	512

struct site;

/* Create dir (and parents) if needed and read its old manifest. */
struct site *site_open(const char *dir, char *err);

/*
 * Put rel (a relative path of safe components, made by the caller from
 * ids, never from raw log data) with n bytes of content.  Returns 1 if
 * the file was written, 0 if it already had exactly this content, -1 on
 * error.
 */
int	site_put(struct site *, const char *rel, const void *buf, size_t n,
	    char *err);

/*
 * Write the new manifest and remove the files of the old one that were
 * not put in this run, and the temporary files ".NAME.tmp.XXXXXX" that a
 * killed run left beside a file of either manifest.  Returns the number
 * of files removed, or -1.
 */
int	site_finish(struct site *, char *err);

/* Files put so far / written because they changed. */
size_t	site_count(const struct site *);
size_t	site_written(const struct site *);

/*
 * Remove the temporary file being written, if any: async-signal-safe,
 * for a handler of SIGINT, SIGTERM and SIGHUP, which then ends the
 * program.  Temporary files are named ".NAME.tmp.XXXXXX" beside NAME, so
 * that one left by a crash is never taken for a page.
 */
void	site_signal_cleanup(void);

/* Free everything (does not finish). NULL is allowed. */
void	site_free(struct site *);

#endif
