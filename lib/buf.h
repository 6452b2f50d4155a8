/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_BUF_H
#define S3LOGS_BUF_H

#include <stddef.h>

/*
 * A growable byte buffer.  p is NUL-terminated after len bytes once
 * anything was added, so a buffer of text is also a C string; binary
 * data may hold NUL bytes too.  A zeroed struct is an empty buffer.
 * Growth goes through x*alloc and so cannot fail.
 */
struct buf {
	char	*p;		/* NULL until the first byte */
	size_t	 len, cap;
};

/* Append n bytes of s. */
void	 buf_add(struct buf *b, const void *s, size_t n);

/* Append the string s / the character c. */
void	 buf_puts(struct buf *b, const char *s);
void	 buf_putc(struct buf *b, char c);

/* Append printf(3)-formatted text. */
void	 buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Make room for n more bytes (and the NUL) without adding any, growing
 * to at least min bytes: a caller that knows its sizes avoids reallocs.
 */
void	 buf_grow(struct buf *b, size_t n, size_t min);

/* Empty the buffer, keeping its memory. */
void	 buf_reset(struct buf *b);

/* Release the memory; b is an empty buffer again. */
void	 buf_free(struct buf *b);

#endif
