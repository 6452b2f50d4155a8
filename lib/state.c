/* See LICENSE file for copyright and license details. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "state.h"
#include "util.h"

static int
mkdirs(char *p)
{
	char *s;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, 0700) == -1) {
		struct stat st;

		/* EEXIST also means a file is in the way. */
		if (errno != EEXIST || stat(p, &st) == -1)
			return -1;
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			return -1;
		}
	}
	return 0;
}

char *
state_dir(void)
{
	const char *v;
	char *d;

	if ((v = getenv("S3LOGS_STATE_DIR")) != NULL && *v != '\0')
		d = xstrdup(v);
	else if ((v = getenv("XDG_STATE_HOME")) != NULL && *v == '/') {
		d = xmalloc(strlen(v) + 8);
		snprintf(d, strlen(v) + 8, "%s/s3logs", v);
	} else if ((v = getenv("HOME")) != NULL && *v != '\0') {
		d = xmalloc(strlen(v) + 32);
		snprintf(d, strlen(v) + 32, "%s/.local/state/s3logs", v);
	} else {
		errno = ENOENT;
		return NULL;
	}
	if (mkdirs(d) == -1) {
		int e = errno;

		free(d);
		errno = e;
		return NULL;
	}
	return d;
}

char *
state_read(const char *path, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 4096;
			buf = xrealloc(buf, cap + 1);
		}
		if ((r = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

static int
syncdir(const char *path)
{
	char *d = xstrdup(path);
	int fd, rc = 0;

	if ((fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		rc = -1;
	else {
		if (fsync(fd) == -1 && errno != EINVAL)
			rc = -1;
		close(fd);
	}
	free(d);
	return rc;
}

int
state_write(const char *path, const void *p, size_t n)
{
	char *tmp;
	int fd, e;

	tmp = xmalloc(strlen(path) + 16);
	snprintf(tmp, strlen(path) + 16, "%s.tmpXXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1)
		goto fail;
	if (writeall(fd, p, n) == -1 || fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		e = errno;
		unlink(tmp);
		errno = e;
		goto fail;
	}
	free(tmp);
	return syncdir(path);
fail:
	e = errno;
	free(tmp);
	errno = e;
	return -1;
}

int
state_promote(const char *from, const char *to)
{
	if (rename(from, to) == -1)
		return -1;
	return syncdir(to);
}
