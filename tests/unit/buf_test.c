/* See LICENSE file for copyright and license details. */
/*
 * lib/buf: the zeroed buffer, NUL termination after text and binary,
 * growth across many appends, printf past the stack buffer, reset, free.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unit.h"

static void
text(void)
{
	struct buf b = { 0 };

	CHECK(b.p == NULL);
	buf_puts(&b, "abc");
	buf_putc(&b, 'd');
	buf_add(&b, "e\0f", 3);
	CHECK_INT(b.len, 7);
	CHECK_MEM(b.p, "abcde\0f", 8);		/* NUL after len */
	buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK(b.p != NULL && b.p[0] == '\0');
	buf_printf(&b, "%d-%s", 42, "x");
	CHECK_STR(b.p, "42-x");
	buf_free(&b);
	CHECK(b.p == NULL);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
}

static void
growth(void)
{
	struct buf b = { 0 };
	char big[5000];
	size_t i;
	int bad = 0;

	for (i = 0; i < 100000; i++)
		buf_putc(&b, (char)('a' + i % 26));
	CHECK_INT(b.len, 100000);
	for (i = 0; i < b.len; i++)
		if (b.p[i] != (char)('a' + i % 26))
			bad++;
	CHECK_INT(bad, 0);
	CHECK(b.p[b.len] == '\0');
	buf_reset(&b);
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_printf(&b, "<%s>", big);		/* longer than any stack buffer */
	CHECK_INT(b.len, sizeof(big) + 1);
	CHECK(b.p[0] == '<' && b.p[b.len - 1] == '>' && b.p[b.len] == '\0');
	buf_free(&b);
	buf_grow(&b, 10, 65536);
	CHECK(b.cap >= 65536);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

int
main(void)
{
	RUN(text);
	RUN(growth);
	return unit_done("buf");
}
