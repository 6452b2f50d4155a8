/* See LICENSE file for copyright and license details. */
#include <stdarg.h>
#include <stdio.h>

#include "trace.h"

void
tracef(trace_fn *fn, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fn("%s", buf);
}
