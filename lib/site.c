/* See LICENSE file for copyright and license details. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "site.h"
#include "util.h"

#define MANIFEST	"manifest.txt"

struct site {
	char	 *dir;
	char	**old;		/* previous manifest, sorted */
	size_t	  nold;
	char	**cur;		/* put in this run */
	size_t	  ncur, capcur;
	size_t	  written;
};

/* The temporary file being written, for site_signal_cleanup(). */
static char *volatile curtmp;

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a/b", or b when a is empty. */
static char *
join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = xmalloc(la + lb + 2);

	if (la == 0) {
		memcpy(p, b, lb + 1);
		return p;
	}
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

/* mkdir -p of the directory part of path (path itself is a file). */
static int
mkparents(char *path)
{
	char *p;

	for (p = path + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/* Read a whole small file; NULL with errno on failure. */
static char *
slurp(const char *path, size_t *lenp)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (n < (size_t)st.st_size &&
	    (r = read(fd, buf + n, (size_t)st.st_size - n)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return NULL;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*lenp = n;
	return buf;
}

struct site *
site_open(const char *dir, char *err)
{
	struct site *s;
	char *path, *buf, *line, *save;
	size_t len;

	s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(dir);
	len = strlen(s->dir);
	while (len > 1 && s->dir[len - 1] == '/')
		s->dir[--len] = '\0';
	path = join(s->dir, MANIFEST);
	if (mkparents(path) == -1) {
		snprintf(err, SITE_ERRSZ, "%s: %s", s->dir, strerror(errno));
		free(path);
		site_free(s);
		return NULL;
	}
	if ((buf = slurp(path, &len)) == NULL && errno != ENOENT) {
		snprintf(err, SITE_ERRSZ, "%s: %s", path, strerror(errno));
		free(path);
		site_free(s);
		return NULL;
	}
	free(path);
	if (buf != NULL) {
		for (line = strtok_r(buf, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			/* Only our own kind of path: no escape from dir. */
			if (line[0] == '/' || strstr(line, "..") != NULL)
				continue;
			s->old = xreallocarray(s->old, s->nold + 1,
			    sizeof(*s->old));
			s->old[s->nold++] = xstrdup(line);
		}
		free(buf);
		qsort(s->old, s->nold, sizeof(*s->old), cmpstr);
	}
	return s;
}

static void
addcur(struct site *s, const char *rel)
{
	if (s->ncur == s->capcur) {
		s->capcur = s->capcur ? s->capcur * 2 : 256;
		s->cur = xreallocarray(s->cur, s->capcur, sizeof(*s->cur));
	}
	s->cur[s->ncur++] = xstrdup(rel);
}

static int
putfile(struct site *s, const char *rel, const void *data, size_t n,
    char *err)
{
	char *path, *tmp, *old, *base;
	size_t plen, oldlen;
	int fd, same;

	path = join(s->dir, rel);
	plen = strlen(path) + 1;
	if ((old = slurp(path, &oldlen)) != NULL) {
		same = oldlen == n && memcmp(old, data, n) == 0;
		free(old);
		if (same) {
			free(path);
			return 0;
		}
	}
	/*
	 * ".NAME.tmp.XXXXXX" beside NAME: a dot file, which no one takes
	 * for a page and no manifest lists.
	 */
	base = strrchr(path, '/') + 1;
	tmp = xmalloc(plen + 16);
	snprintf(tmp, plen + 16, "%.*s.%s.tmp.XXXXXX", (int)(base - path),
	    path, base);
	curtmp = tmp;
	if (mkparents(tmp) == -1 || (fd = mkstemp(tmp)) == -1) {
		curtmp = NULL;
		snprintf(err, SITE_ERRSZ, "%s: %s", path, strerror(errno));
		free(tmp);
		free(path);
		return -1;
	}
	if (writeall(fd, data, n) == -1 || fchmod(fd, 0644) == -1 ||
	    close(fd) == -1) {
		snprintf(err, SITE_ERRSZ, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		curtmp = NULL;
		free(tmp);
		free(path);
		return -1;
	}
	if (rename(tmp, path) == -1) {
		snprintf(err, SITE_ERRSZ, "%s: %s", path, strerror(errno));
		unlink(tmp);
		curtmp = NULL;
		free(tmp);
		free(path);
		return -1;
	}
	curtmp = NULL;
	free(tmp);
	free(path);
	s->written++;
	return 1;
}

int
site_put(struct site *s, const char *rel, const void *data, size_t n,
    char *err)
{
	addcur(s, rel);
	return putfile(s, rel, data, n, err);
}

/* Whether rel is in the sorted list v of n paths. */
static int
listed(char **v, size_t n, const char *rel)
{
	return n > 0 && bsearch(&rel, v, n, sizeof(*v), cmpstr) != NULL;
}

/*
 * Whether name is ".NAME.tmp.XXXXXX", our temporary name, and if so put
 * NAME in page (sz bytes).
 */
static int
tmpname(const char *name, char *page, size_t sz)
{
	size_t n = strlen(name), i;

	if (n < 1 + 1 + 11 || name[0] != '.' ||
	    strncmp(name + n - 11, ".tmp.", 5) != 0)
		return 0;
	for (i = n - 6; i < n; i++)
		if (!(name[i] >= 'A' && name[i] <= 'Z') &&
		    !(name[i] >= 'a' && name[i] <= 'z') &&
		    !(name[i] >= '0' && name[i] <= '9'))
			return 0;
	if (n - 12 >= sz)
		return 0;
	memcpy(page, name + 1, n - 12);
	page[n - 12] = '\0';
	return 1;
}

/*
 * Remove the temporary files that a run killed outright (SIGKILL, a
 * crash, a power cut) left beside the pages of this site or the last
 * one, so that an upload of the directory never publishes them.  Only the
 * directories the two manifests name are read, and only our own
 * temporary names of their files are removed.  Returns the number
 * removed, or -1.
 */
static int
sweep(struct site *s, char *err)
{
	char **dirs = NULL, *d, *slash, *path, *rel, page[256];
	size_t ndirs = 0, i, j, len;
	struct dirent *e;
	DIR *dp;
	int removed = 0;

	for (i = 0; i < s->ncur + s->nold; i++) {
		rel = i < s->ncur ? s->cur[i] : s->old[i - s->ncur];
		slash = strrchr(rel, '/');
		len = slash != NULL ? (size_t)(slash - rel) : 0;
		for (j = 0; j < ndirs; j++)
			if (strlen(dirs[j]) == len &&
			    strncmp(dirs[j], rel, len) == 0)
				break;
		if (j < ndirs)
			continue;
		dirs = xreallocarray(dirs, ndirs + 1, sizeof(*dirs));
		dirs[ndirs] = xmalloc(len + 1);
		memcpy(dirs[ndirs], rel, len);
		dirs[ndirs++][len] = '\0';
	}
	for (i = 0; i < ndirs && removed >= 0; i++) {
		d = join(s->dir, dirs[i]);
		if ((dp = opendir(d)) == NULL) {
			free(d);
			continue;
		}
		while ((e = readdir(dp)) != NULL) {
			if (!tmpname(e->d_name, page, sizeof(page)))
				continue;
			rel = join(dirs[i], page);
			if (listed(s->cur, s->ncur, rel) ||
			    listed(s->old, s->nold, rel)) {
				path = join(d, e->d_name);
				if (unlink(path) == 0)
					removed++;
				else if (errno != ENOENT) {
					snprintf(err, SITE_ERRSZ, "%s: %s",
					    path, strerror(errno));
					removed = -1;
				}
				free(path);
			}
			free(rel);
			if (removed < 0)
				break;
		}
		closedir(dp);
		free(d);
	}
	for (i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	return removed;
}

int
site_finish(struct site *s, char *err)
{
	char *buf = NULL, *path;
	size_t i, len = 0, plen;
	int removed = 0, r;

	/* The manifest lists itself, so the next run never removes it. */
	addcur(s, MANIFEST);
	qsort(s->cur, s->ncur, sizeof(*s->cur), cmpstr);
	for (i = 0; i < s->ncur; i++) {
		if (i > 0 && strcmp(s->cur[i], s->cur[i - 1]) == 0)
			continue;
		plen = strlen(s->cur[i]);
		buf = xrealloc(buf, len + plen + 1);
		memcpy(buf + len, s->cur[i], plen);
		len += plen;
		buf[len++] = '\n';
	}
	r = putfile(s, MANIFEST, buf, len, err);
	free(buf);
	if (r == -1)
		return -1;
	for (i = 0; i < s->nold; i++) {
		if (bsearch(&s->old[i], s->cur, s->ncur, sizeof(*s->cur),
		    cmpstr) != NULL)
			continue;
		path = join(s->dir, s->old[i]);
		if (unlink(path) == -1 && errno != ENOENT) {
			snprintf(err, SITE_ERRSZ, "%s: %s", path,
			    strerror(errno));
			free(path);
			return -1;
		}
		free(path);
		removed++;
	}
	if ((r = sweep(s, err)) == -1)
		return -1;
	return removed + r;
}

size_t
site_count(const struct site *s)
{
	return s->ncur;
}

size_t
site_written(const struct site *s)
{
	return s->written;
}

void
site_free(struct site *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nold; i++)
		free(s->old[i]);
	for (i = 0; i < s->ncur; i++)
		free(s->cur[i]);
	free(s->old);
	free(s->cur);
	free(s->dir);
	free(s);
}

void
site_signal_cleanup(void)
{
	char *t = curtmp;

	if (t != NULL)
		unlink(t);
}
