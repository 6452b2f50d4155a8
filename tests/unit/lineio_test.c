/* See LICENSE file for copyright and license details. */
/* lib/lineio: lines of any length, in place, with an optional cut. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineio.h"
#include "unit.h"

/* A reader of n bytes of p (a temporary file, already unlinked). */
static struct lineio *
from(const void *p, size_t n, int *fdp)
{
	char path[] = "/tmp/lineio_test.XXXXXX";
	int fd;

	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		exit(2);
	}
	unlink(path);
	if (write(fd, p, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0) {
		perror("write");
		exit(2);
	}
	*fdp = fd;
	return lio_open(fd);
}

static void
done(struct lineio *l, int fd)
{
	lio_free(l);
	close(fd);
}

static void
empty(void)
{
	struct lineio *l;
	size_t len = 9;
	int fd;

	l = from("", 0, &fd);
	CHECK(lio_next(l, &len) == NULL);
	CHECK_INT(len, 0);
	CHECK_INT(lio_error(l), 0);
	CHECK_INT(lio_lineno(l), 0);
	/* and again: still the end */
	CHECK(lio_next(l, &len) == NULL);
	done(l, fd);
}

static void
lines(void)
{
	static const char in[] = "one\n\ntwo\r\nlast";
	struct lineio *l;
	char *s;
	size_t len;
	int fd;

	l = from(in, sizeof(in) - 1, &fd);
	s = lio_next(l, &len);
	CHECK_BYTES(s, len, "one");
	CHECK_INT(lio_lineno(l), 1);
	CHECK_INT(lio_terminated(l), 1);
	CHECK_INT(lio_toolong(l), 0);
	s = lio_next(l, &len);		/* an empty line is a line */
	CHECK(s != NULL && len == 0);
	CHECK_INT(lio_lineno(l), 2);
	s = lio_next(l, &len);		/* the \r is kept */
	CHECK_BYTES(s, len, "two\r");
	s = lio_next(l, &len);		/* a last line with no newline */
	CHECK_BYTES(s, len, "last");
	CHECK_INT(lio_terminated(l), 0);
	CHECK_INT(lio_lineno(l), 4);
	CHECK(lio_next(l, &len) == NULL);
	CHECK_INT(len, 0);
	CHECK_INT(lio_error(l), 0);
	CHECK_INT(lio_lineno(l), 4);
	done(l, fd);
}

/* NUL bytes are data; the caller may write over a line. */
static void
nul(void)
{
	static const char in[] = "a\0b\n\0\n";
	struct lineio *l;
	char *s;
	size_t len;
	int fd;

	l = from(in, sizeof(in) - 1, &fd);
	s = lio_next(l, &len);
	CHECK_BYTES(s, len, "a\0b");
	s[0] = 'X';
	s = lio_next(l, &len);
	CHECK(s != NULL && len == 1 && s[0] == '\0');
	CHECK(lio_next(l, &len) == NULL);
	done(l, fd);
}

/* Lines much longer than the reader's 1 MiB block come back whole. */
static void
longlines(void)
{
	size_t big = 5 * 1024 * 1024 + 17, n = 2 * big + 8, i;
	char *in = malloc(n), *s;
	struct lineio *l;
	size_t len;
	int fd, bad = 0;

	for (i = 0; i < big; i++)
		in[i] = (char)('a' + i % 26);
	in[big] = '\n';
	memcpy(in + big + 1, "short\n", 6);
	memset(in + big + 7, 'z', n - big - 7);	/* unterminated, long */
	l = from(in, n, &fd);
	s = lio_next(l, &len);
	CHECK_INT(len, big);
	for (i = 0; s != NULL && i < len; i++)
		bad += s[i] != (char)('a' + i % 26);
	CHECK_INT(bad, 0);
	s = lio_next(l, &len);
	CHECK_BYTES(s, len, "short");
	s = lio_next(l, &len);
	CHECK_INT(len, n - big - 7);
	CHECK_INT(lio_terminated(l), 0);
	CHECK_INT(lio_toolong(l), 0);
	CHECK(lio_next(l, &len) == NULL);
	CHECK_INT(lio_lineno(l), 3);
	done(l, fd);
	free(in);
}

