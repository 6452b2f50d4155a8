/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_TRACE_H
#define S3LOGS_TRACE_H

/*
 * -v tracing.  lib never prints: a module that traces formats a line and
 * hands it to a sink the program installed (struct s3_config and struct
 * creds_ctx carry one), or to none when -v is off.  A sink takes printf
 * arguments, one line without its newline, so that err(3)'s warnx is one:
 * the programs install warnx and every -v line reads "PROG: ...", the way
 * their own -v lines (written with warnx) do.
 */
typedef void trace_fn(const char *fmt, ...);

/*
 * Format a line (cut at 1023 bytes) and hand it to fn, if fn is not NULL;
 * with no sink nothing is formatted.
 */
void	 tracef(trace_fn *fn, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
