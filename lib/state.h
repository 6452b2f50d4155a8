/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_STATE_H
#define S3LOGS_STATE_H

#include <stddef.h>

/*
 * Small state files (s3ls cursors) that are replaced atomically: the new
 * content goes to a temporary file in the same directory, is fsync'ed,
 * renamed over the old name, and the directory is fsync'ed, so a crash
 * leaves either the old file or the new one, never a mix.
 */

/*
 * The state directory: $S3LOGS_STATE_DIR, else $XDG_STATE_HOME/s3logs,
 * else $HOME/.local/state/s3logs, created (with parents, mode 0700) if
 * missing.  Returns a new string, or NULL with errno.
 */
char	*state_dir(void);

/*
 * Read the whole file at path into a new string (*lenp its length; the
 * content may hold any byte).  Returns NULL with errno (ENOENT if absent).
 */
char	*state_read(const char *path, size_t *lenp);

/* Atomically replace path with n bytes of p.  Returns 0, or -1 with errno. */
int	 state_write(const char *path, const void *p, size_t n);

/*
 * Atomically rename from over to (and fsync the directory).  Returns 0,
 * or -1 with errno (ENOENT if from is absent).
 */
int	 state_promote(const char *from, const char *to);

#endif
