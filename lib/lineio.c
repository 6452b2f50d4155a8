/* See LICENSE file for copyright and license details. */
#include <errno.h>
#include <stdint.h>
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
	size_t	 max;		/* longest line kept whole; SIZE_MAX: no limit */
	unsigned long long skipped;	/* bytes of the line dropped past max */
	unsigned long long toolong;	/* the line just returned was cut: its length */
};

struct lineio *
lio_open(int fd)
{
	struct lineio *l;

	l = xcalloc(1, sizeof(*l));
	l->fd = fd;
	l->cap = LIO_BLOCK;
	l->buf = xmalloc(l->cap);
	l->max = SIZE_MAX;
	return l;
}

void
lio_setmax(struct lineio *l, size_t max)
{
	l->max = max > 0 ? max : SIZE_MAX;
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

/* A line longer than max is cut to it; toolong records its length. */
static char *
cut(struct lineio *l, char *line, size_t *lenp)
{
	if (l->skipped > 0 || *lenp > l->max) {
		l->toolong = l->skipped + *lenp;
		*lenp = l->max;
	}
	return line;
}

char *
lio_next(struct lineio *l, size_t *lenp)
{
	char *nl, *line;
	size_t scanned = 0;
	ssize_t r;

	*lenp = 0;
	l->toolong = 0;
	l->skipped = 0;
	for (;;) {
		nl = memchr(l->buf + l->start + scanned, '\n',
		    l->end - l->start - scanned);
		if (nl != NULL) {
			line = l->buf + l->start;
			*lenp = (size_t)(nl - line);
			l->start += *lenp + 1;
			l->term = 1;
			l->lineno++;
			return cut(l, line, lenp);
		}
		scanned = l->end - l->start;
		if (l->eof) {
			if (scanned == 0 && l->skipped == 0)
				return NULL;
			line = l->buf + l->start;
			*lenp = scanned;
			l->start = l->end;
			l->term = 0;
			l->lineno++;
			return cut(l, line, lenp);
		}
		/*
		 * Past the limit with no newline yet: keep the first max
		 * bytes and drop the rest as it comes, so that the buffer
		 * stays near max + LIO_BLOCK whatever the line's length.
		 */
		if (scanned > l->max) {
			l->skipped += scanned - l->max;
			l->end = l->start + l->max;
			scanned = l->max;
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

unsigned long long
lio_toolong(const struct lineio *l)
{
	return l->toolong;
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
