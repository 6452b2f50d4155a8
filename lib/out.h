/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_OUT_H
#define S3LOGS_OUT_H

#include <stddef.h>

/*
 * A checked, buffered writer for standard output (fd 1).  Every program
 * writes its data through this module so that all write errors are handled
 * in one place, the way git's write-or-die does:
 *
 *  - EPIPE (the reader went away, as under `| head`): SIGPIPE is restored
 *    to its default action and raised, so the program dies silently with
 *    status 128+13, as an ordinary filter would;
 *  - any other error (ENOSPC, EIO, ...): "PROG: stdout: <strerror>" and
 *    exit 1.
 *
 * Like x*alloc these functions exit on failure: that is their purpose.
 * out_init() must be called first; it ignores SIGPIPE for the process (so
 * that libcurl's and OpenSSL's sockets cannot kill us) and makes sure fds
 * 0, 1 and 2 are open.
 */
void	out_init(void);

/* Append n bytes to the buffer; flush when it fills. */
void	out_write(const void *buf, size_t n);

/* Append a NUL-terminated string / one byte. */
void	out_puts(const char *s);
void	out_putc(int c);

/* printf(3) into the buffer. */
void	out_printf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Write out everything buffered so far. */
void	out_flush(void);

/*
 * Flush and close stdout, reporting a late error (an NFS close, a full
 * disk discovered at close).  Call once, at the end of main.
 */
void	out_close(void);

/* Bytes handed to out_write() and friends so far. */
unsigned long long out_count(void);

/*
 * Write n bytes to fd, looping over short writes and EINTR.  Returns 0, or
 * -1 with errno.  Does not print or exit: for files other than stdout.
 */
int	writeall(int fd, const void *buf, size_t n);

/*
 * The EPIPE/other-error policy above, for callers that write to stdout by
 * other means (a libcurl write callback): call with the errno of a failed
 * write to stdout; never returns.
 */
void	out_die(int errnum) __attribute__((noreturn));

#endif
