/* See LICENSE file for copyright and license details. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"

/*
 * 256 KiB: large enough that a pipe at full speed costs few write(2) calls,
 * small enough to stay out of the way of bounded-memory promises.
 */
#define OBUFSZ	(256 * 1024)

static char obuf[OBUFSZ];
static size_t olen;
static unsigned long long ocount;

void
out_die(int errnum)
{
	if (errnum == EPIPE) {
		/* The reader is gone: die the way a default-SIGPIPE filter does. */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
		_exit(128 + SIGPIPE);
	}
	errno = errnum;
	err(1, "stdout");
}

void
out_init(void)
{
	struct stat st;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	/* A closed 0, 1 or 2 would be reused by the first open(2) or socket. */
	for (fd = 0; fd <= 2; fd++)
		if (fstat(fd, &st) == -1 && errno == EBADF)
			if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
				abort();
}

int
writeall(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void
out_flush(void)
{
	if (olen > 0 && writeall(1, obuf, olen) == -1)
		out_die(errno);
	olen = 0;
}

void
out_write(const void *buf, size_t n)
{
	ocount += n;
	if (n >= OBUFSZ) {
		/* Big blocks go straight through, after what is buffered. */
		out_flush();
		if (writeall(1, buf, n) == -1)
			out_die(errno);
		return;
	}
	if (olen + n > OBUFSZ)
		out_flush();
	memcpy(obuf + olen, buf, n);
	olen += n;
}

void
out_puts(const char *s)
{
	out_write(s, strlen(s));
}

void
out_putc(int c)
{
	char ch = (char)c;

	if (olen == OBUFSZ)
		out_flush();
	obuf[olen++] = ch;
	ocount++;
}

void
out_printf(const char *fmt, ...)
{
	va_list ap;
	char small[512], *p = small;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		err(1, "vsnprintf");
	if ((size_t)n >= sizeof(small)) {
		if ((p = malloc((size_t)n + 1)) == NULL)
			err(1, NULL);
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	out_write(p, (size_t)n);
	if (p != small)
		free(p);
}

void
out_close(void)
{
	out_flush();
	if (close(1) == -1 && errno != EBADF)
		out_die(errno);
}

unsigned long long
out_count(void)
{
	return ocount;
}