/* With a limit, longer lines are cut and told; the next ones are whole. */
static void
setmax(void)
{
	size_t big = 3 * 1024 * 1024, n = 0;
	char *in = malloc(2 * big + 64), *s;
	struct lineio *l;
	size_t len;
	int fd;

	n += sprintf(in + n, "0123456789\n");	/* exactly the limit */
	memset(in + n, 'x', big);
	n += big;
	in[n++] = '\n';
	n += sprintf(in + n, "01234567890\n");	/* one byte over */
	n += sprintf(in + n, "ok\n");
	memset(in + n, 'y', big);		/* cut, and unterminated */
	n += big;
	l = from(in, n, &fd);
	lio_setmax(l, 10);
	s = lio_next(l, &len);
	CHECK(s != NULL && len == 10);
	CHECK_INT(lio_toolong(l), 0);
	s = lio_next(l, &len);
	CHECK_BYTES(s, len, "xxxxxxxxxx");
	CHECK_INT(lio_toolong(l), big);
	CHECK_INT(lio_lineno(l), 2);
	s = lio_next(l, &len);
	CHECK_BYTES(s, len, "0123456789");
	CHECK_INT(lio_toolong(l), 11);
	s = lio_next(l, &len);
	CHECK_BYTES(s, len, "ok");
	CHECK_INT(lio_toolong(l), 0);
	CHECK_INT(lio_lineno(l), 4);
	s = lio_next(l, &len);
	CHECK(s != NULL && len == 10 && s[0] == 'y');
	CHECK_INT(lio_toolong(l), big);
	CHECK_INT(lio_terminated(l), 0);
	CHECK_INT(lio_lineno(l), 5);
	CHECK(lio_next(l, &len) == NULL);
	done(l, fd);

	/* 0: no limit */
	l = from(in, n, &fd);
	lio_setmax(l, 10);
	lio_setmax(l, 0);
	s = lio_next(l, &len);
	s = lio_next(l, &len);
	CHECK_INT(len, big);
	CHECK_INT(lio_toolong(l), 0);
	done(l, fd);
	free(in);
}

/* Lines split across reads of a pipe, one byte a write. */
static void
pipes(void)
{
	static const char in[] = "alpha\nbe\0ta\n\ngamma";
	struct lineio *l;
	char *s;
	size_t len, i;
	pid_t pid;
	int p[2], st;

	if (pipe(p) == -1 || (pid = fork()) == -1) {
		perror("pipe");
		exit(2);
	}
	if (pid == 0) {
		close(p[0]);
		for (i = 0; i < sizeof(in) - 1; i++)
			if (write(p[1], in + i, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	l = lio_open(p[0]);
	s = lio_next(l, &len);
	CHECK_BYTES(s, len, "alpha");
	s = lio_next(l, &len);
	CHECK_BYTES(s, len, "be\0ta");
	s = lio_next(l, &len);
	CHECK(s != NULL && len == 0);
	s = lio_next(l, &len);
	CHECK_BYTES(s, len, "gamma");
	CHECK_INT(lio_terminated(l), 0);
	CHECK(lio_next(l, &len) == NULL);
	CHECK_INT(lio_error(l), 0);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	done(l, p[0]);
}

/* A read error: NULL, errno set, lio_error true. */
static void
readerror(void)
{
	struct lineio *l;
	size_t len = 5;
	int fd;

	if ((fd = open("/", O_RDONLY | O_DIRECTORY)) == -1) {
		perror("/");
		exit(2);
	}
	l = lio_open(fd);
	errno = 0;
	CHECK(lio_next(l, &len) == NULL);
	CHECK_INT(len, 0);
	CHECK_INT(errno, EISDIR);
	CHECK(lio_error(l) != 0);
	done(l, fd);
}

int
main(void)
{
	RUN(empty);
	RUN(lines);
	RUN(nul);
	RUN(longlines);
	RUN(setmax);
	RUN(pipes);
	RUN(readerror);
	return unit_done("lineio");
}
