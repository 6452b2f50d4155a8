/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_LINEIO_H
#define S3LOGS_LINEIO_H

#include <stddef.h>

/*
 * A line reader for lines of any length.  It reads large blocks with
 * read(2) and hands out lines in place, so the common case copies nothing;
 * a line longer than the buffer grows it (to the length of the longest
 * line seen, no more), so memory is bounded by the longest line, never by
 * the input size; with lio_setmax(), by the limit whatever the lines.
 */
struct lineio;

/* Read from fd (not closed by lio_free).  Never NULL (x*alloc). */
struct lineio *lio_open(int fd);

/*
 * The next line, without its "\n" terminator (a "\r" before it is kept:
 * callers decide about CRLF).  A last line with no terminator is returned
 * as a line.  *lenp gets its length.  The bytes stay valid until the next
 * call and may be modified in place by the caller.
 * Returns NULL at end of input (*lenp = 0) or on a read error (*lenp = 0,
 * errno set, lio_error() true).
 */
char	*lio_next(struct lineio *, size_t *lenp);

/*
 * Lines longer than max bytes (0: no limit, the default) are cut: lio_next
 * returns their first max bytes, reads and drops the rest up to the
 * newline in bounded memory, and lio_toolong() tells.  The lines after
 * one are returned as usual, numbered as usual.
 */
void	 lio_setmax(struct lineio *, size_t max);

/*
 * 0 if the line just returned is whole; if it was cut (see lio_setmax),
 * its full length without the newline.
 */
unsigned long long lio_toolong(const struct lineio *);

/* Whether the last NULL from lio_next was a read error. */
int	 lio_error(const struct lineio *);

/* Lines returned so far (the number of the line just returned). */
unsigned long long lio_lineno(const struct lineio *);

/* Whether the line just returned ended with "\n" (0 for a last partial line). */
int	 lio_terminated(const struct lineio *);

void	 lio_free(struct lineio *);

#endif
