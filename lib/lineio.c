/* See LICENSE file for copyright and license details. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineio.h"
#include "util.h"

#define LIO_BLOCK	(1024 * 1024)

struct lineio {
	int	 fd;
	char	*buf;
	size_t	 cap;		/* allocated */
	size_t	 start;		/* first unread byte */
	size_t	 end;		/* one past the last byte read */
	int	 eof;
	int	 error;
	int	 term;
	unsigned long long lineno;
};

struct lineio *
lio_open(int fd)
{
	struct lineio *l;

	l = xcalloc(1, sizeof(*l));
	l->fd = fd;
	l->cap = LIO_BLOCK;
	l->buf = xmalloc(l->cap);
	return l;
}

/* Make room for at least one more block, compacting or growing. */
static void
lio_room(struct lineio *l)
{
	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	if (l->cap - l->end < LIO_BLOCK / 2) {
		l->cap *= 2;
		l->buf = xrealloc(l->buf, l->cap);
	}
}

char *
lio_next(struct lineio *l, size_t *lenp)
{
	char *nl, *line;
	size_t scanned = 0;
	ssize_t r;

	*lenp = 0;
	for (;;) {
		nl = memchr(l->buf + l->start + scanned, '\n',
		    l->end - l->start - scanned);
		if (nl != NULL) {
			line = l->buf + l->start;
			*lenp = (size_t)(nl - line);
			l->start += *lenp + 1;
			l->term = 1;
			l->lineno++;
			return line;
		}
		scanned = l->end - l->start;
		if (l->eof) {
			if (scanned == 0)
				return NULL;
			line = l->buf + l->start;
			*lenp = scanned;
			l->start = l->end;
			l->term = 0;
			l->lineno++;
			return line;
		}
		lio_room(l);
		do
			r = read(l->fd, l->buf + l->end, l->cap - l->end);
		while (r == -1 && errno == EINTR);
		if (r == -1) {
			l->error = 1;
			return NULL;
		}
		if (r == 0)
			l->eof = 1;
		l->end += (size_t)r;
	}
}

int
lio_error(const struct lineio *l)
{
	return l->error;
}

unsigned long long
lio_lineno(const struct lineio *l)
{
	return l->lineno;
}

int
lio_terminated(const struct lineio *l)
{
	return l->term;
}

void
lio_free(struct lineio *l)
{
	if (l == NULL)
		return;
	free(l->buf);
	free(l);
}
